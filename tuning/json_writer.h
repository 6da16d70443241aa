// JsonWriter: builds one JSON document as text, for `--json` output. Knows nothing of
// tuning; keeps commas and two-space indentation right so callers only name keys and values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq::tuning {

// `text` as a JSON string literal, quotes included; control bytes as \uXXXX.
std::string json_quote(std::string_view text);

class JsonWriter {
 public:
  JsonWriter& begin_object(std::string_view key = {});
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key = {});
  JsonWriter& end_array();
  JsonWriter& value(std::string_view key, std::string_view text);
  JsonWriter& value(std::string_view key, const char* text) { return value(key, std::string_view(text)); }
  JsonWriter& value(std::string_view key, bool flag);
  JsonWriter& value(std::string_view key, int64_t number);
  JsonWriter& value(std::string_view key, size_t number) { return value(key, static_cast<int64_t>(number)); }
  // An array element (inside begin_array with no key).
  JsonWriter& element(std::string_view text);

  // The document, ending in a newline.
  std::string str() const { return out_ + "\n"; }

 private:
  void start_entry(std::string_view key);
  std::string out_;
  std::vector<bool> first_;  // per open container: no entry written yet
};

}  // namespace ringmq::tuning
