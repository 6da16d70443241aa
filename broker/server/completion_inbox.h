// CompletionInbox: how an answer reaches the network thread that owns its connection, from any
// thread. Internal to the server (handlers see ResponseSlot).
//
// A completion posted on the owning thread itself (a handler answering inside handle()) is
// delivered at once, without a lock or a system call. From any other thread it is queued
// under a mutex and the owner is woken through an eventfd — once per batch: only the post
// that finds the queue empty writes the eventfd. The inbox is shared (shared_ptr) by the
// owner and every outstanding ResponseSlot, so a slot completed after the server stopped
// finds a closed inbox and its completion is simply dropped.
//
// Tasks travel the same way (run_on_owner): work that must happen on the connection's thread,
// such as re-reading a long-polling fetch when new records arrive, so that its answer is
// delivered there without another hop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "broker/server/response_body.h"
#include "io/unique_fd.h"

namespace ringmq::broker {

using ConnectionId = uint64_t;

struct Completion {
  enum class Kind : uint8_t {
    kResponse,    // write `body`
    kNoResponse,  // nothing to write (Produce with acks=0); the request is done
    kClose,       // the handler asked to close the connection (`reason`)
    kAbandoned,   // the slot was destroyed without an answer: close the connection
  };
  ConnectionId connection = 0;
  uint64_t sequence = 0;
  Kind kind = Kind::kResponse;
  ResponseBody body;
  std::vector<std::byte> spare;  // an unused encode buffer travelling back for reuse
  std::string reason;
  // When the handler answered (any thread): the response-write stage is measured from here.
  std::chrono::steady_clock::time_point answered_at;
};

// What the owning network thread implements to receive completions.
class CompletionSink {
 public:
  virtual ~CompletionSink() = default;
  virtual void deliver(Completion&& completion) = 0;
};

class CompletionInbox {
 public:
  // Creates the eventfd; throws std::system_error if the kernel refuses (start-up only).
  explicit CompletionInbox(CompletionSink& owner);
  CompletionInbox(const CompletionInbox&) = delete;
  CompletionInbox& operator=(const CompletionInbox&) = delete;

  // Any thread. Delivers directly on the owner thread, else queues and wakes the owner.
  void post(Completion&& completion);
  // Any thread. Runs `task` on the owner thread: at once if called there, else after queueing
  // it and waking the owner (dropped if the inbox is closed).
  void run_on_owner(std::function<void()> task);
  // Wakes the owner thread (also used for its other commands).
  void wake();
  // Owner thread: takes everything queued (swapping with `out` and `tasks`, which should be empty).
  void take(std::vector<Completion>& out, std::vector<std::function<void()>>& tasks);
  // Owner thread: reads the eventfd so it stops being readable.
  void clear_wake();
  // Owner thread: marks the calling thread as the owner (direct delivery from here on).
  void bind_to_current_thread();
  // Owner thread, when it stops: later posts are dropped; returns what was still queued.
  std::vector<Completion> close();

  int event_fd() const { return event_fd_.get(); }

 private:
  CompletionSink& owner_;
  io::UniqueFd event_fd_;
  std::mutex mutex_;
  std::vector<Completion> queued_;
  std::vector<std::function<void()>> tasks_;
  bool closed_ = false;
};

}  // namespace ringmq::broker
