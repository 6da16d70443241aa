// Two kinds of position the engine deals in, as distinct types so that one cannot be passed
// for the other (Redpanda keeps model::offset apart from byte positions for the same reason):
//
//   LogPosition  a byte position in the commit log, shared by all queues ("physical offset")
//   QueueOffset  a record's logical offset within its queue (what a Kafka client calls offset)
//
// Both wrap a uint64_t. Arithmetic is only what makes sense: moving a position forward by a
// count (bytes or records), the distance between two positions of one kind, and comparison.
// .value() is the way out, for encoders, logs and the wire.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace ringmq::engine {

template <typename Tag>
class Position {
 public:
  constexpr Position() = default;
  constexpr explicit Position(uint64_t value) : value_(value) {}

  constexpr uint64_t value() const { return value_; }
  friend constexpr auto operator<=>(Position, Position) = default;

  constexpr Position operator+(uint64_t count) const { return Position(value_ + count); }
  constexpr Position& operator+=(uint64_t count) {
    value_ += count;
    return *this;
  }
  // How far `this` is past `earlier`; `earlier` must not be ahead.
  constexpr uint64_t operator-(Position earlier) const { return value_ - earlier.value_; }

 private:
  uint64_t value_ = 0;
};

struct LogPositionTag {};
struct QueueOffsetTag {};
using LogPosition = Position<LogPositionTag>;
using QueueOffset = Position<QueueOffsetTag>;

template <typename Tag>
std::string to_string(Position<Tag> position) {
  return std::to_string(position.value());
}

}  // namespace ringmq::engine
