// Parsers for the command line's durations ("30s", "500ms", "2m", "1h"; a bare number is
// seconds) and write-mode lists. nullopt if malformed. Sizes ("4G", "512M") are
// parse_byte_size in common/byte_size.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"

namespace ringmq::perf {

std::optional<uint64_t> parse_duration_ms(const std::string& text);
// "mmap,mmap-locked,pool" or "all".
std::optional<std::vector<engine::WriteMode>> parse_mode_list(const std::string& text);

}  // namespace ringmq::perf
