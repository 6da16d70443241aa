// The TCP server over real sockets on 127.0.0.1: framing, ordering, limits, back pressure,
// deferred answers, callbacks and draining.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "broker/server/timer_service.h"
#include "tests/broker/server_test_support.h"

namespace ringmq::broker {
namespace {

using namespace test;

// Collects slots so the test decides when (and from where) they are answered.
class HoldingRouter : public RequestRouter {
 public:
  struct Held {
    int32_t correlation_id;
    ResponseSlot slot;
  };
  void handle(const Request& request, ResponseSlot slot) override {
    std::lock_guard lock(mutex_);
    held_.push_back(Held{request.correlation_id, std::move(slot)});
    cv_.notify_all();
  }
  bool wait_for(size_t count, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return held_.size() >= count; });
  }
  size_t handled() {
    std::lock_guard lock(mutex_);
    return held_.size();
  }
  std::vector<Held> take() {
    std::lock_guard lock(mutex_);
    return std::move(held_);
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Held> held_;
};

TEST(TcpServer, ReassemblesFramesSplitAcrossManySmallWrites) {
  LambdaRouter router;
  router.on_handle = echo;
  RunningServer server(router);
  TestClient client(server.port());

  Bytes stream;
  for (int32_t id = 1; id <= 3; ++id) {
    Bytes frame = request_frame(0, id, text_bytes("payload number " + std::to_string(id)));
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  for (size_t i = 0; i < stream.size(); ++i) {
    ASSERT_TRUE(client.send(std::span(stream).subspan(i, 1)));
    if (i % 7 == 0) std::this_thread::sleep_for(200us);  // let the bytes travel as separate segments
  }
  for (int32_t id = 1; id <= 3; ++id) {
    auto frame = client.read_frame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(*frame, response_frame(id, text_bytes("payload number " + std::to_string(id))));
  }
}

TEST(TcpServer, SplitsManyFramesArrivingInOneWrite) {
  LambdaRouter router;
  router.on_handle = echo;
  RunningServer server(router);
  TestClient client(server.port());

  constexpr int kFrames = 2000;
  Bytes stream;
  for (int32_t id = 0; id < kFrames; ++id) {
    Bytes frame = request_frame(3, id, text_bytes(std::string(static_cast<size_t>(id % 50), 'x')));
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  std::thread writer([&] { client.send(stream); });
  for (int32_t id = 0; id < kFrames; ++id) {
    auto frame = client.read_frame();
    ASSERT_TRUE(frame) << "response " << id;
    ASSERT_EQ(*frame, response_frame(id, text_bytes(std::string(static_cast<size_t>(id % 50), 'x'))));
  }
  writer.join();
  EXPECT_EQ(server.metrics.registry.render().find("ringmq_requests_total{api=\"Metadata\"} 2000") != std::string::npos,
            true);
}

TEST(TcpServer, ReassemblesAFrameLargerThanTheReadBufferAndSendsALargeAnswer) {
  LambdaRouter router;
  router.on_handle = echo;
  RunningServer server(router);
  TestClient client(server.port());

  Bytes payload(3 << 20);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = std::byte(i * 31 + 7);
  const Bytes frame = request_frame(0, 42, payload);
  std::thread writer([&] { client.send(frame); });
  auto answer = client.read_frame(20000ms);
  writer.join();
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, response_frame(42, payload));
}

TEST(TcpServer, AnswersInRequestOrderWhenHandlersCompleteOutOfOrderOnOtherThreads) {
  // Every slot goes to a thread of its own that waits a random time before answering.
  std::mutex mutex;
  std::vector<std::thread> answerers;
  LambdaRouter router;
  router.on_handle = [&](const Request& request, ResponseSlot slot) {
    const int32_t id = request.correlation_id;
    std::lock_guard lock(mutex);
    answerers.emplace_back([id, slot = std::move(slot)]() mutable {
      std::mt19937 random(static_cast<unsigned>(id));
      std::this_thread::sleep_for(std::chrono::microseconds(random() % 20000));
      slot.complete(response_frame(id, text_bytes("answer")));
    });
  };
  RunningServer server(router);
  TestClient client(server.port());

  constexpr int kRequests = 60;
  Bytes stream;
  for (int32_t id = 0; id < kRequests; ++id) {
    Bytes frame = request_frame(1, id);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  ASSERT_TRUE(client.send(stream));
  for (int32_t id = 0; id < kRequests; ++id) EXPECT_EQ(client.read_correlation_id(), id);
  std::lock_guard lock(mutex);
  for (auto& t : answerers) t.join();
}

TEST(TcpServer, OversizedFrameClosesOnlyThatConnection) {
  LambdaRouter router;
  router.on_handle = echo;
  ServerConfig config = test_server_config();
  config.max_frame_bytes = 1024;
  RunningServer server(router, config);
  TestClient good(server.port());
  TestClient bad(server.port());

  Bytes oversized;
  put_be32(oversized, 1025);
  oversized.resize(64);  // the server must not wait for the rest
  ASSERT_TRUE(bad.send(oversized));
  EXPECT_TRUE(bad.closed_by_server());

  ASSERT_TRUE(good.send(request_frame(0, 7, Bytes(1000))));
  EXPECT_EQ(good.read_correlation_id(), 7);
  EXPECT_EQ(server.metrics.frames_rejected.value(), 1u);
  TestClient later(server.port());
  ASSERT_TRUE(later.send(request_frame(0, 8)));
  EXPECT_EQ(later.read_correlation_id(), 8);
}

TEST(TcpServer, NegativeOrShortFrameLengthClosesTheConnection) {
  LambdaRouter router;
  router.on_handle = echo;
  RunningServer server(router);
  for (uint32_t length : {0xffffffffu, 0x80000000u, 0u, 7u}) {
    TestClient client(server.port());
    Bytes bytes;
    put_be32(bytes, length);
    bytes.resize(16);
    ASSERT_TRUE(client.send(bytes));
    EXPECT_TRUE(client.closed_by_server()) << "length " << length;
  }
  EXPECT_EQ(server.metrics.frames_rejected.value(), 4u);
}

TEST(TcpServer, EnforcesMaxConnections) {
  LambdaRouter router;
  router.on_handle = echo;
  ServerConfig config = test_server_config();
  config.max_connections = 2;
  RunningServer server(router, config);

  auto first = std::make_unique<TestClient>(server.port());
  TestClient second(server.port());
  ASSERT_TRUE(first->send(request_frame(0, 1)));
  ASSERT_TRUE(second.send(request_frame(0, 2)));
  EXPECT_EQ(first->read_correlation_id(), 1);
  EXPECT_EQ(second.read_correlation_id(), 2);

  TestClient third(server.port());  // the kernel accepts it; the server closes it at once
  EXPECT_TRUE(third.closed_by_server());
  EXPECT_EQ(server.metrics.connections_rejected.value(), 1u);

  first.reset();
  ASSERT_TRUE(eventually([&] { return server.server->connection_count() == 1; }));
  TestClient fourth(server.port());
  ASSERT_TRUE(fourth.send(request_frame(0, 4)));
  EXPECT_EQ(fourth.read_correlation_id(), 4);
  EXPECT_EQ(server.metrics.connections.value(), 2);
}

TEST(TcpServer, DeferredAnswerFromATimerKeepsItsPlaceInLine) {
  TimerService timers;
  LambdaRouter router;
  router.on_handle = [&](const Request& request, ResponseSlot slot) {
    if (request.api_key == 1) {  // a "long poll": answered by the timer
      auto shared = std::make_shared<ResponseSlot>(std::move(slot));
      const int32_t id = request.correlation_id;
      timers.schedule_after(100ms, [shared, id] { shared->complete(response_frame(id)); });
    } else {
      echo(request, std::move(slot));
    }
  };
  RunningServer server(router);
  TestClient client(server.port());

  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.send(request_frame(1, 10)));
  ASSERT_TRUE(client.send(request_frame(0, 11)));  // answered at once, but written after 10
  EXPECT_EQ(client.read_correlation_id(), 10);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_EQ(client.read_correlation_id(), 11);
}

// Work handed to a connection's network thread from elsewhere (as new records re-read a
// long-polling fetch) runs on the thread that handled the request, and the answer it gives
// there is written like any other.
TEST(TcpServer, TaskRunOnTheOwnerThreadAnswersFromThatThread) {
  std::mutex mutex;
  std::thread::id handled_on, task_ran_on;
  std::thread other;
  LambdaRouter router;
  router.on_handle = [&](const Request& request, ResponseSlot slot) {
    {
      std::lock_guard lock(mutex);
      handled_on = std::this_thread::get_id();
    }
    auto shared = std::make_shared<ResponseSlot>(std::move(slot));
    auto inbox = shared->owner_inbox();
    ASSERT_NE(inbox, nullptr);
    const int32_t id = request.correlation_id;
    other = std::thread([&, inbox, shared, id] {
      inbox->run_on_owner([&, shared, id] {
        {
          std::lock_guard lock(mutex);
          task_ran_on = std::this_thread::get_id();
        }
        shared->complete(response_frame(id));
      });
    });
  };
  RunningServer server(router);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(request_frame(1, 21)));
  EXPECT_EQ(client.read_correlation_id(), 21);
  other.join();
  std::lock_guard lock(mutex);
  EXPECT_EQ(task_ran_on, handled_on);
  EXPECT_NE(task_ran_on, std::thread::id());
}

TEST(TcpServer, CallsConnectionOpenedAndClosed) {
  std::mutex mutex;
  std::set<ConnectionId> opened, closed;
  std::string peer;
  LambdaRouter router;
  router.on_handle = echo;
  router.on_opened = [&](ConnectionId id, std::string_view p) {
    std::lock_guard lock(mutex);
    opened.insert(id);
    peer = std::string(p);
  };
  router.on_closed = [&](ConnectionId id) {
    std::lock_guard lock(mutex);
    closed.insert(id);
  };
  RunningServer server(router);
  {
    TestClient client(server.port());
    ASSERT_TRUE(client.send(request_frame(0, 1)));
    EXPECT_EQ(client.read_correlation_id(), 1);
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return closed.size() == 1;
  }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(opened, closed);
  EXPECT_TRUE(peer.starts_with("127.0.0.1:")) << peer;
}

TEST(TcpServer, StopsReadingWhileTooManyRequestsAreInFlight) {
  HoldingRouter router;
  ServerConfig config = test_server_config();
  config.max_inflight_requests_per_connection = 4;
  RunningServer server(router, config);
  TestClient client(server.port());

  Bytes stream;
  for (int32_t id = 0; id < 20; ++id) {
    Bytes frame = request_frame(0, id);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  ASSERT_TRUE(client.send(stream));
  ASSERT_TRUE(router.wait_for(4));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(router.handled(), 4u) << "the server went on reading past the in-flight limit";

  // Answer whatever is held, from this thread, until all 20 are through.
  int32_t answered = 0;
  while (answered < 20) {
    ASSERT_TRUE(router.wait_for(1));
    for (auto& held : router.take()) {
      held.slot.complete(response_frame(held.correlation_id));
      ++answered;
    }
  }
  for (int32_t id = 0; id < 20; ++id) EXPECT_EQ(client.read_correlation_id(), id);
}

TEST(TcpServer, WritesSplicedViewsAndReleasesTheirOwnerAfterwards) {
  auto stored = std::make_shared<Bytes>(text_bytes("stored record batch bytes"));
  std::weak_ptr<Bytes> watch = stored;
  LambdaRouter router;
  router.on_handle = [&](const Request& request, ResponseSlot slot) {
    ResponseBody body(slot.take_buffer());
    const Bytes head = response_frame(request.correlation_id, text_bytes("head:"));
    body.bytes().assign(head.begin(), head.end());
    body.append_view(*stored);
    const Bytes tail = text_bytes(":tail");
    body.bytes().insert(body.bytes().end(), tail.begin(), tail.end());
    body.keep_alive(std::move(stored));
    body.patch_size_prefix();
    slot.complete(std::move(body));
  };
  RunningServer server(router);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(request_frame(1, 5)));
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(*frame, response_frame(5, text_bytes("head:stored record batch bytes:tail")));
  EXPECT_TRUE(eventually([&] { return watch.expired(); }));
}

TEST(TcpServer, NoResponseRequestIsSkippedAndTheNextOneAnswered) {
  LambdaRouter router;
  router.on_handle = [](const Request& request, ResponseSlot slot) {
    if (request.correlation_id == 1) {
      slot.complete_without_response();  // Produce with acks=0
    } else {
      echo(request, std::move(slot));
    }
  };
  RunningServer server(router);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(request_frame(0, 1)));
  ASSERT_TRUE(client.send(request_frame(0, 2)));
  EXPECT_EQ(client.read_correlation_id(), 2);
  EXPECT_TRUE(eventually([&] { return server.server->requests_in_flight() == 0; }));
}

