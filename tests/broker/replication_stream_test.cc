// ReplicationServer and ReplicationClient on loopback with two real stores: the follower's log
// becomes the leader's byte for byte as it is appended; followers of another group, with
// other segment sizes or a diverged log are refused and keep what they hold; a stream ends
// when the leadership does and starts again with it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "broker/replication/replication_client.h"
#include "broker/replication/replication_server.h"
#include "tests/common/eventually.h"
#include "tests/engine/store_fixture.h"

namespace ringmq::broker {
namespace {

using namespace std::chrono_literals;
using engine::test::append_ok;
using engine::test::open_store;
using engine::test::payload;
using engine::test::small_config;

bool eventually(const std::function<bool()>& condition) { return test::eventually(condition, 20s, 10ms); }

std::string file_head(const std::string& path, uint64_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(n, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(n));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

// A leader store behind a ReplicationServer whose leadership a test switches on and off.
struct Leader {
  Leader() : store(open_store(small_config(dir.path()))) {
    ReplicationServerOptions options;
    options.host = "127.0.0.1";
    options.group = "c/g";
    options.heartbeat_ms = 50;
    options.max_chunk_bytes = 64 << 10;
    auto bound = ReplicationServer::bind(options);
    if (!bound) throw std::runtime_error(bound.error().to_string());
    server = std::move(*bound);
    server->start(*store, [this]() -> std::optional<int32_t> {
      const int32_t e = epoch.load();
      return e < 0 ? std::nullopt : std::optional<int32_t>(e);
    });
  }
  ReplicationTarget target() const { return {1, epoch.load(), "127.0.0.1", server->port()}; }

  ringmq::test::TempDir dir;
  std::unique_ptr<engine::MessageStore> store;
  std::unique_ptr<ReplicationServer> server;
  std::atomic<int32_t> epoch{1};
};

struct Follower {
  explicit Follower(Leader& leader, std::string group = "c/g", engine::EngineConfig config = {})
      : store(open_store(config.data_dir.empty() ? small_config(dir.path()) : config)) {
    ReplicationClientOptions options;
    options.node_id = 2;
    options.group = std::move(group);
    options.io_timeout_ms = 2000;
    client = ReplicationClient::start(options, *store, [&leader]() -> std::optional<ReplicationTarget> {
      if (leader.epoch.load() < 0) return std::nullopt;
      return leader.target();
    });
  }
  ~Follower() { client->stop(); }

  ringmq::test::TempDir dir;
  std::unique_ptr<engine::MessageStore> store;
  std::unique_ptr<ReplicationClient> client;
};

TEST(ReplicationStream, FollowerLogBecomesTheLeadersByteForByte) {
  Leader leader;
  for (int i = 0; i < 200; ++i) append_ok(*leader.store, i % 2, payload(i, 900));
  Follower follower(leader);
  // Appends while the follower streams: several segment rolls.
  for (int i = 200; i < 3000; ++i) append_ok(*leader.store, i % 2, payload(i, 900 + i % 300));
  const uint64_t end = leader.store->written_offset().value();
  ASSERT_TRUE(eventually([&] { return follower.store->written_offset().value() == end; }));
  ASSERT_TRUE(eventually([&] {
    auto progress = leader.server->progress().snapshot();
    return progress.size() == 1 && progress[0].node_id == 2 && progress[0].connected && progress[0].received == end;
  }));
  EXPECT_TRUE(follower.client->stats().connected.load());
  EXPECT_GT(follower.client->stats().chunks_applied.load(), 10u);
  // Durability is acknowledged too, once the follower's flusher covered the end.
  ASSERT_TRUE(eventually([&] { return leader.server->progress().snapshot()[0].durable == end; }));

  ASSERT_TRUE(engine::test::wait_indexed(*follower.store, 1, 1500));
  engine::ReadBatch batch;
  std::vector<std::vector<std::byte>> copies;
  engine::test::read_all(*follower.store, 1, batch, &copies);
  ASSERT_EQ(copies.size(), 1500u);
  for (size_t k = 0; k < copies.size(); ++k) {
    const size_t i = 2 * k + 1;
    ASSERT_EQ(copies[k], payload(i, i < 200 ? 900 : 900 + i % 300)) << k;
  }
  follower.client->stop();
  leader.server->stop();
  ASSERT_TRUE(follower.store->close());
  ASSERT_TRUE(leader.store->close());
  for (uint64_t base = 0; base < end; base += 1 << 20) {
    const std::string name = "/commitlog/" + engine::segment_file_name(base);
    const uint64_t n = std::min<uint64_t>(end - base, 1 << 20);
    EXPECT_EQ(file_head(leader.dir.path() + name, n), file_head(follower.dir.path() + name, n)) << name;
  }
}

TEST(ReplicationStream, FollowersOfAnotherGroupOrSegmentSizeAreRefused) {
  Leader leader;
  append_ok(*leader.store, 0, payload(0, 100));
  {
    Follower stranger(leader, "c/other");
    ASSERT_TRUE(eventually([&] { return stranger.client->stats().refusals.load() >= 1; }));
    EXPECT_EQ(stranger.store->written_offset().value(), 0u);
  }
  ringmq::test::TempDir dir;
  auto config = small_config(dir.path());
  config.segment_bytes = 2 << 20;
  Follower mismatched(leader, "c/g", config);
  ASSERT_TRUE(eventually([&] { return mismatched.client->stats().refusals.load() >= 1; }));
  EXPECT_EQ(mismatched.store->written_offset().value(), 0u);
}

TEST(ReplicationStream, AFollowerWhoseLogDivergedIsRefusedAndKeepsItsLog) {
  Leader leader;
  append_ok(*leader.store, 0, payload(1, 100));
  append_ok(*leader.store, 0, payload(2, 100));
  // The follower led once, alone: a record of the same size but other bytes.
  ringmq::test::TempDir dir;
  {
    auto own = open_store(small_config(dir.path()));
    append_ok(*own, 0, payload(9, 100));
    ASSERT_TRUE(own->close());
  }
  Follower follower(leader, "c/g", small_config(dir.path()));
  const uint64_t before = follower.store->written_offset().value();
  ASSERT_TRUE(eventually([&] { return follower.client->stats().refusals.load() >= 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(follower.store->written_offset().value(), before);
  EXPECT_EQ(follower.client->stats().bytes_received.load(), 0u);
}

TEST(ReplicationStream, TheStreamEndsWithTheLeadershipAndResumesWithTheNext) {
  Leader leader;
  Follower follower(leader);
  append_ok(*leader.store, 0, payload(0, 100));
  ASSERT_TRUE(eventually([&] { return follower.store->written_offset() == leader.store->written_offset(); }));
  leader.epoch = -1;  // not leading: the follower has no target, the server ends the stream
  ASSERT_TRUE(eventually([&] { return !follower.client->stats().connected.load(); }));
  ASSERT_TRUE(eventually([&] { return !leader.server->progress().snapshot()[0].connected; }));
  append_ok(*leader.store, 0, payload(1, 100));
  leader.epoch = 2;
  ASSERT_TRUE(eventually([&] { return follower.store->written_offset() == leader.store->written_offset(); }));
  EXPECT_TRUE(follower.client->stats().connected.load());
}

}  // namespace
}  // namespace ringmq::broker
