#include "common/json_writer.h"

#include <cmath>
#include <cstdio>

namespace ringmq {

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string json_quote(std::string_view text) { return "\"" + json_escape(text) + "\""; }

std::string json_number(double value, int decimals) {
  if (!std::isfinite(value)) return "0";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  std::string s = text;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(levels_.size() * 2, ' ');
}

void JsonWriter::start_entry(std::string_view key) {
  if (!levels_.empty()) {
    Level& level = levels_.back();
    if (!level.first) out_ += ',';
    if (level.compact) {
      if (!level.first) out_ += ' ';
    } else {
      newline();
    }
    level.first = false;
  }
  if (!key.empty()) out_ += json_quote(key) + ": ";
}

JsonWriter& JsonWriter::raw(std::string_view key, std::string_view json) {
  start_entry(key);
  out_ += json;
  return *this;
}

JsonWriter& JsonWriter::begin_object(std::string_view key) {
  raw(key, "{");
  levels_.push_back({});
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  const bool empty = levels_.back().first;
  levels_.pop_back();
  if (!empty) newline();
  out_ += '}';
  return *this;
}

JsonWriter& JsonWriter::begin_array(std::string_view key, bool compact) {
  raw(key, "[");
  levels_.push_back({true, compact});
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  const Level level = levels_.back();
  levels_.pop_back();
  if (!level.first && !level.compact) newline();
  out_ += ']';
  return *this;
}

JsonWriter& JsonWriter::field(std::string_view key, std::string_view text) { return raw(key, json_quote(text)); }

JsonWriter& JsonWriter::field(std::string_view key, bool flag) { return raw(key, flag ? "true" : "false"); }

JsonWriter& JsonWriter::field(std::string_view key, double number, int decimals) {
  return raw(key, json_number(number, decimals));
}

JsonWriter& JsonWriter::null_field(std::string_view key) { return raw(key, "null"); }

}  // namespace ringmq
