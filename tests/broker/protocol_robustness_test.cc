// Bad input never crashes the codec and always yields an error value: every prefix of every
// golden request, every single-byte corruption, random garbage, and every error response for
// every API and version. Meant to run under -DRINGMQ_SANITIZE=ON too (ASan + UBSan), where an
// out-of-bounds read would fail the run.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "broker/protocol/messages.h"
#include "tests/broker/protocol_codec_fixture.h"
#include "tests/broker/protocol_golden_requests.h"

namespace ringmq::broker::protocol {
namespace {

using namespace testing;

// Also walks the record batches of a decoded produce request, as the handler would.
void decode_and_walk(std::span<const std::byte> frame) {
  Request request;
  if (!decode_frame(frame, request)) return;
  if (const auto* produce = std::get_if<ProduceRequest>(&request)) {
    for (const auto& topic : produce->topics) {
      for (const auto& partition : topic.partitions) {
        RecordBatchIterator it(partition.records);
        for (int i = 0; i < 100; ++i) {
          auto next = it.next();
          if (!next || !*next) break;
        }
      }
    }
  }
}

TEST(ProtocolRobustness, EveryGoldenRequestDecodes) {
  for (const GoldenRequest& g : golden_requests()) {
    Request request;
    auto status = decode_frame(g.frame, request);
    EXPECT_TRUE(status) << g.name << ": " << status.error().message;
  }
}

TEST(ProtocolRobustness, EveryPrefixOfEveryGoldenRequestIsAnError) {
  for (const GoldenRequest& g : golden_requests()) {
    Request request;  // reused across decodes, as a connection would
    for (size_t n = 0; n < g.frame.size(); ++n) {
      // A copy of exactly n bytes, so a read past it is a heap overflow under ASan.
      Bytes prefix(g.frame.begin(), g.frame.begin() + static_cast<std::ptrdiff_t>(n));
      auto status = decode_frame(prefix, request);
      ASSERT_FALSE(status) << g.name << " decoded from a " << n << "-byte prefix of " << g.frame.size();
      EXPECT_EQ(status.error().code, ErrorCode::kCorrupt)
          << g.name << " prefix " << n << ": " << status.error().message;
    }
  }
}

TEST(ProtocolRobustness, TrailingBytesAfterTheBodyAreAnError) {
  for (const GoldenRequest& g : golden_requests()) {
    Bytes longer = g.frame;
    longer.push_back(std::byte{1});
    Request request;
    auto status = decode_frame(longer, request);
    ASSERT_FALSE(status) << g.name;
    EXPECT_NE(status.error().message.find("unexpected bytes"), std::string::npos) << status.error().message;
  }
}

TEST(ProtocolRobustness, ZeroPaddingAfterAFlexibleBodyIsAcceptedAndNowhereElse) {
  // librdkafka 2.0 pads some flexible requests with zero bytes (message_codec.h says which).
  for (const GoldenRequest& g : golden_requests()) {
    Bytes padded = g.frame;
    padded.insert(padded.end(), 3, std::byte{0});
    Request request;
    auto status = decode_frame(padded, request);
    if (is_flexible(g.key, g.version)) {
      EXPECT_TRUE(status) << g.name << ": " << status.error().message;
    } else {
      ASSERT_FALSE(status) << g.name;
      EXPECT_NE(status.error().message.find("unexpected bytes"), std::string::npos) << status.error().message;
    }
  }
}

TEST(ProtocolRobustness, EverySingleByteCorruptionIsHandled) {
  const std::byte replacements[] = {std::byte{0x00}, std::byte{0xff}, std::byte{0x80}, std::byte{0x7f}};
  for (const GoldenRequest& g : golden_requests()) {
    for (size_t i = 0; i < g.frame.size(); ++i) {
      for (std::byte b : replacements) {
        Bytes bad = g.frame;
        bad[i] = b;
        decode_and_walk(bad);  // may succeed or fail; must not crash or read out of bounds
      }
    }
  }
}

TEST(ProtocolRobustness, RandomGarbageIsHandled) {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 200);
  for (int round = 0; round < 20000; ++round) {
    Bytes garbage(static_cast<size_t>(length(rng)));
    for (std::byte& b : garbage) b = static_cast<std::byte>(byte(rng));
    // Point the header at a real API half of the time so the body decoders see garbage too.
    if (garbage.size() >= 4 && round % 2 == 0) {
      const auto apis = supported_apis();
      const ApiSupport& api = apis[static_cast<size_t>(round / 2) % apis.size()];
      int16_t v = static_cast<int16_t>(api.min_version + (round / 7) % (api.max_version - api.min_version + 1));
      garbage[0] = std::byte{0};
      garbage[1] = static_cast<std::byte>(static_cast<int16_t>(api.key));
      garbage[2] = std::byte{0};
      garbage[3] = static_cast<std::byte>(v);
    }
    decode_and_walk(garbage);
  }
}

TEST(ProtocolRobustness, ArraysClaimingMoreElementsThanBytesFailWithoutAllocating) {
  // A Produce v3 body whose topic array claims 2^31-1 entries.
  WireBuilder b;
  b.str(std::nullopt).i16(1).i32(1000).i32(INT32_MAX);
  Bytes frame = request_frame(0, 3, 1, "x", false, b.out);
  Request request;
  auto status = decode_frame(frame, request);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("2147483647"), std::string::npos) << status.error().message;
}

