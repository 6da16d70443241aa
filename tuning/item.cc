#include "tuning/item.h"

namespace ringmq::tuning {

std::string_view group_name(Group group) {
  switch (group) {
    case Group::kMemory:
      return "memory";
    case Group::kStorage:
      return "storage";
    case Group::kCpu:
      return "cpu";
    case Group::kLimits:
      return "limits";
    case Group::kIoUring:
      return "io_uring";
    case Group::kClocksource:
      return "clocksource";
  }
  return "unknown";
}

std::string_view status_name(ItemStatus status) {
  switch (status) {
    case ItemStatus::kOk:
      return "ok";
    case ItemStatus::kDiffers:
      return "differs";
    case ItemStatus::kUnsupported:
      return "not supported here";
    case ItemStatus::kNeedsRestart:
      return "needs restart";
  }
  return "unknown";
}

std::string_view status_key(ItemStatus status) {
  switch (status) {
    case ItemStatus::kOk:
      return "ok";
    case ItemStatus::kDiffers:
      return "differs";
    case ItemStatus::kUnsupported:
      return "unsupported";
    case ItemStatus::kNeedsRestart:
      return "needs_restart";
  }
  return "unknown";
}

}  // namespace ringmq::tuning
