// Little-endian encoding for the broker's own files (the offsets log, the topic registry):
// explicit byte order, so a file reads the same on any host, and a bounds-checked reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq::broker::kafka {

inline void put_le(std::vector<std::byte>& out, uint64_t value, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) out.push_back(static_cast<std::byte>((value >> (8 * i)) & 0xFF));
}

// A string as its length in `size_bytes` bytes, then its bytes.
inline void put_string(std::vector<std::byte>& out, std::string_view s, size_t size_bytes = 2) {
  put_le(out, s.size(), size_bytes);
  for (char c : s) out.push_back(static_cast<std::byte>(c));
}

// Reads forward; a read past the end sets failed() and returns zeros / empty strings, so a
// decoder can read a whole record and check once.
class LeReader {
 public:
  explicit LeReader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  bool failed() const { return failed_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  size_t position() const { return pos_; }

  uint64_t le(size_t bytes) {
    if (!take(bytes)) return 0;
    uint64_t value = 0;
    for (size_t i = 0; i < bytes; ++i)
      value |= uint64_t{std::to_integer<uint8_t>(bytes_[pos_ - bytes + i])} << (8 * i);
    return value;
  }
  std::string string(size_t size_bytes = 2) {
    const size_t size = static_cast<size_t>(le(size_bytes));
    if (!take(size)) return {};
    return std::string(reinterpret_cast<const char*>(bytes_.data() + pos_ - size), size);
  }

 private:
  bool take(size_t n) {
    if (failed_ || n > remaining()) {
      failed_ = true;
      return false;
    }
    pos_ += n;
    return true;
  }
  std::span<const std::byte> bytes_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace ringmq::broker::kafka
