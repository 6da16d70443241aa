// Parsers for the command line's sizes ("4G", "512M", "64K", "1024"; binary units) and
// durations ("30s", "500ms", "2m", "1h"; a bare number is seconds). nullopt if malformed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"

namespace ringmq::perf {

std::optional<uint64_t> parse_size(const std::string& text);
std::optional<uint64_t> parse_duration_ms(const std::string& text);
// "mmap,mmap-locked,pool" or "all".
std::optional<std::vector<engine::WriteMode>> parse_mode_list(const std::string& text);

}  // namespace ringmq::perf
