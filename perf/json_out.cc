#include "perf/json_out.h"

#include <cmath>
#include <cstdio>

namespace ringmq::perf {

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_number(double value, int decimals) {
  if (!std::isfinite(value)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

void JsonOut::newline() {
  out_ += '\n';
  out_.append(levels_.size() * 2, ' ');
}

void JsonOut::start_entry(std::string_view key) {
  if (!levels_.empty()) {
    Level& level = levels_.back();
    if (!level.first) out_ += ',';
    level.first = false;
    if (level.compact) {
      if (out_.back() == ',') out_ += ' ';
    } else {
      newline();
    }
  }
  if (!key.empty()) out_ += json_quote(key) + ": ";
}

JsonOut& JsonOut::begin_object(std::string_view key) {
  start_entry(key);
  out_ += '{';
  levels_.push_back({});
  return *this;
}

JsonOut& JsonOut::end_object() {
  const bool empty = levels_.back().first;
  levels_.pop_back();
  if (!empty) newline();
  out_ += '}';
  return *this;
}

JsonOut& JsonOut::begin_array(std::string_view key, bool compact) {
  start_entry(key);
  out_ += '[';
  levels_.push_back({true, compact});
  return *this;
}

JsonOut& JsonOut::end_array() {
  const Level level = levels_.back();
  levels_.pop_back();
  if (!level.first && !level.compact) newline();
  out_ += ']';
  return *this;
}

JsonOut& JsonOut::field(std::string_view key, std::string_view text) {
  start_entry(key);
  out_ += json_quote(text);
  return *this;
}

JsonOut& JsonOut::field(std::string_view key, bool flag) {
  start_entry(key);
  out_ += flag ? "true" : "false";
  return *this;
}

JsonOut& JsonOut::field(std::string_view key, uint64_t number) {
  start_entry(key);
  out_ += std::to_string(number);
  return *this;
}

JsonOut& JsonOut::field(std::string_view key, double number, int decimals) {
  start_entry(key);
  out_ += json_number(number, decimals);
  return *this;
}

JsonOut& JsonOut::null_field(std::string_view key) {
  start_entry(key);
  out_ += "null";
  return *this;
}

JsonOut& JsonOut::item(std::string_view text) { return field({}, text); }
JsonOut& JsonOut::item(uint64_t number) { return field({}, number); }
JsonOut& JsonOut::item(double number, int decimals) { return field({}, number, decimals); }

}  // namespace ringmq::perf
