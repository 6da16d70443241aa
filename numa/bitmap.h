// Bitmap: an owning, move-only handle on an hwloc bitmap (a cpuset or a nodeset), so that
// no code path can leak one or free one twice. Conversions to and from plain index lists
// keep hwloc's types out of the public headers that do not need them.
#pragma once

#include <hwloc.h>

#include <span>
#include <string>
#include <vector>

namespace ringmq::numa {

class Bitmap {
 public:
  // An empty set. Aborts only if hwloc cannot allocate a few bytes.
  Bitmap();
  // Takes ownership of `bitmap` (from hwloc_bitmap_alloc or hwloc_bitmap_dup).
  explicit Bitmap(hwloc_bitmap_t bitmap) : bitmap_(bitmap) {}
  static Bitmap copy_of(hwloc_const_bitmap_t bitmap);
  static Bitmap from_indexes(std::span<const unsigned> indexes);

  Bitmap(Bitmap&& other) noexcept : bitmap_(other.bitmap_) { other.bitmap_ = nullptr; }
  Bitmap& operator=(Bitmap&& other) noexcept;
  Bitmap(const Bitmap&) = delete;
  Bitmap& operator=(const Bitmap&) = delete;
  ~Bitmap();

  hwloc_bitmap_t get() const { return bitmap_; }
  bool empty() const;
  std::vector<unsigned> indexes() const;
  // "0-3,8": the Linux cpu-list format, as in /sys and taskset -c.
  std::string to_list_string() const;

 private:
  hwloc_bitmap_t bitmap_ = nullptr;
};

// The set bits of a finite hwloc bitmap, ascending; empty for an infinite one.
std::vector<unsigned> bitmap_indexes(hwloc_const_bitmap_t bitmap);

}  // namespace ringmq::numa
