#include "tuning/kernel_value.h"

#include <cctype>
#include <charconv>

namespace ringmq::tuning {

std::string trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

std::string selected_value(std::string_view text) {
  auto open = text.find('[');
  if (open != std::string_view::npos) {
    auto close = text.find(']', open);
    if (close != std::string_view::npos) return std::string(text.substr(open + 1, close - open - 1));
  }
  return trim(text);
}

std::vector<std::string> listed_values(std::string_view text) {
  std::vector<std::string> values;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t end = i;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    if (end > i) {
      std::string_view word = text.substr(i, end - i);
      if (word.size() >= 2 && word.front() == '[' && word.back() == ']') word = word.substr(1, word.size() - 2);
      values.emplace_back(word);
    }
    i = end;
  }
  return values;
}

std::optional<int64_t> parse_integer(std::string_view text) {
  std::string trimmed = trim(text);
  if (trimmed.empty()) return std::nullopt;
  const char* begin = trimmed.data();
  if (*begin == '+') ++begin;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(begin, trimmed.data() + trimmed.size(), value);
  if (ec != std::errc() || end != trimmed.data() + trimmed.size()) return std::nullopt;
  return value;
}

}  // namespace ringmq::tuning
