#include "admin/output.h"

#include "common/text_table.h"

namespace ringmq::admin {

void Table::print(std::ostream& out) const { out << format_table(rows_); }

}  // namespace ringmq::admin