TEST(TcpServer, DroppedSlotClosesTheConnection) {
  LambdaRouter router;
  router.on_handle = [](const Request&, ResponseSlot) {};  // forgets to answer
  RunningServer server(router);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(request_frame(0, 1)));
  EXPECT_TRUE(client.closed_by_server());
}

TEST(TcpServer, HandlerCanCloseTheConnection) {
  LambdaRouter router;
  router.on_handle = [](const Request&, ResponseSlot slot) { slot.close_connection("unsupported version"); };
  RunningServer server(router);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(request_frame(0, 1)));
  EXPECT_TRUE(client.closed_by_server());
}

TEST(TcpServer, ResponseWithAWrongSizePrefixClosesTheConnection) {
  LambdaRouter router;
  router.on_handle = [](const Request& request, ResponseSlot slot) {
    Bytes frame = response_frame(request.correlation_id, text_bytes("abc"));
    frame[3] = std::byte(99);
    slot.complete(std::move(frame));
  };
  RunningServer server(router);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(request_frame(0, 1)));
  EXPECT_TRUE(client.closed_by_server());
}

TEST(TcpServer, ClosesIdleConnections) {
  LambdaRouter router;
  router.on_handle = echo;
  ServerConfig config = test_server_config();
  config.idle_connection_timeout_ms = 100;
  RunningServer server(router, config);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(request_frame(0, 1)));
  EXPECT_EQ(client.read_correlation_id(), 1);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_server(3000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
}

