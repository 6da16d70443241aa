// JsonOut: writes one JSON document as text. Objects are indented one member per line;
// arrays opened with compact = true keep their scalar elements on one line (long numeric
// series stay readable and small). Numbers are written in plain decimal notation, never
// with an exponent, NaN or infinity (those become 0), so any strict parser accepts them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq::perf {

std::string json_quote(std::string_view text);
// `value` with up to `decimals` digits after the point, trailing zeros dropped.
std::string json_number(double value, int decimals = 3);

class JsonOut {
 public:
  JsonOut& begin_object(std::string_view key = {});
  JsonOut& end_object();
  JsonOut& begin_array(std::string_view key = {}, bool compact = false);
  JsonOut& end_array();
  JsonOut& field(std::string_view key, std::string_view text);
  JsonOut& field(std::string_view key, const char* text) { return field(key, std::string_view(text)); }
  JsonOut& field(std::string_view key, const std::string& text) { return field(key, std::string_view(text)); }
  JsonOut& field(std::string_view key, bool flag);
  JsonOut& field(std::string_view key, uint64_t number);
  JsonOut& field(std::string_view key, int number) { return field(key, static_cast<uint64_t>(number < 0 ? 0 : number)); }
  JsonOut& field(std::string_view key, uint32_t number) { return field(key, uint64_t{number}); }
  JsonOut& field(std::string_view key, double number, int decimals = 3);
  JsonOut& null_field(std::string_view key);
  // Array elements.
  JsonOut& item(std::string_view text);
  JsonOut& item(uint64_t number);
  JsonOut& item(double number, int decimals = 3);

  std::string str() const { return out_ + "\n"; }

 private:
  void start_entry(std::string_view key);
  void newline();
  struct Level {
    bool first = true;
    bool compact = false;
  };
  std::string out_;
  std::vector<Level> levels_;
};

}  // namespace ringmq::perf