TEST(ProtocolRobustness, ADecodeIntoAReusedRequestLeavesNothingStale) {
  // Decode a two-topic produce, then a one-topic produce with no transactional id, into the
  // same Request: the second must not show anything of the first.
  Request request;
  WireBuilder first;
  first.str("txn").i16(1).i32(1).array(2).str("a").array(1).i32(3).bytes(hex("01")).str("b").array(0);
  Bytes first_frame = request_frame(0, 3, 1, "x", false, first.out);
  ASSERT_TRUE(decode_frame(first_frame, request));
  WireBuilder second;
  second.str(std::nullopt).i16(0).i32(2).array(1).str("c").array(1).i32(4).bytes(std::nullopt);
  Bytes second_frame = request_frame(0, 3, 2, "x", false, second.out);  // the views point into it
  ASSERT_TRUE(decode_frame(second_frame, request));
  const auto& r = std::get<ProduceRequest>(request);
  EXPECT_FALSE(r.transactional_id.has_value());
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].name, "c");
  ASSERT_EQ(r.topics[0].partitions.size(), 1u);
  EXPECT_EQ(r.topics[0].partitions[0].index, 4);
  EXPECT_TRUE(r.topics[0].partitions[0].records.empty());
}

TEST(ProtocolRobustness, UnknownApisAndVersionsAreRefusedByTheDecoder) {
  Request request;
  auto unknown = decode_frame(request_frame(57, 0, 1, "x", false, {}), request);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnsupported);
  auto too_new = decode_frame(request_frame(1, 13, 1, "x", true, {}), request);
  ASSERT_FALSE(too_new);
  EXPECT_EQ(too_new.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(too_new.error().message.find("Fetch v13"), std::string::npos) << too_new.error().message;
}

// Reads the size prefix and correlation id of an encoded response.
void expect_valid_frame(const Bytes& out, int32_t correlation_id, const std::string& what) {
  ASSERT_GE(out.size(), 8u) << what;
  WireParser p(out, false);
  EXPECT_EQ(static_cast<size_t>(p.i32()), out.size() - 4) << what;
  EXPECT_EQ(p.i32(), correlation_id) << what;
}

TEST(ProtocolRobustness, EveryApiAndVersionHasAnErrorResponse) {
  for (const GoldenRequest& g : golden_requests()) {
    auto header = parse_request_header(g.frame);
    ASSERT_TRUE(header);
    Request request;
    ASSERT_TRUE(decode_request(*header, request));
    Bytes with_request;
    Writer w1(with_request);
    auto status = encode_error_response(*header, request, KafkaError::kNotCoordinator, w1);
    ASSERT_TRUE(status) << g.name << ": " << status.error().message;
    expect_valid_frame(with_request, header->correlation_id, g.name);

    Bytes header_only;
    Writer w2(header_only);
    status = encode_error_response(g.key, g.version, 99, KafkaError::kUnknownServerError, w2);
    ASSERT_TRUE(status) << g.name << ": " << status.error().message;
    expect_valid_frame(header_only, 99, g.name);
  }
}

TEST(ProtocolRobustness, AnErrorResponseEchoesEveryPartitionOfAProduce) {
  GoldenRequest g = golden_request(ApiKey::kProduce, 7);
  auto header = parse_request_header(g.frame);
  Request request;
  ASSERT_TRUE(decode_request(*header, request));
  Bytes out;
  Writer w(out);
  ASSERT_TRUE(encode_error_response(*header, request, KafkaError::kNotLeaderOrFollower, w));
  WireParser p(out, false);
  p.response_header(false);
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.str(), "orders");
  ASSERT_EQ(p.array(), 1);
  EXPECT_EQ(p.i32(), 0);
  EXPECT_EQ(p.i16(), 6);
  EXPECT_EQ(p.i64(), -1);
}

TEST(ProtocolRobustness, AnErrorResponseForAnUnsupportedVersionIsRefusedExceptApiVersions) {
  Bytes out;
  Writer w(out);
  EXPECT_FALSE(encode_error_response(ApiKey::kFetch, 13, 1, KafkaError::kUnsupportedVersion, w));
  Bytes fallback;
  Writer fw(fallback);
  EXPECT_TRUE(encode_error_response(ApiKey::kApiVersions, 7, 1, KafkaError::kUnsupportedVersion, fw));
  WireParser p(fallback, false);
  p.response_header(false);
  EXPECT_EQ(p.i16(), 35);
}

// The fuzzer's seed corpus is the golden request of each API at its highest version. Run with
// RINGMQ_WRITE_CORPUS=1 to (re)write the files after a layout change.
std::filesystem::path corpus_dir() { return std::filesystem::path(__FILE__).parent_path() / "corpus"; }

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes out(chars.size());
  if (!chars.empty()) std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

TEST(ProtocolCorpus, SeedFramesAreTheGoldenRequests) {
  ASSERT_TRUE(std::filesystem::exists(corpus_dir())) << "no corpus next to the test sources";
  const bool write = std::getenv("RINGMQ_WRITE_CORPUS") != nullptr;
  for (const ApiSupport& api : supported_apis()) {
    GoldenRequest g = golden_request(api.key, api.max_version);
    std::filesystem::path path = corpus_dir() / (g.name + ".bin");
    if (write) {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(g.frame.data()), static_cast<std::streamsize>(g.frame.size()));
    }
    EXPECT_EQ(read_file(path), g.frame) << path;
  }
}

TEST(ProtocolCorpus, EverySeedFrameDecodes) {
  ASSERT_TRUE(std::filesystem::exists(corpus_dir())) << "no corpus next to the test sources";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir())) {
    if (entry.path().extension() != ".bin") continue;
    ++files;
    Bytes frame = read_file(entry.path());
    Request request;
    auto status = decode_frame(frame, request);
    EXPECT_TRUE(status) << entry.path() << ": " << (status ? "" : status.error().message);
  }
  EXPECT_GE(files, static_cast<int>(supported_apis().size()));
}

}  // namespace
}  // namespace ringmq::broker::protocol
