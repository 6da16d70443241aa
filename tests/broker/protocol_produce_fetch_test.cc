// Produce (v3-9) and Fetch (v4-12): every advertised version, request bytes built from the
// JSON layouts and decoded by the broker, responses encoded by the broker and read back field
// by field.
#include <gtest/gtest.h>

#include "tests/broker/protocol_batch_builder.h"
#include "tests/broker/protocol_codec_fixture.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

class ProduceCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(ProduceCodec, RequestDecodesWithRecordsAsAViewIntoTheFrame) {
  const int16_t v = GetParam();
  const bool flex = v >= 9;
  Bytes batch = build_batch(sample_records());
  WireBuilder b(flex);
  b.str("txn-1").i16(-1).i32(30000);
  b.array(2);
  b.str("orders").array(2);
  b.i32(0).bytes(batch).tags();
  b.i32(5).bytes(std::nullopt).tags();
  b.tags();
  b.str("audit").array(0).tags();
  b.tags_with({{7, hex("0102")}});  // an unknown tagged field is skipped

  Decoded d = decode_body(ApiKey::kProduce, v, flex, b.out);
  const auto& r = as<ProduceRequest>(d);
  EXPECT_EQ(r.transactional_id, std::optional<std::string_view>("txn-1"));
  EXPECT_EQ(r.acks, -1);
  EXPECT_EQ(r.timeout_ms, 30000);
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].name, "orders");
  ASSERT_EQ(r.topics[0].partitions.size(), 2u);
  EXPECT_EQ(r.topics[0].partitions[0].index, 0);
  ASSERT_EQ(r.topics[0].partitions[0].records.size(), batch.size());
  const std::byte* frame_begin = d.frame.data();
  const std::byte* frame_end = d.frame.data() + d.frame.size();
  EXPECT_GE(r.topics[0].partitions[0].records.data(), frame_begin);  // a view, not a copy
  EXPECT_LT(r.topics[0].partitions[0].records.data(), frame_end);
  EXPECT_TRUE(std::equal(batch.begin(), batch.end(), r.topics[0].partitions[0].records.begin()));
  EXPECT_EQ(r.topics[0].partitions[1].index, 5);
  EXPECT_TRUE(r.topics[0].partitions[1].records.empty());
  EXPECT_EQ(r.topics[1].name, "audit");
  EXPECT_TRUE(r.topics[1].partitions.empty());

  RecordBatchIterator it(r.topics[0].partitions[0].records);
  auto first = it.next();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->header.record_count, 3);
}

TEST_P(ProduceCodec, ResponseEncodesEveryFieldOfTheVersion) {
  const int16_t v = GetParam();
  const bool flex = v >= 9;
  ProduceResponse response;
  response.throttle_time_ms = 11;
  ProduceTopicResponse& t = response.topics.emplace_back();
  t.name = "orders";
  t.partitions.push_back({.index = 0,
                          .error_code = KafkaError::kNone,
                          .base_offset = 1000,
                          .log_append_time_ms = 1700000000123,
                          .log_start_offset = 12});
  t.partitions.push_back({.index = 5,
                          .error_code = KafkaError::kCorruptMessage,
                          .base_offset = -1,
                          .record_errors = {{2, "bad crc"}},
                          .error_message = "batch 0 failed"});
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_produce_response(v, kCorrelationId, response, w));

  WireParser p = open_response(out, flex, flex);
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "orders");
  ASSERT_EQ(p.array(), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(p.i32(), i == 0 ? 0 : 5);
    EXPECT_EQ(p.i16(), i == 0 ? 0 : 2);
    EXPECT_EQ(p.i64(), i == 0 ? 1000 : -1);
    EXPECT_EQ(p.i64(), i == 0 ? 1700000000123 : -1);  // log_append_time_ms, v2+
    if (v >= 5) {
      EXPECT_EQ(p.i64(), i == 0 ? 12 : -1);
    }
    if (v >= 8) {
      int32_t errors = p.array();
      EXPECT_EQ(errors, i == 0 ? 0 : 1);
      for (int e = 0; e < errors; ++e) {
        EXPECT_EQ(p.i32(), 2);
        EXPECT_EQ(p.nstr(), std::optional<std::string>("bad crc"));
        p.tags();
      }
      EXPECT_EQ(p.nstr(), i == 0 ? std::nullopt : std::optional<std::string>("batch 0 failed"));
    }
    p.tags();
  }
  p.tags();
  EXPECT_EQ(p.i32(), 11);
  p.tags();
  EXPECT_TRUE(p.at_end());
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, ProduceCodec, ::testing::ValuesIn(versions(3, 9)));

