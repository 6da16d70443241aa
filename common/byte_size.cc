#include "common/byte_size.h"

#include <charconv>
#include <cstdio>
#include <limits>
#include <utility>

namespace ringmq {
namespace {

// Binary units by their shift: KiB is 1 << 10.
constexpr std::pair<const char*, unsigned> kUnits[] = {{"KiB", 10}, {"MiB", 20}, {"GiB", 30},
                                                       {"TiB", 40}, {"PiB", 50}, {"EiB", 60}};

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// The shift a unit suffix stands for, or nullopt if it is not one.
std::optional<unsigned> unit_shift(std::string_view unit) {
  if (unit.empty() || unit == "B") return 0;
  static constexpr std::string_view kLetters = "KMGT";
  static constexpr std::string_view kLowerLetters = "kmgt";
  if (unit.size() != 1 && unit.size() != 3) return std::nullopt;
  size_t letter = kLetters.find(unit[0]);
  if (unit.size() == 3) {
    if (unit.substr(1) != "iB") return std::nullopt;
  } else if (letter == std::string_view::npos) {
    letter = kLowerLetters.find(unit[0]);
  }
  if (letter == std::string_view::npos) return std::nullopt;
  return 10 * static_cast<unsigned>(letter + 1);
}

}  // namespace

std::string format_bytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  size_t unit = 0;
  while (unit + 1 < std::size(kUnits) && (bytes >> kUnits[unit + 1].second) != 0) ++unit;
  for (;; ++unit) {
    const auto [name, shift] = kUnits[unit];
    const uint64_t scale = uint64_t{1} << shift;
    if (bytes % scale == 0) return std::to_string(bytes / scale) + " " + name;
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", static_cast<double>(bytes) / static_cast<double>(scale), name);
    // 1048575 bytes rounds to "1024.0 KiB": say "1.0 MiB" instead.
    if (std::string_view(text).starts_with("1024.0") && unit + 1 < std::size(kUnits)) continue;
    return text;
  }
}

std::string format_byte_size(uint64_t bytes) {
  if (bytes != 0) {
    for (size_t unit = std::size(kUnits); unit-- > 0;) {
      const auto [name, shift] = kUnits[unit];
      if (shift <= 40 && bytes % (uint64_t{1} << shift) == 0) return std::to_string(bytes >> shift) + name;
    }
  }
  return std::to_string(bytes);
}

std::optional<uint64_t> parse_byte_size(std::string_view text) {
  text = trim(text);
  const char* const end = text.data() + text.size();
  uint64_t whole = 0;
  auto [after_whole, ec] = std::from_chars(text.data(), end, whole);
  if (ec != std::errc()) return std::nullopt;
  // The fraction as digits over 10^digits; digits past the 18th cannot change the rounding
  // by more than the 18th did, so they are read and dropped.
  uint64_t fraction = 0, denominator = 1;
  const char* p = after_whole;
  if (p != end && *p == '.') {
    ++p;
    const char* digits = p;
    for (; p != end && *p >= '0' && *p <= '9'; ++p) {
      if (denominator < 1'000'000'000'000'000'000ull) {
        fraction = fraction * 10 + static_cast<uint64_t>(*p - '0');
        denominator *= 10;
      }
    }
    if (p == digits) return std::nullopt;  // "5." or "5.G"
  }
  const auto shift = unit_shift(trim(std::string_view(p, end - p)));
  if (!shift) return std::nullopt;
  if (whole > (std::numeric_limits<uint64_t>::max() >> *shift)) return std::nullopt;
  const unsigned __int128 fraction_bytes =
      ((static_cast<unsigned __int128>(fraction) << *shift) + denominator / 2) / denominator;
  const unsigned __int128 total = (static_cast<unsigned __int128>(whole) << *shift) + fraction_bytes;
  if (total > std::numeric_limits<uint64_t>::max()) return std::nullopt;
  return static_cast<uint64_t>(total);
}

}  // namespace ringmq
