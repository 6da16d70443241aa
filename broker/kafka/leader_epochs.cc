#include "broker/kafka/leader_epochs.h"

#include <algorithm>
#include <iterator>

namespace ringmq::broker::kafka {

EpochEnd end_offset_for_epoch(std::span<const EpochStart> epochs, int32_t requested, int64_t log_end) {
  if (requested == -1 || epochs.empty()) return {};
  if (epochs.back().epoch == requested) return {requested, log_end};
  // The first epoch above the requested one; none means the requested one is in the future.
  auto higher = std::ranges::upper_bound(epochs, requested, {}, &EpochStart::epoch);
  if (higher == epochs.end()) return {};
  if (higher == epochs.begin()) return {requested, higher->start_offset};
  return {std::prev(higher)->epoch, higher->start_offset};
}

EpochEnd end_offset_in_unsplit_log(int32_t current, int32_t requested, int64_t log_end) {
  if (requested < 0 || requested > current) return {};
  return {requested, log_end};
}

}  // namespace ringmq::broker::kafka