TEST(ProduceCodec, VersionsOutsideTheRangeAreRefused) {
  Bytes out;
  Writer w(out);
  auto status = encode_produce_response(2, 1, ProduceResponse{}, w);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnsupported);
  Bytes body;
  Reader r(body);
  ProduceRequest request;
  EXPECT_FALSE(decode_produce_request(10, r, request));
}

class FetchCodec : public ::testing::TestWithParam<int16_t> {};

TEST_P(FetchCodec, RequestDecodesEveryFieldOfTheVersion) {
  const int16_t v = GetParam();
  const bool flex = v >= 12;
  WireBuilder b(flex);
  b.i32(-1).i32(500).i32(1).i32(52428800).i8(1);  // replica, max_wait, min_bytes, max_bytes, isolation
  if (v >= 7) b.i32(77).i32(3);                   // session id, epoch
  b.array(1).str("orders").array(2);
  for (int i = 0; i < 2; ++i) {
    b.i32(i * 4);
    if (v >= 9) b.i32(6);  // current_leader_epoch
    b.i64(100 + i);
    if (v >= 12) b.i32(5);  // last_fetched_epoch
    if (v >= 5) b.i64(-1);
    b.i32(1048576);
    b.tags();
  }
  b.tags();
  if (v >= 7) {
    b.array(1).str("old").array(2).i32(1).i32(2).tags();
  }
  if (v >= 11) b.str("rack-a");
  b.tags_with({{0, bytes_of("cluster")}});  // ClusterId (tag 0, v12+) is skipped

  Decoded d = decode_body(ApiKey::kFetch, v, flex, b.out);
  const auto& r = as<FetchRequest>(d);
  EXPECT_EQ(r.replica_id, -1);
  EXPECT_EQ(r.max_wait_ms, 500);
  EXPECT_EQ(r.min_bytes, 1);
  EXPECT_EQ(r.max_bytes, 52428800);
  EXPECT_EQ(r.isolation_level, 1);
  EXPECT_EQ(r.session_id, v >= 7 ? 77 : 0);
  EXPECT_EQ(r.session_epoch, v >= 7 ? 3 : -1);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].topic, "orders");
  ASSERT_EQ(r.topics[0].partitions.size(), 2u);
  const FetchPartition& p = r.topics[0].partitions[1];
  EXPECT_EQ(p.partition, 4);
  EXPECT_EQ(p.current_leader_epoch, v >= 9 ? 6 : -1);
  EXPECT_EQ(p.fetch_offset, 101);
  EXPECT_EQ(p.last_fetched_epoch, v >= 12 ? 5 : -1);
  EXPECT_EQ(p.log_start_offset, -1);
  EXPECT_EQ(p.partition_max_bytes, 1048576);
  if (v >= 7) {
    ASSERT_EQ(r.forgotten_topics.size(), 1u);
    EXPECT_EQ(r.forgotten_topics[0].topic, "old");
    EXPECT_EQ(r.forgotten_topics[0].partitions, (std::vector<int32_t>{1, 2}));
  } else {
    EXPECT_TRUE(r.forgotten_topics.empty());
  }
  EXPECT_EQ(r.rack_id, v >= 11 ? "rack-a" : "");
}

FetchResponse sample_fetch_response(const Bytes& batch1, const Bytes& batch2) {
  FetchResponse response;
  response.throttle_time_ms = 3;
  response.error_code = KafkaError::kNone;
  response.session_id = 0;
  FetchTopicResponse& t = response.topics.emplace_back();
  t.topic = "orders";
  FetchPartitionResponse& p = t.partitions.emplace_back();
  p.partition_index = 2;
  p.high_watermark = 500;
  p.last_stable_offset = 499;
  p.log_start_offset = 10;
  p.aborted_transactions = {{77, 300}};
  p.preferred_read_replica = -1;
  p.records = {{batch1, 400}, {batch2, kKeepBaseOffset}};
  t.partitions.push_back({.partition_index = 3, .error_code = KafkaError::kOffsetOutOfRange});
  return response;
}

