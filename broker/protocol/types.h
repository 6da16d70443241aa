// Small value types shared by the Kafka codec.
#pragma once

#include <array>
#include <cstdint>

namespace ringmq::broker::protocol {

// A topic id (KIP-516): 16 bytes, sent as-is. All zero means "no id" (Uuid.ZERO_UUID).
struct Uuid {
  std::array<uint8_t, 16> bytes{};

  bool is_zero() const {
    for (uint8_t b : bytes) {
      if (b != 0) return false;
    }
    return true;
  }
  friend bool operator==(const Uuid&, const Uuid&) = default;
};

}  // namespace ringmq::broker::protocol
