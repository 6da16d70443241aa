// Leader epochs of a partition and KIP-101's end-offset lookup (OffsetForLeaderEpoch). A
// standalone broker is the only leader there ever was: one epoch, 0, from offset 0. A broker
// group counts epochs in etcd (cluster/); once replication lands it will keep an epoch ->
// start-offset checkpoint per partition and feed it to end_offset_for_epoch.
#pragma once

#include <cstdint>
#include <span>

namespace ringmq::broker::kafka {

// The epoch every partition of a standalone broker is at (Metadata, ListOffsets, Fetch).
inline constexpr int32_t kStandaloneLeaderEpoch = 0;

// An epoch and the first offset written in it.
struct EpochStart {
  int32_t epoch = 0;
  int64_t start_offset = 0;
};

inline constexpr EpochStart kStandaloneEpochs[] = {{kStandaloneLeaderEpoch, 0}};

struct EpochEnd {
  int32_t epoch = -1;       // -1: undefined
  int64_t end_offset = -1;  // -1: undefined
};

// The largest epoch <= `requested` and where it ended: the start of the next epoch, or
// `log_end` for the current one. -1/-1 for an undefined (-1) or a future epoch; an epoch
// older than the first known gives the requested epoch and the first known start (its records
// are gone). `epochs` is ordered by epoch, with increasing start offsets.
EpochEnd end_offset_for_epoch(std::span<const EpochStart> epochs, int32_t requested, int64_t log_end);

// The lookup for a log no election has ever cut: a standalone broker's, or a broker group's
// while its in-sync set is its leader alone (no replication yet), where a clean election can
// only hand the group to the broker that already holds the log. No epoch's records were
// truncated, so every epoch up to `current` is answered as ending at `log_end` ("nothing of
// yours diverged"); -1/-1 for an undefined or a future epoch. After an unclean election the
// new leader's log is another log, which this cannot tell: that waits for per-partition epoch
// checkpoints (replication).
EpochEnd end_offset_in_unsplit_log(int32_t current, int32_t requested, int64_t log_end);

}  // namespace ringmq::broker::kafka
