// Length-prefixed strings and a bounds-checked reader for the broker's own files (the
// offsets log, the topic registry), on top of common/little_endian.h: explicit byte order,
// so a file reads the same on any host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/little_endian.h"

namespace ringmq::broker::kafka {

// A string as its length (a little-endian Size), then its bytes.
template <typename Size = uint16_t>
void put_string(std::vector<std::byte>& out, std::string_view s) {
  append_le<Size>(out, static_cast<Size>(s.size()));
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

  template <LittleEndianInteger T>
  T read() {
    if (!take(sizeof(T))) return 0;
    return load_le<T>(bytes_.data() + pos_ - sizeof(T));
  }
  template <typename Size = uint16_t>
  std::string string() {
    const size_t size = static_cast<size_t>(read<Size>());
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
