// Byte counts as text and back, in binary units (1 KiB = 1024 bytes) everywhere: error
// messages and reports ("mlock of 1 GiB failed: RLIMIT_MEMLOCK is 8 MiB"), config files and
// command lines ("64MiB", "4G").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ringmq {

// For people: "512 bytes", "64 KiB", "1.5 GiB". A whole number of the largest unit that fits
// prints without a fraction, anything else with one decimal.
std::string format_bytes(uint64_t bytes);

// For config files: "64MiB" when `bytes` is a whole number of KiB, MiB, GiB or TiB (the
// largest such), else the plain number "4097". parse_byte_size reads it back exactly.
std::string format_byte_size(uint64_t bytes);

// Reads "4096", "12B", "64K", "64KiB", "1 GiB", "1.5G": a number, optional spaces, and one
// of B, K, M, G, T (k, m, g, t too) or KiB, MiB, GiB, TiB. A fraction is rounded to the
// nearest byte. nullopt for anything else: "64MB" (decimal or binary? we do not guess), a
// missing number, a sign, or more than 2^64 - 1 bytes.
std::optional<uint64_t> parse_byte_size(std::string_view text);

}  // namespace ringmq
