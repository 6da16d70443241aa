// RingProbe: what the running kernel's io_uring offers — the opcodes (IORING_OP_*) and
// features (IORING_FEAT_*) RingMQ uses — and a describe() line for the start-up log that
// names each missing piece and the fallback taken for it. Ring consults it to fall back on
// its own (WRITE_FIXED -> WRITE, ...); the engine consults check_required() to fall back
// from the pool write mode to an mmap mode when io_uring cannot carry it.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

struct io_uring;

namespace ringmq::io {

class RingProbe {
 public:
  // Sets up a throw-away two-entry ring and probes it, then tries a SQPOLL ring.
  // kUnsupported when io_uring cannot be used at all (ENOSYS, sysctl, seccomp).
  static Result<RingProbe> detect();
  // Probes a live ring (no set-up of its own). `sqpoll_allowed`: whether SQPOLL was granted,
  // if that ring asked for it; nullopt if it did not ask (describe() then says nothing of it).
  static RingProbe from_ring(io_uring& ring, uint32_t features, std::optional<bool> sqpoll_allowed);

  RingProbe() = default;
  // A probe with given contents: the seam for testing the fallback reports.
  RingProbe(std::bitset<256> opcodes, uint32_t features, std::optional<bool> sqpoll_allowed,
            std::string kernel_release);

  bool has(int opcode) const { return opcode >= 0 && opcode < 256 && opcodes_.test(static_cast<size_t>(opcode)); }
  bool has_feature(uint32_t feature) const { return (features_ & feature) == feature; }
  uint32_t features() const { return features_; }
  bool sqpoll_allowed() const { return sqpoll_allowed_.value_or(false); }
  const std::string& kernel_release() const { return kernel_release_; }

  // kUnsupported naming every missing opcode or feature the Ring cannot work without
  // (READ, WRITE, FSYNC, FEAT_NODROP: all present since Linux 5.6).
  Status check_required() const;
  // One entry per missing opcode or feature RingMQ uses: "WRITE_FIXED (registered-buffer
  // writes use plain WRITE)".
  std::vector<std::string> missing() const;
  // "io_uring on Linux 6.18.44: opcodes READ WRITE ... present; features NODROP ...; SQPOLL
  // allowed; nothing missing" — or "...; missing: <missing()>".
  std::string describe() const;

 private:
  std::bitset<256> opcodes_;
  uint32_t features_ = 0;
  std::optional<bool> sqpoll_allowed_;
  std::string kernel_release_;
};

// "WRITE_FIXED" for IORING_OP_WRITE_FIXED; "opcode 57" for one RingMQ has no name for.
std::string opcode_name(int opcode);

}  // namespace ringmq::io