TEST(TcpServer, AnswerAfterTheClientLeftIsDropped) {
  HoldingRouter router;
  RunningServer server(router);
  {
    TestClient client(server.port());
    ASSERT_TRUE(client.send(request_frame(0, 1)));
    ASSERT_TRUE(router.wait_for(1));
  }
  ASSERT_TRUE(eventually([&] { return server.server->connection_count() == 0; }));
  for (auto& held : router.take()) held.slot.complete(response_frame(held.correlation_id));
  EXPECT_TRUE(eventually([&] { return server.server->requests_in_flight() == 0; }));
}

TEST(TcpServer, DrainLetsInFlightRequestsFinishAndRefusesNewWork) {
  HoldingRouter router;
  RunningServer server(router);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(request_frame(0, 1)));
  ASSERT_TRUE(router.wait_for(1));

  server.server->begin_drain();
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(client.send(request_frame(0, 2)));  // not read any more
  std::thread answer([&] {
    std::this_thread::sleep_for(50ms);
    for (auto& held : router.take()) held.slot.complete(response_frame(held.correlation_id));
  });
  EXPECT_TRUE(server.server->wait_until_drained(5000ms));
  answer.join();
  EXPECT_EQ(client.read_correlation_id(), 1);
  EXPECT_TRUE(client.silent_for(50ms));
  EXPECT_EQ(router.handled(), 0u);

  // The listener is closed: a new connection is refused.
  EXPECT_THROW(TestClient(server.port()), std::runtime_error);
  server.server->stop();
  EXPECT_TRUE(client.closed_by_server());
}

