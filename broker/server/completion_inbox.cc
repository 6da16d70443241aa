#include "broker/server/completion_inbox.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ringmq::broker {
namespace {
// The inbox whose owner is the calling thread (nullptr on other threads).
thread_local const CompletionInbox* t_owned_inbox = nullptr;
}  // namespace

CompletionInbox::CompletionInbox(CompletionSink& owner)
    : owner_(owner), event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!event_fd_.valid()) throw std::system_error(errno, std::generic_category(), "eventfd");
}

void CompletionInbox::bind_to_current_thread() { t_owned_inbox = this; }

void CompletionInbox::post(Completion&& completion) {
  if (t_owned_inbox == this) {
    owner_.deliver(std::move(completion));
    return;
  }
  bool was_empty;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;  // the server stopped; the caller's copy is destroyed outside the lock
    was_empty = queued_.empty() && tasks_.empty();
    queued_.push_back(std::move(completion));
  }
  if (was_empty) wake();
}

void CompletionInbox::run_on_owner(std::function<void()> task) {
  if (t_owned_inbox == this) {
    task();
    return;
  }
  bool was_empty;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    was_empty = queued_.empty() && tasks_.empty();
    tasks_.push_back(std::move(task));
  }
  if (was_empty) wake();
}

void CompletionInbox::wake() {
  const uint64_t one = 1;
  // EAGAIN means the counter is already huge: the owner is certainly going to wake.
  [[maybe_unused]] ssize_t n = ::write(event_fd_.get(), &one, sizeof one);
}

void CompletionInbox::clear_wake() {
  uint64_t value;
  [[maybe_unused]] ssize_t n = ::read(event_fd_.get(), &value, sizeof value);
}

void CompletionInbox::take(std::vector<Completion>& out, std::vector<std::function<void()>>& tasks) {
  std::lock_guard lock(mutex_);
  out.swap(queued_);
  tasks.swap(tasks_);
}

std::vector<Completion> CompletionInbox::close() {
  std::vector<Completion> left;
  std::vector<std::function<void()>> dropped;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    left.swap(queued_);
    dropped.swap(tasks_);
  }
  // Released outside the lock: what a task holds may complete a slot, which posts here.
  dropped.clear();
  if (t_owned_inbox == this) t_owned_inbox = nullptr;
  return left;
}

}  // namespace ringmq::broker
