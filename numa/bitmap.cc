#include "numa/bitmap.h"

#include <cstdlib>

namespace ringmq::numa {

namespace {

hwloc_bitmap_t allocate_or_abort() {
  hwloc_bitmap_t bitmap = hwloc_bitmap_alloc();
  if (bitmap == nullptr) std::abort();  // out of memory for a few words: nothing sane to do
  return bitmap;
}

}  // namespace

Bitmap::Bitmap() : bitmap_(allocate_or_abort()) {}

Bitmap Bitmap::copy_of(hwloc_const_bitmap_t bitmap) {
  Bitmap copy;
  hwloc_bitmap_copy(copy.bitmap_, bitmap);
  return copy;
}

Bitmap Bitmap::from_indexes(std::span<const unsigned> indexes) {
  Bitmap bitmap;
  for (unsigned index : indexes) hwloc_bitmap_set(bitmap.bitmap_, index);
  return bitmap;
}

Bitmap& Bitmap::operator=(Bitmap&& other) noexcept {
  if (this != &other) {
    if (bitmap_ != nullptr) hwloc_bitmap_free(bitmap_);
    bitmap_ = other.bitmap_;
    other.bitmap_ = nullptr;
  }
  return *this;
}

Bitmap::~Bitmap() {
  if (bitmap_ != nullptr) hwloc_bitmap_free(bitmap_);
}

bool Bitmap::empty() const { return bitmap_ == nullptr || hwloc_bitmap_iszero(bitmap_); }

std::vector<unsigned> Bitmap::indexes() const {
  if (bitmap_ == nullptr) return {};
  return bitmap_indexes(bitmap_);
}

std::string Bitmap::to_list_string() const {
  if (bitmap_ == nullptr) return "";
  char* text = nullptr;
  if (hwloc_bitmap_list_asprintf(&text, bitmap_) < 0 || text == nullptr) return "?";
  std::string result(text);
  std::free(text);
  return result;
}

std::vector<unsigned> bitmap_indexes(hwloc_const_bitmap_t bitmap) {
  std::vector<unsigned> result;
  // An infinite set (hwloc_bitmap_fill) has no list; topology objects never carry one.
  if (bitmap == nullptr || hwloc_bitmap_weight(bitmap) < 0) return result;
  for (int index = hwloc_bitmap_first(bitmap); index >= 0; index = hwloc_bitmap_next(bitmap, index)) {
    result.push_back(static_cast<unsigned>(index));
  }
  return result;
}

}  // namespace ringmq::numa
