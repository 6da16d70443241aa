#include "perf/cli_values.h"

#include <cmath>
#include <cstdlib>

namespace ringmq::perf {
namespace {

// The number at the start of `text` and the rest, or nullopt if there is no number.
std::optional<std::pair<double, std::string>> split_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(value) || value < 0) return std::nullopt;
  return std::make_pair(value, std::string(end));
}

}  // namespace

std::optional<uint64_t> parse_duration_ms(const std::string& text) {
  auto parsed = split_number(text);
  if (!parsed) return std::nullopt;
  const auto& [value, unit] = *parsed;
  double scale;
  if (unit.empty() || unit == "s")
    scale = 1000;
  else if (unit == "ms")
    scale = 1;
  else if (unit == "m" || unit == "min")
    scale = 60'000;
  else if (unit == "h")
    scale = 3'600'000;
  else
    return std::nullopt;
  return static_cast<uint64_t>(std::llround(value * scale));
}

std::optional<std::vector<engine::WriteMode>> parse_mode_list(const std::string& text) {
  if (text == "all")
    return std::vector<engine::WriteMode>{engine::WriteMode::kMmap, engine::WriteMode::kMmapLocked,
                                          engine::WriteMode::kPool};
  std::vector<engine::WriteMode> modes;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find(',', pos), text.size());
    auto mode = engine::parse_write_mode(text.substr(pos, end - pos));
    if (!mode) return std::nullopt;
    modes.push_back(*mode);
    pos = end + 1;
  }
  if (modes.empty()) return std::nullopt;
  return modes;
}

}  // namespace ringmq::perf
