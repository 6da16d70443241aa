// NatsConnection: just enough of the NATS client protocol (text framing over TCP) for the
// broker benchmark to drive a real nats-server with JetStream: CONNECT, PUB, SUB, request/reply
// for the JetStream API, and a reader that hands each delivered payload to a callback and
// answers the server's PINGs. Debian ships the server but no C or C++ client, and the
// protocol is small: https://docs.nats.io/reference/reference-protocols/nats-protocol.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace ringmq::perf {

class NatsConnection {
 public:
  // Connects to "host:port" and sends CONNECT; empty error() on success.
  explicit NatsConnection(const std::string& target);
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;
  const std::string& error() const { return error_; }

  // Sends a request and waits up to `timeout_ms` for the reply's payload (JetStream API).
  std::string request(const std::string& subject, const std::string& payload, int timeout_ms = 5000);
  // PUB with an optional reply subject; thread-safe.
  bool publish(const std::string& subject, std::string_view payload, const std::string& reply = "");
  // SUB; every MSG for `sid` calls on_message (on the reader thread) with its payload.
  bool subscribe(const std::string& subject, int sid, std::function<void(std::string_view)> on_message);

 private:
  bool send_all(std::string_view bytes);
  void read_loop();

  int fd_ = -1;
  std::string error_;
  std::mutex write_mutex_;
  std::thread reader_;
  std::atomic<bool> closing_{false};
  std::mutex handlers_mutex_;
  std::function<void(int sid, std::string_view)> dispatch_;
  std::function<void(std::string_view)> subscriber_;
  int subscriber_sid_ = -1;
  std::string reply_;  // the last request's reply (reply subscription, sid 1)
  bool replied_ = false;
};

}  // namespace ringmq::perf
