// split_list(): the items of a list written as text ("a, b,c"), for list settings (listeners,
// SASL mechanisms, super users) and etcd endpoint lists alike.
#pragma once

#include <string_view>
#include <vector>

namespace ringmq {

// Split on `separator`, blanks (spaces, tabs) around items trimmed, empty items dropped.
std::vector<std::string_view> split_list(std::string_view list, char separator);

}  // namespace ringmq
