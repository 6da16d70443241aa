// ResponseFrame: opens one response in a Writer and closes it once the body is written.
// A response on the wire is
//   size            int32   bytes that follow, patched by finish()
//   correlation_id  int32   from the request
//   TAG_BUFFER      response header v1 only (flexible versions, never ApiVersions)
//   body            the response message
// Every encode_*_response function writes one complete frame this way, ready to send.
#pragma once

#include <cstddef>
#include <cstdint>

#include "broker/protocol/api_keys.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

class ResponseFrame {
 public:
  // Writes the size placeholder and the response header for (key, version).
  ResponseFrame(Writer& writer, ApiKey key, int16_t version, int32_t correlation_id);
  ResponseFrame(const ResponseFrame&) = delete;
  ResponseFrame& operator=(const ResponseFrame&) = delete;

  // Counts bytes that belong to the frame but are sent from elsewhere (record batches spliced
  // in as views by a FetchRecordsSink) in the size prefix.
  void add_external_bytes(size_t bytes) { external_bytes_ += bytes; }
  // Patches the size prefix; returns the writer's first error, if any.
  Status finish();

 private:
  Writer& writer_;
  size_t size_position_;
  size_t external_bytes_ = 0;
};

}  // namespace ringmq::broker::protocol