TEST(TcpServer, DrainTimesOutWhenAnAnswerNeverComes) {
  HoldingRouter router;
  RunningServer server(router);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(request_frame(0, 1)));
  ASSERT_TRUE(router.wait_for(1));
  server.server->begin_drain();
  EXPECT_FALSE(server.server->wait_until_drained(50ms));
  server.server->stop();
  EXPECT_TRUE(client.closed_by_server());
  auto held = router.take();
  held.front().slot.complete(response_frame(1));  // after stop: dropped, no crash
}

TEST(TcpServer, SpreadsConnectionsOverTheNetworkThreads) {
  std::mutex mutex;
  std::set<std::thread::id> threads;
  LambdaRouter router;
  router.on_handle = [&](const Request& request, ResponseSlot slot) {
    {
      std::lock_guard lock(mutex);
      threads.insert(std::this_thread::get_id());
    }
    echo(request, std::move(slot));
  };
  ServerConfig config = test_server_config();
  config.network_threads = 3;
  RunningServer server(router, config);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<TestClient>(server.port()));
    ASSERT_TRUE(clients.back()->send(request_frame(0, i)));
    EXPECT_EQ(clients.back()->read_correlation_id(), i);
  }
  std::lock_guard lock(mutex);
  EXPECT_EQ(threads.size(), 3u);
}

TEST(TcpServer, BindErrorNamesTheSetting) {
  LambdaRouter router;
  router.on_handle = echo;
  RunningServer first(router);
  ServerConfig config = test_server_config();
  config.listen_port = first.port();
  BrokerMetrics metrics;
  auto second = TcpServer::bind(config, metrics);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("server.listen_port"), std::string::npos) << second.error().message;
  EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(first.port())), std::string::npos);
}

}  // namespace
}  // namespace ringmq::broker
