#include "common/base64.h"

#include <array>

namespace ringmq {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int8_t kNotInAlphabet = -1;

constexpr std::array<int8_t, 256> make_decode_table() {
  std::array<int8_t, 256> table{};
  table.fill(kNotInAlphabet);
  for (size_t i = 0; i < kAlphabet.size(); ++i) table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kDecodeTable = make_decode_table();

std::unexpected<Error> invalid(const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, "invalid base64: " + what);
}

std::string encode(std::span<const uint8_t> bytes, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t group = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    out += alphabet[(group >> 6) & 63];
    out += alphabet[group & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  const uint32_t group = (uint32_t{bytes[i]} << 16) | (rest == 2 ? uint32_t{bytes[i + 1]} << 8 : 0);
  out += alphabet[(group >> 18) & 63];
  out += alphabet[(group >> 12) & 63];
  if (rest == 2) out += alphabet[(group >> 6) & 63];
  if (pad) out.append(3 - rest, '=');
  return out;
}

}  // namespace

std::string base64_encode(std::span<const uint8_t> bytes) { return encode(bytes, kAlphabet, true); }

std::string base64url_encode(std::span<const uint8_t> bytes) { return encode(bytes, kUrlAlphabet, false); }

std::string base64_encode(std::string_view text) {
  return base64_encode(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Result<std::vector<uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return invalid("length " + std::to_string(text.size()) + " is not a multiple of 4");
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (size_t at = 0; at < text.size(); at += 4) {
    const bool last_group = at + 4 == text.size();
    const size_t digits = last_group ? 4 - padding : 4;
    uint32_t group = 0;
    for (size_t k = 0; k < 4; ++k) {
      const int8_t value = k < digits ? kDecodeTable[static_cast<uint8_t>(text[at + k])] : 0;
      if (value == kNotInAlphabet)
        return invalid(text[at + k] == '=' ? "padding before the end" : "character outside the alphabet");
      group = (group << 6) | static_cast<uint32_t>(value);
    }
    out.push_back(static_cast<uint8_t>(group >> 16));
    if (digits > 2) out.push_back(static_cast<uint8_t>(group >> 8));
    if (digits > 3) out.push_back(static_cast<uint8_t>(group));
    // The bits below the last whole byte must be zero, or two texts would decode the same.
    if (digits == 2 && (group & 0xffff) != 0) return invalid("non-zero bits in the padding");
    if (digits == 3 && (group & 0xff) != 0) return invalid("non-zero bits in the padding");
  }
  return out;
}

}  // namespace ringmq
