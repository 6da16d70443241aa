#include "broker/protocol/response_frame.h"

#include <climits>
#include <string>

namespace ringmq::broker::protocol {

ResponseFrame::ResponseFrame(Writer& writer, ApiKey key, int16_t version, int32_t correlation_id)
    : writer_(writer), size_position_(writer.write_int32_placeholder()) {
  writer_.write_int32(correlation_id);
  if (response_header_version(key, version) >= 1) writer_.write_empty_tagged_fields();
}

Status ResponseFrame::finish() {
  size_t size = writer_.size() - size_position_ - 4 + external_bytes_;
  if (size > INT32_MAX) writer_.fail("response of " + std::to_string(size) + " bytes is larger than a frame can say");
  if (!writer_.ok()) return writer_.status();
  writer_.patch_int32(size_position_, static_cast<int32_t>(size));
  return {};
}

}  // namespace ringmq::broker::protocol
