// Shared steps of every message codec: refuse versions the broker does not advertise, size a
// decoded array (reusing the capacity of a struct decoded before), and close a decode with one
// error that names the message.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "broker/protocol/api_keys.h"
#include "broker/protocol/reader.h"
#include "common/result.h"

namespace ringmq::broker::protocol::detail {

inline Status check_version(ApiKey key, int16_t version, const char* what) {
  if (is_supported(static_cast<int16_t>(key), version)) return {};
  const ApiSupport* api = find_api(static_cast<int16_t>(key));
  return make_error(ErrorCode::kUnsupported, std::string(api_name(static_cast<int16_t>(key))) + " " + what + " v" +
                                                 std::to_string(version) + " is not supported (broker speaks v" +
                                                 std::to_string(api ? api->min_version : 0) + "-" +
                                                 std::to_string(api ? api->max_version : 0) + ")");
}

// The reader must have consumed the whole body without error. Kafka ignores whatever follows
// a request's body; this decoder refuses it, except zero bytes after a flexible body: librdkafka
// 2.0 leaves such padding where it reserved room for a compact array count (OffsetFetch v7
// asking for every partition: three bytes; ListGroups v4: a second empty tag buffer).
inline Status finish_decode(ApiKey key, int16_t version, const Reader& reader) {
  std::string where = std::string(api_name(static_cast<int16_t>(key))) + " v" + std::to_string(version) + " request: ";
  if (!reader.ok()) return make_error(ErrorCode::kCorrupt, where + reader.status().error().message);
  if (reader.remaining() != 0) {
    const auto rest = reader.rest();
    const bool zero_padding = is_flexible(key, version) &&
                              std::all_of(rest.begin(), rest.end(), [](std::byte b) { return b == std::byte{0}; });
    if (!zero_padding)
      return make_error(ErrorCode::kCorrupt, where + std::to_string(reader.remaining()) +
                                                 " unexpected bytes after the body at byte " +
                                                 std::to_string(reader.offset()));
  }
  return {};
}

// Resizes a decoded array to `count` elements (count was bounded by the reader against the
// bytes left). Elements kept from an earlier decode keep their nested capacity; decoders
// assign every field, so nothing stale survives.
template <typename T>
void resize_array(std::vector<T>& v, int32_t count) {
  v.resize(count > 0 ? static_cast<size_t>(count) : 0);
}

}  // namespace ringmq::broker::protocol::detail
