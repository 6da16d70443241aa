// ResponseBody: one complete response frame as the handler encoded it — the 4-byte size
// prefix, the response header and body (what protocol::ResponseFrame writes). The server checks
// the prefix against the frame's length before writing it (a wrong one would desynchronise the
// client, so that connection is closed instead).
//
// Usually one owned buffer. A Fetch response can also splice in views of stored record
// batches: they are written to the socket straight from where they are (the mapped segment or
// pool buffer, no copy), and keep_alive() holds whatever keeps them valid (a ReadBatch) until
// the response has been written or dropped.
//
//   ResponseBody body(slot.take_buffer());
//   encode_header(body.bytes());                 // owned bytes ...
//   body.append_view(batch.payload);             // ... then stored bytes, not copied ...
//   encode_trailer(body.bytes());                // ... then owned bytes again
//   body.keep_alive(std::move(read_batch_owner));
//   body.patch_size_prefix();                    // the size now counts the views too
//   slot.complete(std::move(body));
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace ringmq::broker {

class ResponseBody {
 public:
  ResponseBody() = default;
  explicit ResponseBody(std::vector<std::byte> bytes) : bytes_(std::move(bytes)) {}
  ResponseBody(ResponseBody&&) noexcept = default;
  ResponseBody& operator=(ResponseBody&&) noexcept = default;
  ResponseBody(const ResponseBody&) = delete;
  ResponseBody& operator=(const ResponseBody&) = delete;

  // The owned bytes; anything appended goes after every view spliced in so far.
  std::vector<std::byte>& bytes() { return bytes_; }
  const std::vector<std::byte>& bytes() const { return bytes_; }
  // Splices `view` in after the owned bytes so far. It must stay valid (keep_alive) until the
  // response is written or dropped.
  void append_view(std::span<const std::byte> view);
  void keep_alive(std::shared_ptr<const void> owner) { keep_alive_.push_back(std::move(owner)); }

  // Total size: owned bytes plus views (the size prefix included).
  size_t size() const { return bytes_.size() + view_bytes_; }
  // Sets the first 4 owned bytes (the size prefix) to size() - 4, big-endian. Needs at least
  // 4 owned bytes before the first view.
  void patch_size_prefix();
  // The size prefix says size() - 4 (false also when the first 4 bytes are not owned).
  bool size_prefix_matches() const;
  bool has_views() const { return !views_.empty(); }

  // Fills at most `max` iovecs with the response's bytes from offset `skip` on; returns how
  // many it filled (fewer than needed when `max` runs out).
  size_t gather(size_t skip, iovec* out, size_t max) const;
  // Copies the whole response into one buffer (tests, logs).
  std::vector<std::byte> flatten() const;
  // Gives the owned buffer back for reuse (views and keep-alives are dropped).
  std::vector<std::byte> release_bytes();

 private:
  struct View {
    size_t after_owned;  // the view follows bytes_[0, after_owned)
    std::span<const std::byte> data;
  };
  std::vector<std::byte> bytes_;
  std::vector<View> views_;
  std::vector<std::shared_ptr<const void>> keep_alive_;
  size_t view_bytes_ = 0;
};

}  // namespace ringmq::broker
