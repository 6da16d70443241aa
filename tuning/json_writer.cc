#include "tuning/json_writer.h"

#include <cstdio>

namespace ringmq::tuning {

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void JsonWriter::start_entry(std::string_view key) {
  if (!first_.empty()) {
    out_ += first_.back() ? "\n" : ",\n";
    first_.back() = false;
    out_.append(2 * first_.size(), ' ');
  }
  if (!key.empty()) out_ += json_quote(key) + ": ";
}

JsonWriter& JsonWriter::begin_object(std::string_view key) {
  start_entry(key);
  out_ += "{";
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty) out_ += "\n" + std::string(2 * first_.size(), ' ');
  out_ += "}";
  return *this;
}

JsonWriter& JsonWriter::begin_array(std::string_view key) {
  start_entry(key);
  out_ += "[";
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty) out_ += "\n" + std::string(2 * first_.size(), ' ');
  out_ += "]";
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view key, std::string_view text) {
  start_entry(key);
  out_ += json_quote(text);
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view key, bool flag) {
  start_entry(key);
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view key, int64_t number) {
  start_entry(key);
  out_ += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::element(std::string_view text) {
  start_entry({});
  out_ += json_quote(text);
  return *this;
}

}  // namespace ringmq::tuning
