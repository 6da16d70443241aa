// JsonWriter: builds one JSON document as text, for `--json` output and run reports. It knows
// nothing of its callers; it keeps commas and indentation right so they only name keys and
// values. Objects and arrays are indented two spaces, one entry per line; an array opened
// with compact = true keeps its elements on one line (long numeric series stay readable and
// small). Numbers are plain decimals, never an exponent, NaN or infinity (those become 0), so
// any strict parser accepts them.
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq {

// `text` escaped for the inside of a JSON string literal (no quotes): " and \ backslashed,
// \n \r \t, other control bytes as \uXXXX. The broker's JSON log lines use it directly.
std::string json_escape(std::string_view text);
// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);
// `value` with up to `decimals` digits after the point, trailing zeros dropped; 0 if not finite.
std::string json_number(double value, int decimals = 3);

// Any integer type but bool and the character types, which have overloads (or none) of
// their own.
template <typename T>
concept JsonInteger =
    std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> && !std::same_as<T, char8_t> &&
    !std::same_as<T, char16_t> && !std::same_as<T, char32_t> && !std::same_as<T, wchar_t>;

class JsonWriter {
 public:
  // A key is given inside an object and left empty inside an array (or for the document).
  JsonWriter& begin_object(std::string_view key = {});
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key = {}, bool compact = false);
  JsonWriter& end_array();

  // Members of an object.
  JsonWriter& field(std::string_view key, std::string_view text);
  JsonWriter& field(std::string_view key, const char* text) { return field(key, std::string_view(text)); }
  JsonWriter& field(std::string_view key, const std::string& text) { return field(key, std::string_view(text)); }
  JsonWriter& field(std::string_view key, bool flag);
  template <JsonInteger T>
  JsonWriter& field(std::string_view key, T number) {
    return raw(key, std::to_string(number));
  }
  JsonWriter& field(std::string_view key, double number, int decimals = 3);
  JsonWriter& null_field(std::string_view key);

  // Elements of an array.
  JsonWriter& item(std::string_view text) { return field({}, text); }
  JsonWriter& item(const char* text) { return field({}, std::string_view(text)); }
  JsonWriter& item(const std::string& text) { return field({}, std::string_view(text)); }
  template <JsonInteger T>
  JsonWriter& item(T number) {
    return field({}, number);
  }
  JsonWriter& item(double number, int decimals = 3) { return field({}, number, decimals); }

  // The document, ending in a newline.
  std::string str() const { return out_ + "\n"; }

 private:
  // Writes the separator, the indentation and the key for the next entry, then `json`.
  JsonWriter& raw(std::string_view key, std::string_view json);
  void start_entry(std::string_view key);
  void newline();

  struct Level {
    bool first = true;  // no entry written yet
    bool compact = false;
  };
  std::string out_;
  std::vector<Level> levels_;
};

}  // namespace ringmq