// Reads one partition of a fetch response (the layout for version v) and returns its records.
Bytes read_fetch_partition(WireParser& p, int16_t v, int32_t index, int16_t error, int64_t hw, int64_t lso,
                           int64_t log_start, bool aborted) {
  EXPECT_EQ(p.i32(), index);
  EXPECT_EQ(p.i16(), error);
  EXPECT_EQ(p.i64(), hw);
  EXPECT_EQ(p.i64(), lso);
  if (v >= 5) {
    EXPECT_EQ(p.i64(), log_start);
  }
  int32_t n = p.array();
  EXPECT_EQ(n, aborted ? 1 : 0);
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(p.i64(), 77);
    EXPECT_EQ(p.i64(), 300);
    p.tags();
  }
  if (v >= 11) {
    EXPECT_EQ(p.i32(), -1);
  }
  auto records = p.nbytes();
  p.tags();
  return records.value_or(Bytes{});
}

TEST_P(FetchCodec, ResponseCopiesRecordsAndRewritesBaseOffsets) {
  const int16_t v = GetParam();
  const bool flex = v >= 12;
  Bytes batch1 = build_batch(sample_records());
  BatchOptions o;
  o.base_offset = 403;
  Bytes batch2 = build_batch({{"k", "v", {}}}, o);
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_fetch_response(v, kCorrelationId, sample_fetch_response(batch1, batch2), w));

  WireParser p = open_response(out, flex, flex);
  EXPECT_EQ(p.i32(), 3);
  if (v >= 7) {
    EXPECT_EQ(p.i16(), 0);
    EXPECT_EQ(p.i32(), 0);
  }
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "orders");
  ASSERT_EQ(p.array(), 2);
  Bytes records = read_fetch_partition(p, v, 2, 0, 500, 499, 10, true);
  ASSERT_EQ(records.size(), batch1.size() + batch2.size());
  RecordBatchIterator it(records);
  auto first = it.next();
  ASSERT_TRUE(first && *first) << (first ? "" : first.error().message);
  EXPECT_EQ((*first)->header.base_offset, 400);  // rewritten, CRC still valid
  auto second = it.next();
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->header.base_offset, 403);  // kept
  EXPECT_EQ(read_fetch_partition(p, v, 3, 1, -1, -1, -1, false).size(), 0u);
  p.tags();
  p.tags();
  EXPECT_TRUE(p.at_end());
  EXPECT_EQ(batch1[7], std::byte{0});  // the source batch was not modified
}

// Collects the views a zero-copy server would splice in.
struct CollectingSink : FetchRecordsSink {
  std::vector<std::span<const std::byte>> views;
  void append_view(std::span<const std::byte> view) override { views.push_back(view); }
};

TEST_P(FetchCodec, ASinkReceivesStoredBytesAsViewsAndTheSizeCountsThem) {
  const int16_t v = GetParam();
  Bytes batch1 = build_batch(sample_records());
  Bytes batch2 = build_batch({{"k", "v", {}}});
  FetchResponse response = sample_fetch_response(batch1, batch2);
  Bytes owned;
  Writer w(owned);
  CollectingSink sink;
  ASSERT_TRUE(encode_fetch_response(v, kCorrelationId, response, w, &sink));
  ASSERT_EQ(sink.views.size(), 2u);
  EXPECT_EQ(sink.views[0].data(), batch1.data() + 8);  // base offset rewritten as owned bytes
  EXPECT_EQ(sink.views[1].data(), batch2.data());

  // Reassemble as the server would send it: owned bytes up to each view, then the view.
  // The views follow the owned bytes that end with the records length (+ the new base offset).
  Bytes wire;
  size_t owned_at = 0;
  auto copy_owned_until = [&](size_t end) {
    wire.insert(wire.end(), owned.begin() + static_cast<std::ptrdiff_t>(owned_at),
                owned.begin() + static_cast<std::ptrdiff_t>(end));
    owned_at = end;
  };
  // Find where the views go: the first view follows the 8-byte base offset that follows the
  // records length; the second follows the first directly.
  Bytes reference;
  Writer rw(reference);
  ASSERT_TRUE(encode_fetch_response(v, kCorrelationId, response, rw));
  size_t records_start = 0;
  for (size_t i = 0; i + batch1.size() <= reference.size(); ++i) {
    if (std::equal(batch1.begin() + 8, batch1.end(), reference.begin() + static_cast<std::ptrdiff_t>(i + 8))) {
      records_start = i;
      break;
    }
  }
  ASSERT_GT(records_start, 0u);
  copy_owned_until(records_start + 8);
  wire.insert(wire.end(), sink.views[0].begin(), sink.views[0].end());
  wire.insert(wire.end(), sink.views[1].begin(), sink.views[1].end());
  copy_owned_until(owned.size());
  EXPECT_EQ(wire, reference);
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, FetchCodec, ::testing::ValuesIn(versions(4, 12)));

}  // namespace
}  // namespace ringmq::broker::protocol
