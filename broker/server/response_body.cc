#include "broker/server/response_body.h"

#include <cstdint>
#include <cstring>

namespace ringmq::broker {

void ResponseBody::append_view(std::span<const std::byte> view) {
  if (view.empty()) return;
  views_.push_back(View{bytes_.size(), view});
  view_bytes_ += view.size();
}

void ResponseBody::patch_size_prefix() {
  if (bytes_.size() < 4 || (!views_.empty() && views_.front().after_owned < 4)) return;
  const uint32_t length = static_cast<uint32_t>(size() - 4);
  bytes_[0] = std::byte(length >> 24);
  bytes_[1] = std::byte(length >> 16);
  bytes_[2] = std::byte(length >> 8);
  bytes_[3] = std::byte(length);
}

bool ResponseBody::size_prefix_matches() const {
  if (bytes_.size() < 4 || (!views_.empty() && views_.front().after_owned < 4)) return false;
  const uint32_t length =
      (uint32_t(bytes_[0]) << 24) | (uint32_t(bytes_[1]) << 16) | (uint32_t(bytes_[2]) << 8) | uint32_t(bytes_[3]);
  return uint64_t{length} + 4 == size();
}

size_t ResponseBody::gather(size_t skip, iovec* out, size_t max) const {
  size_t filled = 0;
  // Emits one piece, minus what `skip` still covers.
  auto emit = [&](const std::byte* data, size_t length) {
    if (length == 0 || filled == max) return;
    if (skip >= length) {
      skip -= length;
      return;
    }
    out[filled].iov_base = const_cast<std::byte*>(data + skip);
    out[filled].iov_len = length - skip;
    ++filled;
    skip = 0;
  };
  size_t owned_position = 0;
  for (const View& view : views_) {
    emit(bytes_.data() + owned_position, view.after_owned - owned_position);
    emit(view.data.data(), view.data.size());
    owned_position = view.after_owned;
  }
  emit(bytes_.data() + owned_position, bytes_.size() - owned_position);
  return filled;
}

std::vector<std::byte> ResponseBody::flatten() const {
  std::vector<std::byte> out;
  out.reserve(size());
  std::vector<iovec> pieces(2 * views_.size() + 1);
  const size_t n = gather(0, pieces.data(), pieces.size());
  for (size_t i = 0; i < n; ++i) {
    const auto* data = static_cast<const std::byte*>(pieces[i].iov_base);
    out.insert(out.end(), data, data + pieces[i].iov_len);
  }
  return out;
}

std::vector<std::byte> ResponseBody::release_bytes() {
  views_.clear();
  keep_alive_.clear();
  view_bytes_ = 0;
  std::vector<std::byte> bytes = std::move(bytes_);
  bytes_.clear();
  return bytes;
}

}  // namespace ringmq::broker
