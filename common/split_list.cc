#include "common/split_list.h"

namespace ringmq {

std::vector<std::string_view> split_list(std::string_view list, char separator) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at <= list.size()) {
    size_t end = list.find(separator, at);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(at, end - at);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.push_back(item);
    at = end + 1;
  }
  return out;
}

}  // namespace ringmq
