// Test-only: compare an engine offset (LogPosition, QueueOffset) with a plain number, so that
// assertions read as `EXPECT_EQ(range->next_offset, 5u)`, and print offsets as numbers in
// failure messages. The engine itself has no such mixing: a LogPosition still cannot be
// compared with a QueueOffset, here or anywhere.
#pragma once

#include <compare>
#include <concepts>
#include <cstdint>
#include <ostream>

#include "engine/offsets.h"

namespace ringmq::engine {

template <typename Tag, std::integral Number>
constexpr bool operator==(Position<Tag> position, Number number) {
  return position.value() == static_cast<uint64_t>(number);
}
template <typename Tag, std::integral Number>
constexpr std::strong_ordering operator<=>(Position<Tag> position, Number number) {
  return position.value() <=> static_cast<uint64_t>(number);
}
template <typename Tag>
void PrintTo(Position<Tag> position, std::ostream* out) {
  *out << position.value();
}

}  // namespace ringmq::engine
