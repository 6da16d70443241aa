// How ringmq-admin prints for people: aligned tables. Scripts get JSON (--json) from
// common/json_writer.h; commands build both from the same rows, so the two never disagree.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace ringmq::admin {

// A table printed with each column as wide as its widest cell, headers in capitals.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace ringmq::admin
