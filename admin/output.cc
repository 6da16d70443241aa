#include "admin/output.h"

#include <algorithm>

namespace ringmq::admin {

void Table::print(std::ostream& out) const {
  std::vector<size_t> widths;
  for (const std::string& h : headers_) widths.push_back(h.size());
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    out << text << "\n";
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
}

}  // namespace ringmq::admin
