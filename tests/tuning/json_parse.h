// A strict little JSON parser for the tests: proves `--json` output is well-formed (it
// rejects trailing commas, bad escapes, stray text) and lets a test look values up.
#pragma once

#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq::tuning::test {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = Kind::kNull;
  bool flag = false;
  double number = 0;
  std::string text;
  std::vector<JsonValue> items;
  std::map<std::string, JsonValue> fields;

  const JsonValue& operator[](const std::string& key) const { return fields.at(key); }
  const JsonValue& operator[](size_t index) const { return items.at(index); }
};

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  // nullopt unless the whole text is exactly one JSON value (plus white space).
  std::optional<JsonValue> parse() {
    auto value = parse_value();
    skip_space();
    if (!value || pos_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  std::optional<std::string> parse_string() {
    if (!consume('"')) return std::nullopt;
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return std::nullopt;
      char e = text_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (pos_ + 4 > text_.size()) return std::nullopt;
          unsigned code = std::stoul(std::string(text_.substr(pos_, 4)), nullptr, 16);
          pos_ += 4;
          if (code >= 0x80) return std::nullopt;  // the writer only escapes control bytes
          out += static_cast<char>(code);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }
  std::optional<JsonValue> parse_value() {
    skip_space();
    if (pos_ >= text_.size()) return std::nullopt;
    JsonValue value;
    char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      value.kind = JsonValue::Kind::kObject;
      if (consume('}')) return value;
      do {
        auto key = parse_string();
        if (!key || !consume(':')) return std::nullopt;
        auto field = parse_value();
        if (!field || value.fields.count(*key)) return std::nullopt;
        value.fields.emplace(*key, std::move(*field));
      } while (consume(','));
      if (!consume('}')) return std::nullopt;
      return value;
    }
    if (c == '[') {
      ++pos_;
      value.kind = JsonValue::Kind::kArray;
      if (consume(']')) return value;
      do {
        auto item = parse_value();
        if (!item) return std::nullopt;
        value.items.push_back(std::move(*item));
      } while (consume(','));
      if (!consume(']')) return std::nullopt;
      return value;
    }
    if (c == '"') {
      auto text = parse_string();
      if (!text) return std::nullopt;
      value.kind = JsonValue::Kind::kString;
      value.text = std::move(*text);
      return value;
    }
    if (literal("true") || literal("false")) {
      value.kind = JsonValue::Kind::kBool;
      value.flag = text_[pos_ - 1] == 'e' && text_[pos_ - 2] == 'u';
      return value;
    }
    if (literal("null")) return value;
    size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) ++pos_;
    if (pos_ == start) return std::nullopt;
    value.kind = JsonValue::Kind::kNumber;
    value.number = std::stod(std::string(text_.substr(start, pos_ - start)));
    return value;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

inline std::optional<JsonValue> parse_json(std::string_view text) { return JsonParser(text).parse(); }

}  // namespace ringmq::tuning::test
