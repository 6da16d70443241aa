// libFuzzer entry point for the request path: the input is one request frame without its
// 4-byte size prefix (the files in tests/broker/corpus/ are seeds). It runs what a connection
// runs on a frame: the header parser, the matching request decoder, the record-batch walk of a
// produce request, and an error response for whatever decoded. Any crash, sanitizer report or
// hang is a bug; error values are the expected outcome for most inputs.
//
// Not part of ringmq_broker (this folder is not globbed). Build with clang, e.g.
//   clang++ -std=c++23 -g -O1 -fsanitize=fuzzer,address,undefined -I. \
//     broker/protocol/fuzz/request_fuzzer.cc broker/protocol/*.cc engine/crc32c.cc -o
//     request_fuzzer
//   ./request_fuzzer -max_len=65536 tests/broker/corpus/
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "broker/protocol/messages.h"

namespace {

using namespace ringmq::broker::protocol;

void walk_produce(const ProduceRequest& produce) {
  for (const ProduceTopicData& topic : produce.topics) {
    for (const ProducePartitionData& partition : topic.partitions) {
      RecordBatchIterator batches(partition.records);
      while (true) {
        auto next = batches.next();
        if (!next || !*next) break;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> frame(reinterpret_cast<const std::byte*>(data), size);
  auto header = parse_request_header(frame);
  if (!header) return 0;

  std::vector<std::byte> out;
  Writer writer(out);
  if (!header->supported()) {
    if (header->key() == ApiKey::kApiVersions) (void)encode_api_versions_fallback(header->correlation_id, writer);
    return 0;
  }
  Request request;
  if (!decode_request(*header, request)) return 0;
  if (const auto* produce = std::get_if<ProduceRequest>(&request)) walk_produce(*produce);
  (void)encode_error_response(*header, request, KafkaError::kUnknownServerError, writer);
  return 0;
}
