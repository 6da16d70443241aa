#include "broker/kafka/consumer_subscription.h"

#include "broker/protocol/reader.h"

namespace ringmq::broker::kafka {

Result<std::vector<std::string>> subscribed_topics(std::span<const std::byte> member_metadata) {
  protocol::Reader reader(member_metadata);
  const int16_t version = reader.read_int16();
  const int32_t count = reader.read_array_length(2);
  std::vector<std::string> topics;
  for (int32_t i = 0; i < count && reader.ok(); ++i) topics.emplace_back(reader.read_string());
  if (!reader.ok() || version < 0 || count < 0)
    return make_error(ErrorCode::kCorrupt, "member metadata is not a consumer subscription");
  return topics;
}

}  // namespace ringmq::broker::kafka
