// Plain-text tables for people (ringmq-tune's reports, ringmq-admin's listings): columns
// padded to their widest cell, two spaces apart; the last column is not padded.
#pragma once

#include <string>
#include <vector>

namespace ringmq {

std::string format_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace ringmq
