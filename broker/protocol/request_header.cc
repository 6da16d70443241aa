#include "broker/protocol/request_header.h"

#include <string>

#include "broker/protocol/reader.h"

namespace ringmq::broker::protocol {

Result<int32_t> parse_frame_size(std::span<const std::byte> prefix, int32_t max_request_bytes) {
  if (prefix.size() < kFrameSizeBytes) {
    return make_error(ErrorCode::kCorrupt, "frame size prefix needs 4 bytes, got " + std::to_string(prefix.size()));
  }
  Reader reader(prefix.first(kFrameSizeBytes));
  int32_t size = reader.read_int32();
  if (size < kMinRequestBytes) {
    return make_error(ErrorCode::kCorrupt, "request frame of " + std::to_string(size) +
                                               " bytes cannot hold a request header (at least " +
                                               std::to_string(kMinRequestBytes) + ")");
  }
  if (size > max_request_bytes) {
    return make_error(ErrorCode::kTooLarge,
                      "request frame of " + std::to_string(size) + " bytes exceeds the broker's limit of " +
                          std::to_string(max_request_bytes) + " bytes (socket_request_max_bytes)");
  }
  return size;
}

Result<RequestHeader> parse_request_header(std::span<const std::byte> frame) {
  Reader reader(frame);
  RequestHeader header;
  header.api_key = reader.read_int16();
  header.api_version = reader.read_int16();
  header.correlation_id = reader.read_int32();
  header.client_id = reader.read_nullable_string();
  if (!reader.ok()) {
    return make_error(ErrorCode::kCorrupt, "request header: " + reader.status().error().message);
  }
  const ApiSupport* api = find_api(header.api_key);
  header.header_version = api ? request_header_version(api->key, header.api_version) : 1;
  if (header.supported() && header.header_version >= 2) {
    reader.skip_tagged_fields();
    if (!reader.ok()) {
      return make_error(ErrorCode::kCorrupt, std::string("request header of ") + api->name + " v" +
                                                 std::to_string(header.api_version) + ": " +
                                                 reader.status().error().message);
    }
  }
  header.body = frame.subspan(reader.offset());
  return header;
}

}  // namespace ringmq::broker::protocol
