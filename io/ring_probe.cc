#include "io/ring_probe.h"

#include <liburing.h>
#include <sys/utsname.h>

#include <cstdio>
#include <memory>

#include "io/detail/errno_text.h"

namespace ringmq::io {
namespace {

// The opcodes RingMQ uses, and what happens without each.
struct OpcodeUse {
  int opcode;
  const char* name;
  bool required;
  const char* without;
};
constexpr OpcodeUse kOpcodeUses[] = {
    {IORING_OP_READ, "READ", true, "no io_uring reads"},
    {IORING_OP_WRITE, "WRITE", true, "no io_uring writes: the pool write mode is unavailable"},
    {IORING_OP_FSYNC, "FSYNC", true, "no io_uring fdatasync"},
    {IORING_OP_READ_FIXED, "READ_FIXED", false, "registered-buffer reads use plain READ"},
    {IORING_OP_WRITE_FIXED, "WRITE_FIXED", false, "registered-buffer writes use plain WRITE"},
    {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL", false,
     "ring shutdown waits for in-flight operations instead of cancelling them"},
};

struct FeatureUse {
  uint32_t feature;
  const char* name;
  bool required;
  const char* without;  // nullptr: reported when present, not missed when absent
};
constexpr FeatureUse kFeatures[] = {
    {IORING_FEAT_SINGLE_MMAP, "SINGLE_MMAP", false, nullptr},
    {IORING_FEAT_NODROP, "NODROP", true, "completions are lost when the completion queue overflows"},
    {IORING_FEAT_SUBMIT_STABLE, "SUBMIT_STABLE", false, nullptr},
    {IORING_FEAT_RW_CUR_POS, "RW_CUR_POS", false, "offset kCurrentPosition (-1) is rejected"},
    {IORING_FEAT_CUR_PERSONALITY, "CUR_PERSONALITY", false, nullptr},
    {IORING_FEAT_FAST_POLL, "FAST_POLL", false, nullptr},
    {IORING_FEAT_POLL_32BITS, "POLL_32BITS", false, nullptr},
    {IORING_FEAT_SQPOLL_NONFIXED, "SQPOLL_NONFIXED", false, "SQPOLL rings accept registered files only"},
    {IORING_FEAT_EXT_ARG, "EXT_ARG", false, "timed waits (Ring::wait_for) are unavailable"},
    {IORING_FEAT_NATIVE_WORKERS, "NATIVE_WORKERS", false,
     "io-wq workers are kernel threads outside the process's cgroup and rlimits"},
    {IORING_FEAT_RSRC_TAGS, "RSRC_TAGS", false, nullptr},
    {IORING_FEAT_CQE_SKIP, "CQE_SKIP", false, nullptr},
    {IORING_FEAT_LINKED_FILE, "LINKED_FILE", false, nullptr},
};

std::string running_kernel_release() {
  utsname names{};
  return ::uname(&names) == 0 ? names.release : "unknown";
}

std::bitset<256> supported_opcodes(io_uring& ring) {
  std::bitset<256> opcodes;
  // NULL on kernels before 5.6 (no IORING_REGISTER_PROBE): report nothing as supported.
  std::unique_ptr<io_uring_probe, void (*)(io_uring_probe*)> probe(io_uring_get_probe_ring(&ring), io_uring_free_probe);
  if (!probe) return opcodes;
  for (int op = 0; op <= probe->last_op && op < 256; ++op) {
    if (io_uring_opcode_supported(probe.get(), op)) opcodes.set(static_cast<size_t>(op));
  }
  return opcodes;
}

}  // namespace

std::string opcode_name(int opcode) {
  for (const auto& use : kOpcodeUses) {
    if (use.opcode == opcode) return use.name;
  }
  if (opcode == IORING_OP_NOP) return "NOP";
  return "opcode " + std::to_string(opcode);
}

RingProbe::RingProbe(std::bitset<256> opcodes, uint32_t features, std::optional<bool> sqpoll_allowed,
                     std::string kernel_release)
    : opcodes_(opcodes),
      features_(features),
      sqpoll_allowed_(sqpoll_allowed),
      kernel_release_(std::move(kernel_release)) {}

Result<RingProbe> RingProbe::detect() {
  io_uring ring{};
  io_uring_params params{};
  if (int ret = io_uring_queue_init_params(2, &ring, &params); ret < 0) return detail::io_uring_setup_error(-ret);
  const std::bitset<256> opcodes = supported_opcodes(ring);
  io_uring_queue_exit(&ring);

  // Before 5.11 SQPOLL needed CAP_SYS_ADMIN, and seccomp or LSMs may refuse it: try, not guess.
  io_uring sqpoll_ring{};
  const bool sqpoll = io_uring_queue_init(2, &sqpoll_ring, IORING_SETUP_SQPOLL) == 0;
  if (sqpoll) io_uring_queue_exit(&sqpoll_ring);
  return RingProbe(opcodes, params.features, sqpoll, running_kernel_release());
}

RingProbe RingProbe::from_ring(io_uring& ring, uint32_t features, std::optional<bool> sqpoll_allowed) {
  return RingProbe(supported_opcodes(ring), features, sqpoll_allowed, running_kernel_release());
}

Status RingProbe::check_required() const {
  std::string missing;
  for (const auto& use : kOpcodeUses) {
    if (use.required && !has(use.opcode)) missing += std::string(missing.empty() ? "" : ", ") + use.name;
  }
  for (const auto& feature : kFeatures) {
    if (feature.required && !has_feature(feature.feature))
      missing += std::string(missing.empty() ? "" : ", ") + "FEAT_" + feature.name;
  }
  if (missing.empty()) return {};
  return make_error(ErrorCode::kUnsupported, "io_uring on Linux " + kernel_release_ + " lacks " + missing +
                                                 " (Linux 5.6 or newer has all of them)");
}

std::vector<std::string> RingProbe::missing() const {
  std::vector<std::string> lines;
  for (const auto& use : kOpcodeUses) {
    if (!has(use.opcode)) lines.push_back(std::string(use.name) + " (" + use.without + ")");
  }
  for (const auto& feature : kFeatures) {
    if (feature.without != nullptr && !has_feature(feature.feature))
      lines.push_back(std::string("FEAT_") + feature.name + " (" + feature.without + ")");
  }
  return lines;
}

std::string RingProbe::describe() const {
  std::string text = "io_uring on Linux " + kernel_release_ + ": opcodes";
  for (const auto& use : kOpcodeUses) {
    if (has(use.opcode)) text += std::string(" ") + use.name;
  }
  text += " present; features";
  uint32_t named = 0;
  for (const auto& feature : kFeatures) {
    named |= feature.feature;
    if (has_feature(feature.feature)) text += std::string(" ") + feature.name;
  }
  if (const uint32_t other = features_ & ~named; other != 0) {
    char hex[64];
    std::snprintf(hex, sizeof hex, " (+0x%x: newer than liburing 2.3 names)", other);
    text += hex;
  }
  if (sqpoll_allowed_.has_value())
    text += *sqpoll_allowed_ ? "; SQPOLL allowed" : "; SQPOLL refused (rings submit with io_uring_enter)";
  const auto lines = missing();
  if (lines.empty()) return text + "; nothing missing";
  text += "; missing:";
  for (size_t i = 0; i < lines.size(); ++i) text += (i == 0 ? " " : ", ") + lines[i];
  return text;
}

}  // namespace ringmq::io
