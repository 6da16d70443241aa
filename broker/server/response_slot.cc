#include "broker/server/response_slot.h"

#include <utility>

namespace ringmq::broker {

ResponseSlot::ResponseSlot(std::shared_ptr<CompletionInbox> inbox, ConnectionId connection, uint64_t sequence,
                           std::vector<std::byte> spare_buffer)
    : inbox_(std::move(inbox)), connection_(connection), sequence_(sequence), spare_(std::move(spare_buffer)) {}

ResponseSlot& ResponseSlot::operator=(ResponseSlot&& other) noexcept {
  if (this != &other) {
    if (pending()) finish(Completion::Kind::kAbandoned, ResponseBody(), "response slot overwritten");
    inbox_ = std::move(other.inbox_);
    connection_ = other.connection_;
    sequence_ = other.sequence_;
    spare_ = std::move(other.spare_);
  }
  return *this;
}

ResponseSlot::~ResponseSlot() {
  if (pending()) finish(Completion::Kind::kAbandoned, ResponseBody(), "the handler dropped its response slot");
}

void ResponseSlot::complete(std::vector<std::byte>&& frame) {
  finish(Completion::Kind::kResponse, ResponseBody(std::move(frame)), {});
}

void ResponseSlot::complete(ResponseBody&& body) { finish(Completion::Kind::kResponse, std::move(body), {}); }

void ResponseSlot::complete_without_response() { finish(Completion::Kind::kNoResponse, ResponseBody(), {}); }

void ResponseSlot::close_connection(std::string_view reason) {
  finish(Completion::Kind::kClose, ResponseBody(), reason);
}

void ResponseSlot::finish(Completion::Kind kind, ResponseBody&& body, std::string_view reason) {
  // A second completion is a handler bug; it is ignored rather than corrupting the stream.
  if (!pending()) return;
  std::shared_ptr<CompletionInbox> inbox = std::move(inbox_);
  Completion completion;
  completion.connection = connection_;
  completion.sequence = sequence_;
  completion.kind = kind;
  completion.body = std::move(body);
  completion.spare = std::move(spare_);
  if (!reason.empty()) completion.reason = std::string(reason);
  completion.answered_at = std::chrono::steady_clock::now();
  inbox->post(std::move(completion));
}

}  // namespace ringmq::broker
