// The topics a consumer subscribes to, read from the member metadata it sends in JoinGroup
// when the group's protocol type is "consumer" (ConsumerProtocolSubscription, every version:
// version int16, topics ARRAY of STRING, then fields this reader does not need). The broker
// never interprets the metadata otherwise; OffsetDelete needs the topics to refuse deleting
// offsets a live consumer still reads (GROUP_SUBSCRIBED_TO_TOPIC).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace ringmq::broker::kafka {

// kCorrupt when the bytes do not start with a subscription.
Result<std::vector<std::string>> subscribed_topics(std::span<const std::byte> member_metadata);

}  // namespace ringmq::broker::kafka
