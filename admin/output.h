// How ringmq-admin prints for people: aligned tables. Scripts get JSON (--json) from
// common/json_writer.h; commands build both from the same rows, so the two never disagree.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace ringmq::admin {

// Rows under a header line, printed by common/text_table (columns as wide as their widest cell).
class Table {
 public:
  explicit Table(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.size() == 1; }
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;  // the headers first
};

}  // namespace ringmq::admin
