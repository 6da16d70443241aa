// Decompression of a RecordBatch's records block, for the few broker paths that must look at
// individual records of a compressed batch (ListOffsets by timestamp). Produce and Fetch never
// decompress: batches are stored and served as the producer compressed them. Codecs as Kafka
// writes them: gzip (RFC 1952), snappy (raw, or the xerial framing the Java client uses),
// lz4 (the LZ4 frame format), zstd (a zstd frame).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "broker/protocol/record_batch.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

// Largest decompressed records block accepted: a guard against decompression bombs.
inline constexpr size_t kMaxDecompressedRecordsBytes = 64u << 20;

// Replaces `out` with the decompressed `compressed` block. kCorrupt for bytes the codec
// rejects, kTooLarge beyond `max_bytes`, kUnsupported for an unknown codec.
Status decompress_records(Compression codec, std::span<const std::byte> compressed, std::vector<std::byte>& out,
                          size_t max_bytes = kMaxDecompressedRecordsBytes);

}  // namespace ringmq::broker::protocol
