#include "numa/cpu_list.h"

#include <algorithm>
#include <charconv>

namespace ringmq::numa {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool parse_number(std::string_view text, unsigned& out) {
  text = trim(text);
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Far above any real machine; stops "0-4000000000" from allocating gigabytes.
constexpr unsigned kMaxCpuIndex = 1u << 20;

}  // namespace

Result<std::vector<unsigned>> parse_cpu_list(std::string_view text) {
  auto bad = [&](std::string_view item, const char* why) {
    return make_error(ErrorCode::kInvalidArgument, "bad cpu list \"" + std::string(text) + "\": \"" +
                                                       std::string(item) + "\" " + why + " (expected e.g. \"0-3,8\")");
  };
  std::vector<unsigned> cpus;
  if (trim(text).empty()) return bad(text, "is empty");
  std::string_view rest = text;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    size_t dash = item.find('-');
    unsigned first = 0;
    unsigned last = 0;
    if (dash == std::string_view::npos) {
      if (!parse_number(item, first)) return bad(item, "is not a cpu number");
      last = first;
    } else if (!parse_number(item.substr(0, dash), first) || !parse_number(item.substr(dash + 1), last)) {
      return bad(item, "is not a range of cpu numbers");
    }
    if (last < first) return bad(item, "is a range that runs backwards");
    if (last > kMaxCpuIndex) return bad(item, "names a cpu beyond any machine");
    for (unsigned cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(std::span<const unsigned> cpus) {
  std::vector<unsigned> sorted(cpus.begin(), cpus.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string out;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(sorted[i]);
    if (j > i) out += '-' + std::to_string(sorted[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace ringmq::numa
