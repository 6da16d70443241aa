// One well-formed request of every API at any advertised version, built from the JSON
// layouts with the test-side WireBuilder. The robustness tests cut and flip them; the seed
// corpus of the fuzzer (tests/broker/corpus/) is made of them.
#pragma once

#include <string>
#include <vector>

#include "broker/protocol/api_keys.h"
#include "tests/broker/protocol_batch_builder.h"
#include "tests/broker/protocol_wire.h"

namespace ringmq::broker::protocol::testing {

inline Bytes golden_request_body(ApiKey key, int16_t v) {
  const bool flex = is_flexible(key, v);
  WireBuilder b(flex);
  switch (key) {
    case ApiKey::kProduce:
      b.str("txn").i16(1).i32(1500).array(1).str("orders").array(1).i32(0).bytes(build_batch(sample_records()));
      b.tags().tags();
      break;
    case ApiKey::kFetch:
      b.i32(-1).i32(500).i32(1).i32(1 << 20).i8(0);
      if (v >= 7) b.i32(0).i32(-1);
      b.array(1).str("orders").array(1).i32(0);
      if (v >= 9) b.i32(-1);
      b.i64(42);
      if (v >= 12) b.i32(-1);
      if (v >= 5) b.i64(-1);
      b.i32(1 << 20).tags().tags();
      if (v >= 7) b.array(0);
      if (v >= 11) b.str("");
      break;
    case ApiKey::kListOffsets:
      b.i32(-1);
      if (v >= 2) b.i8(0);
      b.array(1).str("orders").array(1).i32(0);
      if (v >= 4) b.i32(-1);
      b.i64(-1);
      if (v == 0) b.i32(1);
      b.tags().tags();
      break;
    case ApiKey::kMetadata:
      b.array(1);
      if (v >= 10) b.uuid(0);
      b.str("orders").tags();
      if (v >= 4) b.boolean(true);
      if (v >= 8 && v <= 10) b.boolean(false);
      if (v >= 8) b.boolean(false);
      break;
    case ApiKey::kOffsetCommit:
      b.str("group");
      if (v >= 1) b.i32(1).str("member");
      if (v >= 7) b.str(std::nullopt);
      if (v >= 2 && v <= 4) b.i64(-1);
      b.array(1).str("orders").array(1).i32(0).i64(42);
      if (v >= 6) b.i32(-1);
      if (v == 1) b.i64(-1);
      b.str("").tags().tags();
      break;
    case ApiKey::kOffsetFetch:
      if (v >= 8) {
        b.array(1).str("group").array(1).str("orders").array(1).i32(0).tags().tags();
      } else {
        b.str("group").array(1).str("orders").array(1).i32(0).tags();
      }
      if (v >= 7) b.boolean(false);
      break;
    case ApiKey::kFindCoordinator:
      if (v >= 4) {
        b.i8(0).array(1).str("group");
      } else {
        b.str("group");
        if (v >= 1) b.i8(0);
      }
      break;
    case ApiKey::kJoinGroup:
      b.str("group").i32(10000);
      if (v >= 1) b.i32(30000);
      b.str("");
      if (v >= 5) b.str(std::nullopt);
      b.str("consumer").array(1).str("range").bytes(hex("0001 00000001 0006 6f7264657273 ffffffff")).tags();
      if (v >= 8) b.str(std::nullopt);
      break;
    case ApiKey::kHeartbeat:
      b.str("group").i32(1).str("member");
      if (v >= 3) b.str(std::nullopt);
      break;
    case ApiKey::kLeaveGroup:
      b.str("group");
      if (v >= 3) {
        b.array(1).str("member").str(std::nullopt);
        if (v >= 5) b.str("bye");
        b.tags();
      } else {
        b.str("member");
      }
      break;
    case ApiKey::kSyncGroup:
      b.str("group").i32(1).str("member");
      if (v >= 3) b.str(std::nullopt);
      if (v >= 5) b.str("consumer").str("range");
      b.array(1).str("member").bytes(hex("0001 00000001 0006 6f7264657273 00000001 00000000 ffffffff")).tags();
      break;
    case ApiKey::kApiVersions:
      if (v >= 3) b.str("ringmq-test").str("1.0");
      break;
    case ApiKey::kCreateTopics:
      b.array(1).str("orders").i32(3).i16(1).array(0).array(1).str("retention.ms").str("1000").tags().tags();
      b.i32(5000);
      if (v >= 1) b.boolean(false);
      break;
    case ApiKey::kDeleteTopics:
      b.array(1);
      if (v >= 6) {
        b.str("orders").uuid(0).tags();
      } else {
        b.str("orders");
      }
      b.i32(5000);
      break;
    case ApiKey::kInitProducerId:
      b.str(std::nullopt).i32(60000);
      if (v >= 3) b.i64(-1).i16(-1);
      break;
    case ApiKey::kDescribeGroups:
      b.array(2).str("group").str("other");
      if (v >= 3) b.boolean(true);
      break;
    case ApiKey::kListGroups:
      if (v >= 4) b.array(1).str("Stable");
      if (v >= 5) b.array(1).str("classic");
      break;
    case ApiKey::kDeleteGroups:
      b.array(2).str("group").str("other");
      break;
    case ApiKey::kDescribeConfigs:
      b.array(2).i8(2).str("orders").array(-1).tags().i8(4).str("1").array(1).str("log.retention.ms").tags();
      if (v >= 1) b.boolean(true);
      if (v >= 3) b.boolean(true);
      break;
    case ApiKey::kAlterConfigs:
      b.array(1).i8(2).str("orders").array(1).str("retention.ms").str("60000").tags().tags();
      b.boolean(false);
      break;
    case ApiKey::kIncrementalAlterConfigs:
      b.array(1).i8(2).str("orders").array(2).str("retention.ms").i8(0).str("60000").tags();
      b.str("retention.bytes").i8(1).str(std::nullopt).tags().tags();
      b.boolean(false);
      break;
    case ApiKey::kDescribeCluster:
      b.boolean(true);
      if (v >= 1) b.i8(1);
      break;
    case ApiKey::kDescribeLogDirs:
      b.array(1).str("orders").array(2).i32(0).i32(1).tags();
      break;
    case ApiKey::kOffsetForLeaderEpoch:
      if (v >= 3) b.i32(-1);
      b.array(1).str("orders").array(1).i32(0);
      if (v >= 2) b.i32(0);
      b.i32(0).tags().tags();
      break;
    case ApiKey::kDeleteRecords:
      b.array(1).str("orders").array(2).i32(0).i64(5).tags().i32(1).i64(-1).tags().tags();
      b.i32(5000);
      break;
    case ApiKey::kCreatePartitions:
      b.array(2).str("orders").i32(4).array(1).array(1).i32(1).tags().tags();
      b.str("audit").i32(2).array(-1).tags();
      b.i32(5000).boolean(false);
      break;
    case ApiKey::kOffsetDelete:
      b.str("group").array(1).str("orders").array(2).i32(0).tags().i32(1).tags().tags();
      break;
    case ApiKey::kSaslHandshake:
      b.str("SCRAM-SHA-256");
      break;
    case ApiKey::kSaslAuthenticate:
      b.bytes(bytes_of("n,,n=golden,r=0123456789abcdef"));  // a SCRAM client-first message
      break;
    case ApiKey::kDescribeUserScramCredentials:
      b.array(2).str("alice").tags().str("bob").tags();
      break;
    case ApiKey::kAlterUserScramCredentials:
      b.array(1).str("bob").i8(2).tags();
      b.array(1).str("alice").i8(1).i32(8192).bytes(hex("00112233445566778899aabbccddeeff"));
      b.bytes(hex("000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f")).tags();
      break;
    case ApiKey::kDescribeAcls:
      // TOPIC, any name, (v1+) PREFIXED, User:alice, any host, ANY operation, ALLOW.
      b.i8(2).str(std::nullopt);
      if (v >= 1) b.i8(4);
      b.str("User:alice").str(std::nullopt).i8(1).i8(3);
      break;
    case ApiKey::kCreateAcls:
      // User:alice may READ topic orders (v1+: every topic whose name starts with orders) from any host.
      b.array(1).i8(2).str("orders");
      if (v >= 1) b.i8(4);
      b.str("User:alice").str("*").i8(3).i8(3).tags();
      break;
    case ApiKey::kDeleteAcls:
      // Every ACL of User:bob on group audit, then every DENY on any resource.
      b.array(2).i8(3).str("audit");
      if (v >= 1) b.i8(3);
      b.str("User:bob").str(std::nullopt).i8(1).i8(1).tags();
      b.i8(1).str(std::nullopt);
      if (v >= 1) b.i8(1);
      b.str(std::nullopt).str(std::nullopt).i8(1).i8(2).tags();
      break;
  }
  b.tags();
  return b.out;
}

struct GoldenRequest {
  std::string name;  // "Produce_v9"
  ApiKey key;
  int16_t version;
  Bytes frame;  // header + body, without the size prefix
};

inline GoldenRequest golden_request(ApiKey key, int16_t v, int32_t correlation_id = 1) {
  const ApiSupport* api = find_api(static_cast<int16_t>(key));
  return {std::string(api->name) + "_v" + std::to_string(v), key, v,
          request_frame(static_cast<int16_t>(key), v, correlation_id, "golden", is_flexible(key, v),
                        golden_request_body(key, v))};
}

// Every API at every advertised version.
inline std::vector<GoldenRequest> golden_requests() {
  std::vector<GoldenRequest> all;
  for (const ApiSupport& api : supported_apis()) {
    for (int16_t v = api.min_version; v <= api.max_version; ++v) all.push_back(golden_request(api.key, v));
  }
  return all;
}

}  // namespace ringmq::broker::protocol::testing
