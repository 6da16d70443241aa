#include "broker/protocol/batch_decompression.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>
#include <string>

namespace ringmq::broker::protocol {
namespace {

std::unexpected<Error> corrupt(const char* codec, const std::string& what) {
  return make_error(ErrorCode::kCorrupt, std::string(codec) + " records block: " + what);
}

std::unexpected<Error> too_large(size_t max_bytes) {
  return make_error(ErrorCode::kTooLarge, "decompressed records block is over " + std::to_string(max_bytes) + " bytes");
}

// Grows `out` by up to `step` bytes (capped at max_bytes); false when already at the cap.
bool grow(std::vector<std::byte>& out, size_t used, size_t step, size_t max_bytes) {
  if (used >= max_bytes) return false;
  out.resize(std::min(max_bytes, used + step));
  return true;
}

Status gunzip(std::span<const std::byte> in, std::vector<std::byte>& out, size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return corrupt("gzip", "inflateInit2 failed");  // 32: gzip or zlib header
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&z, &inflateEnd);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  size_t used = 0;
  for (;;) {
    if (used == out.size() && !grow(out, used, std::max<size_t>(in.size() * 4, 64 << 10), max_bytes))
      return too_large(max_bytes);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    z.avail_out = static_cast<uInt>(out.size() - used);
    const int rc = inflate(&z, Z_NO_FLUSH);
    used = out.size() - z.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) return corrupt("gzip", "truncated");
    if (rc != Z_OK && rc != Z_BUF_ERROR) return corrupt("gzip", z.msg ? z.msg : "inflate failed");
  }
  out.resize(used);
  return {};
}

Status unsnappy_block(std::span<const std::byte> in, std::vector<std::byte>& out, size_t max_bytes) {
  size_t length = 0;
  const char* data = reinterpret_cast<const char*>(in.data());
  if (snappy_uncompressed_length(data, in.size(), &length) != SNAPPY_OK) return corrupt("snappy", "bad length");
  const size_t used = out.size();
  if (length > max_bytes - std::min(max_bytes, used)) return too_large(max_bytes);
  out.resize(used + length);
  if (snappy_uncompress(data, in.size(), reinterpret_cast<char*>(out.data() + used), &length) != SNAPPY_OK)
    return corrupt("snappy", "uncompress failed");
  out.resize(used + length);
  return {};
}

// The Java client's SnappyOutputStream framing: an 8-byte magic, two int32 versions, then
// blocks of [int32 big-endian compressed length][raw snappy block].
constexpr unsigned char kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

Status unsnappy(std::span<const std::byte> in, std::vector<std::byte>& out, size_t max_bytes) {
  out.clear();
  if (in.size() < 16 || std::memcmp(in.data(), kXerialMagic, sizeof kXerialMagic) != 0)
    return unsnappy_block(in, out, max_bytes);
  size_t at = 16;
  while (at < in.size()) {
    if (in.size() - at < 4) return corrupt("snappy", "truncated xerial block length");
    const auto* p = reinterpret_cast<const unsigned char*>(in.data() + at);
    const size_t length = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
    at += 4;
    if (length > in.size() - at) return corrupt("snappy", "xerial block past the end");
    if (auto s = unsnappy_block(in.subspan(at, length), out, max_bytes); !s) return s;
    at += length;
  }
  return {};
}

Status unlz4(std::span<const std::byte> in, std::vector<std::byte>& out, size_t max_bytes) {
  LZ4F_dctx* dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) return corrupt("lz4", "no context");
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> guard(dctx, &LZ4F_freeDecompressionContext);
  size_t used = 0, consumed = 0;
  for (;;) {
    if (used == out.size() && !grow(out, used, std::max<size_t>(in.size() * 4, 64 << 10), max_bytes))
      return too_large(max_bytes);
    size_t dst = out.size() - used, src = in.size() - consumed;
    const size_t hint = LZ4F_decompress(dctx, out.data() + used, &dst, in.data() + consumed, &src, nullptr);
    if (LZ4F_isError(hint)) return corrupt("lz4", LZ4F_getErrorName(hint));
    used += dst;
    consumed += src;
    if (hint == 0) break;  // the frame is complete
    if (consumed == in.size() && dst == 0) return corrupt("lz4", "truncated frame");
  }
  out.resize(used);
  return {};
}

Status unzstd(std::span<const std::byte> in, std::vector<std::byte>& out, size_t max_bytes) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!dctx) return corrupt("zstd", "no context");
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t used = 0;
  for (;;) {
    if (used == out.size() && !grow(out, used, std::max<size_t>(in.size() * 4, 64 << 10), max_bytes))
      return too_large(max_bytes);
    ZSTD_outBuffer output{out.data(), out.size(), used};
    const size_t rc = ZSTD_decompressStream(dctx.get(), &output, &input);
    if (ZSTD_isError(rc)) return corrupt("zstd", ZSTD_getErrorName(rc));
    used = output.pos;
    if (rc == 0) break;  // a frame ended
    if (input.pos == input.size && output.pos < output.size) return corrupt("zstd", "truncated frame");
  }
  out.resize(used);
  return {};
}

}  // namespace

Status decompress_records(Compression codec, std::span<const std::byte> compressed, std::vector<std::byte>& out,
                          size_t max_bytes) {
  out.clear();
  switch (codec) {
    case Compression::kNone:
      if (compressed.size() > max_bytes) return too_large(max_bytes);
      out.assign(compressed.begin(), compressed.end());
      return {};
    case Compression::kGzip:
      return gunzip(compressed, out, max_bytes);
    case Compression::kSnappy:
      return unsnappy(compressed, out, max_bytes);
    case Compression::kLz4:
      return unlz4(compressed, out, max_bytes);
    case Compression::kZstd:
      return unzstd(compressed, out, max_bytes);
  }
  return make_error(ErrorCode::kUnsupported, "compression codec " + std::to_string(static_cast<int>(codec)));
}

}  // namespace ringmq::broker::protocol
