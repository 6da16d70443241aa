#include "perf/jitter_workload.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "common/errno_text.h"
#include "engine/message_store.h"
#include "numa/cpu_list.h"

namespace ringmq::perf {
namespace {

using engine::WriteMode;

inline uint64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

void sleep_until_ns(uint64_t deadline) {
  // Sleep most of the way, spin the last stretch: a sleep overshoots by tens of µs.
  for (;;) {
    const uint64_t now = now_ns();
    if (now >= deadline) return;
    if (deadline - now > 80'000) {
      const uint64_t wake = deadline - 50'000;
      timespec ts{static_cast<time_t>(wake / 1'000'000'000), static_cast<long>(wake % 1'000'000'000)};
      ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    }
  }
}

// Shared between the mode's producers and its controller.
struct ModeShared {
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::atomic<bool> release{false};  // producers stay alive until their thread stats are read
  std::atomic<int> ready{0};
  uint64_t start_ns = 0;  // written before `go`
  std::string error;      // first fatal append error; guarded by error_mutex
  std::mutex error_mutex;
};

// Published by a producer every batch for the progress line.
struct alignas(64) ProducerProgress {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> max_latency_ns{0};
  std::atomic<uint64_t> spikes{0};
  std::atomic<uint64_t> faults{0};
  std::atomic<bool> done{false};
};

// Sizes a vector up front and touches its pages, so that filling it later takes no page
// faults on the writer thread (they would show up in its fault counts).
template <typename T>
void pretouch(std::vector<T>& v, size_t n) {
  v.resize(n);
  v.clear();  // capacity and the touched pages stay
}

// One writer thread's measurements.
class Producer {
 public:
  Producer(const WorkloadOptions& o, engine::MessageStore& store, ModeShared& shared, uint32_t index, uint64_t op_quota,
           uint64_t warmup_ops)
      : o_(o),
        store_(store),
        shared_(shared),
        index_(index),
        op_quota_(op_quota),
        warmup_ops_(warmup_ops),
        payload_(o.record_bytes, std::byte{0x42}) {
    bin_ns_ = uint64_t{std::max<uint32_t>(o.bin_ms, 1)} * 1'000'000;
    // Bins for the expected length of the mode (a --bytes run is guessed at 20 MiB/s or
    // better), capped at an hour; the loop grows them only if the mode runs longer.
    uint64_t expected_ms = o.duration_ms ? o.duration_ms : o.bytes_per_mode / (20ull << 20) * 1000 + 10'000;
    expected_ms = std::min<uint64_t>(expected_ms, 3'600'000);
    bins_.resize(expected_ms / std::max<uint32_t>(o.bin_ms, 1) + 1);
    pretouch(spikes_, std::min<uint32_t>(o.max_spikes_kept, 1u << 16));
    pretouch(fault_sites_, std::min<uint32_t>(o.max_fault_sites, 1u << 16));
  }

  void run(ProducerProgress& progress);

  LatencyHistogram latency_hist, faulted_hist, other_hist;
  WriterEvents events;
  std::vector<TimeBin> bins_;
  std::vector<Spike> spikes_;
  std::vector<FaultSite> fault_sites_;  // faulted operations after warm-up (perf-ring)
  uint64_t spike_count = 0;
  uint64_t ops = 0, busy_retries = 0;

 private:
  TimeBin& bin_at(uint64_t t) {
    const uint64_t b = t > start_ns_ ? (t - start_ns_) / bin_ns_ : 0;
    if (b >= bins_.size()) bins_.resize(b + 1);
    return bins_[b];
  }
  void count_event(ThreadEvent e, uint64_t t) {
    TimeBin& bin = bin_at(t);
    if (e == ThreadEvent::kMinorFault)
      ++bin.minor_faults;
    else if (e == ThreadEvent::kMajorFault)
      ++bin.major_faults;
    else
      ++bin.context_switches;
  }
  void fail(const std::string& message) {
    std::lock_guard lock(shared_.error_mutex);
    if (shared_.error.empty()) shared_.error = message;
    shared_.stop.store(true);
  }

  const WorkloadOptions& o_;
  engine::MessageStore& store_;
  ModeShared& shared_;
  const uint32_t index_;
  const uint64_t op_quota_;  // 0: until stopped
  const uint64_t warmup_ops_;
  std::vector<std::byte> payload_;
  uint64_t bin_ns_ = 0;
  uint64_t start_ns_ = 0;
};

void Producer::run(ProducerProgress& progress) {
  const std::string name = "rmqj-writer-" + std::to_string(index_);
  ::pthread_setname_np(::pthread_self(), name.c_str());
  if (!o_.writer_cpus.empty()) {
    if (auto s = pin_current_thread(o_.writer_cpus); !s) fail(s.error().message);
  }
  if (o_.writer_nice != 0 && ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), o_.writer_nice) != 0)
    fail("setpriority(" + std::to_string(o_.writer_nice) + ") of a writer thread: " + errno_text(errno) +
         " (negative values need root or CAP_SYS_NICE)");
  std::string why_not;
  auto opened = FaultProbe::open(o_.fault_backend, &why_not);
  if (!opened) {
    fail("fault probe: " + opened.error().message);
    shared_.ready.fetch_add(1);
    progress.done.store(true);
    while (!shared_.release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return;
  }
  FaultProbe probe = std::move(*opened);
  events.backend = fault_backend_name(probe.backend());
  events.per_operation = probe.per_operation();
  events.sees_context_switches = probe.sees_context_switches();
  events.backend_note = why_not;

  shared_.ready.fetch_add(1);
  while (!shared_.go.load(std::memory_order_acquire)) std::this_thread::yield();
  start_ns_ = shared_.start_ns;
  const uint64_t segment_bytes = o_.segment_bytes;
  const uint64_t interval_ns = o_.rate_per_s ? o_.producers * 1'000'000'000ull / o_.rate_per_s : 0;
  const uint64_t deadline = o_.duration_ms ? start_ns_ + o_.duration_ms * 1'000'000 : UINT64_MAX;
  const uint64_t threshold = o_.spike_threshold_ns;
  const bool precise = probe.per_operation();
  constexpr uint64_t kBatch = 256;     // progress, stop checks, ring drain
  constexpr uint64_t kPollBatch = 64;  // counter polls of the per-batch backends
  auto sink = [this](ThreadEvent e, uint64_t t) { count_event(e, t); };
  size_t batch_first_spike = 0;  // per-batch backends: spikes since the last poll
  ThreadEventCounts at_warmup_end{};
  bool warm = warmup_ops_ == 0;
  uint64_t intended = start_ns_;
  uint64_t max_latency = 0;

  for (uint64_t i = 0; op_quota_ == 0 || i < op_quota_; ++i) {
    if (i % kBatch == 0) {
      if (shared_.stop.load(std::memory_order_relaxed)) break;
      probe.drain_if_needed(sink);
      progress.ops.store(i, std::memory_order_relaxed);
      progress.max_latency_ns.store(max_latency, std::memory_order_relaxed);
      progress.spikes.store(spike_count, std::memory_order_relaxed);
    }
    if (!warm && i == warmup_ops_) {
      probe.take(UINT64_MAX, sink);
      at_warmup_end = probe.totals();
      warm = true;
    }
    if (interval_ns) {
      sleep_until_ns(intended);
    }

    const uint64_t mark = probe.mark();
    const uint64_t t0 = now_ns();
    const engine::AppendRequest request{(index_ + static_cast<uint32_t>(i)) % o_.queues, payload_, 1, -1};
    auto r = store_.append(request);
    // Back pressure (the next segment or a pool buffer not ready): a client would retry, so
    // the same record is tried again and the wait stays inside this append's latency.
    while (!r && r.error().code == ErrorCode::kBusy && !shared_.stop.load(std::memory_order_relaxed)) {
      ++busy_retries;
      r = store_.append(request);
    }
    const uint64_t t1 = now_ns();
    OpEvents ev;
    if (probe.changed_since(mark)) ev = probe.take(mark, sink);

    // Open loop: response time counts from when the append was due; service time from its call.
    const uint64_t service = t1 - t0;
    const uint64_t response = interval_ns && t1 > intended ? t1 - intended : service;
    const uint64_t lat = o_.service_latency ? service : response;
    if (interval_ns) intended += interval_ns;
    if (!r) {
      if (!shared_.stop.load()) fail(r.error().to_string());
      break;
    }
    ++ops;
    TimeBin& bin = bin_at(t1);
    ++bin.ops;
    bin.latency_sum_ns += lat;
    if (lat > bin.latency_max_ns) bin.latency_max_ns = lat;
    if (warm) {
      latency_hist.record(lat);
      if (interval_ns) other_hist.record(o_.service_latency ? response : service);
      if (lat > max_latency) max_latency = lat;
      if (ev.minor_faults | ev.major_faults) {
        faulted_hist.record(lat);
        ++events.ops_with_faults;
        if (ev.major_faults) ++events.ops_with_major_faults;
        events.in_appends.minor_faults += ev.minor_faults;
        events.in_appends.major_faults += ev.major_faults;
        if (precise && fault_sites_.size() < o_.max_fault_sites)
          fault_sites_.push_back({ev.first_fault_address, r->commit_log_offset.value(), r->end_offset.value()});
      }
      if (ev.context_switches) ++events.ops_with_context_switches;
      events.in_appends.context_switches += ev.context_switches;
    }
    if (lat > threshold) {
      ++bin.spikes;
      if (warm) ++spike_count;
      if (spikes_.size() < o_.max_spikes_kept) {
        Spike s;
        s.at_ns = t0 - start_ns_;
        s.latency_ns = lat;
        s.service_ns = service;
        s.queued = service <= threshold;  // slow only because it started late
        s.producer = index_;
        s.minor_faults = ev.minor_faults;
        s.major_faults = ev.major_faults;
        s.context_switches = ev.context_switches;
        s.segment_roll = r->commit_log_offset.value() % segment_bytes == 0;
        s.fault_site = {ev.first_fault_address, r->commit_log_offset.value(), r->end_offset.value()};
        s.during_warmup = !warm;
        spikes_.push_back(s);
      }
    }
    if (!precise && (i + 1) % kPollBatch == 0) {
      // Per-batch backends: what the batch took, pinned on its spikes (or counted once).
      const OpEvents batch = probe.poll();
      for (int k = 0; k < 3; ++k) {
        const uint32_t n = k == 0 ? batch.minor_faults : k == 1 ? batch.major_faults : batch.context_switches;
        for (uint32_t j = 0; j < n; ++j) count_event(static_cast<ThreadEvent>(k), t1);
      }
      for (size_t s = batch_first_spike; s < spikes_.size(); ++s) {
        spikes_[s].minor_faults = batch.minor_faults;
        spikes_[s].major_faults = batch.major_faults;
        spikes_[s].context_switches = batch.context_switches;
      }
      batch_first_spike = spikes_.size();
      if (warm && (batch.minor_faults | batch.major_faults)) {
        ++events.ops_with_faults;
        if (batch.major_faults) ++events.ops_with_major_faults;
      }
      if (warm && batch.context_switches) ++events.ops_with_context_switches;
      if (warm) events.in_appends += ThreadEventCounts{batch.minor_faults, batch.major_faults, batch.context_switches};
    }
    if (t1 >= deadline) {
      ++i;
      break;
    }
  }
  probe.take(UINT64_MAX, sink);
  while (!bins_.empty() && bins_.back().ops == 0 &&
         bins_.back().minor_faults + bins_.back().major_faults + bins_.back().context_switches == 0)
    bins_.pop_back();
  const ThreadEventCounts total = probe.totals();
  if (!warm) at_warmup_end = total;
  events.warmup = at_warmup_end;
  events.measured = total - at_warmup_end;
  events.lost_samples = probe.lost_samples();
  events.throttle_events = probe.throttle_events();
  progress.ops.store(ops);
  progress.faults.store(total.faults());
  progress.done.store(true);
  while (!shared_.release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::map<int, TaskStat> thread_table() {
  std::map<int, TaskStat> table;
  for (auto& t : read_process_threads(::getpid())) table[t.tid] = t;
  return table;
}

// Faults and CPU per thread name between two thread tables (threads that ended in between
// are gone from `after` and are not counted).
std::vector<ThreadFaults> thread_deltas(const std::map<int, TaskStat>& before, const std::map<int, TaskStat>& after) {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  std::map<std::string, ThreadFaults> by_name;
  for (const auto& [tid, t] : after) {
    TaskStat base;
    if (auto it = before.find(tid); it != before.end()) base = it->second;
    ThreadFaults& f = by_name[t.name];
    f.name = t.name;
    f.minor_faults += t.minor_faults - base.minor_faults;
    f.major_faults += t.major_faults - base.major_faults;
    f.cpu_ms += (t.user_ticks + t.system_ticks - base.user_ticks - base.system_ticks) * 1000 / std::max(ticks, 1L);
  }
  std::vector<ThreadFaults> out;
  for (auto& [name, f] : by_name)
    if (f.minor_faults || f.major_faults || f.cpu_ms) out.push_back(f);
  std::sort(out.begin(), out.end(), [](const ThreadFaults& a, const ThreadFaults& b) {
    return a.minor_faults + a.major_faults > b.minor_faults + b.major_faults;
  });
  return out;
}

engine::EngineConfig engine_config(const WorkloadOptions& o, WriteMode mode) {
  engine::EngineConfig c;
  c.data_dir = o.data_dir + "/jitter-" + engine::write_mode_name(mode);
  c.segment_bytes = o.segment_bytes;
  c.write_mode = mode;
  c.flush_mode = o.flush;
  c.pool_buffers = o.pool_buffers;
  c.warm_ahead_bytes = o.warm_ahead_bytes;
  c.flush_interval_ms = o.flush_interval_ms;
  c.flush_dirty_bytes = o.flush_dirty_bytes;
  c.retention_bytes = o.retention_bytes;
  c.max_record_bytes =
      static_cast<uint32_t>(std::min<uint64_t>(std::max<uint32_t>(o.record_bytes, 1u << 20), o.segment_bytes - 4096));
  if (!o.helper_cpus.empty()) {
    // Engine threads inherit the main thread's placement already; this keeps them there
    // whichever thread starts them.
    c.placement.pin_thread = [cpus = o.helper_cpus](const char*) { (void)pin_current_thread(cpus); };
  }
  return c;
}

}  // namespace

Status pin_current_thread(const std::vector<unsigned>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (unsigned cpu : cpus)
    if (cpu < CPU_SETSIZE) CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0)
    return errno_error("pinning thread to CPUs " + numa::format_cpu_list(cpus), errno);
  return {};
}

uint64_t locked_bytes_for(const WorkloadOptions& options, WriteMode mode) {
  // Only the pool locks its memory when the store opens; mmap-locked locks a window at a time
  // as the writer advances (the pressure controller follows that as it happens).
  if (mode != WriteMode::kPool) return 0;
  return engine_config(options, mode).effective_mlock_budget_bytes();
}

double measure_timer_overhead_ns() {
  constexpr int kReads = 200'000;
  const uint64_t start = now_ns();
  volatile uint64_t last = 0;
  for (int i = 0; i < kReads; ++i) last = now_ns();
  return static_cast<double>(last - start) / kReads;
}

ModeResult run_mode(const WorkloadOptions& o, WriteMode mode, const RunControls& controls) {
  ModeResult result;
  result.mode = mode;
  result.name = engine::write_mode_name(mode);
  result.bin_ns = uint64_t{std::max<uint32_t>(o.bin_ms, 1)} * 1'000'000;
  const engine::EngineConfig config = engine_config(o, mode);
  std::error_code ec;
  std::filesystem::remove_all(config.data_dir, ec);

  // Let the pressure generator give up what this mode is about to lock, so every mode runs
  // with the same memory left for the page cache.
  const uint64_t locked_at_open = locked_bytes_for(o, mode);
  if (controls.pressure && locked_at_open) result.pressure_held_bytes = controls.pressure->hold(locked_at_open);
  auto opened = engine::MessageStore::open(config);
  if (controls.pressure && locked_at_open) controls.pressure->resume();
  if (!opened) {
    result.error = "opening the store: " + opened.error().to_string();
    return result;
  }
  std::unique_ptr<engine::MessageStore> store = std::move(*opened);

  const uint32_t producers = std::max<uint32_t>(o.producers, 1);
  const uint64_t total_ops = o.bytes_per_mode ? std::max<uint64_t>(1, o.bytes_per_mode / o.record_bytes) : 0;
  ModeShared shared;
  std::vector<std::unique_ptr<Producer>> workers;
  std::vector<std::unique_ptr<ProducerProgress>> progress;
  for (uint32_t p = 0; p < producers; ++p) {
    const uint64_t quota = total_ops ? total_ops / producers + (p < total_ops % producers ? 1 : 0) : 0;
    workers.push_back(std::make_unique<Producer>(o, *store, shared, p, quota, o.warmup_ops / producers));
    progress.push_back(std::make_unique<ProducerProgress>());
  }
  std::vector<std::thread> threads;
  for (uint32_t p = 0; p < producers; ++p) threads.emplace_back([&, p] { workers[p]->run(*progress[p]); });
  while (shared.ready.load() < static_cast<int>(producers)) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  const auto threads_before = thread_table();
  if (controls.sampler) {
    controls.sampler->sample_now();
    result.system_start = controls.sampler->latest();
  }
  result.start_ns = now_ns();
  shared.start_ns = result.start_ns;
  shared.go.store(true, std::memory_order_release);

  // Controller: progress once a second, interrupt handling, until every producer is done.
  uint64_t next_progress = result.start_ns + 1'000'000'000;
  for (;;) {
    const bool all_done = std::all_of(progress.begin(), progress.end(), [](auto& p) { return p->done.load(); });
    if (all_done) break;
    if (controls.interrupt && controls.interrupt->load()) {
      result.interrupted = true;
      shared.stop.store(true);
    }
    const uint64_t now = now_ns();
    if (controls.on_progress && now >= next_progress) {
      next_progress = now + 1'000'000'000;
      ProgressSnapshot snap;
      snap.mode = result.name;
      snap.mode_index = controls.mode_index;
      snap.mode_count = controls.mode_count;
      for (auto& p : progress) {
        snap.ops += p->ops.load(std::memory_order_relaxed);
        snap.max_latency_ns = std::max(snap.max_latency_ns, p->max_latency_ns.load(std::memory_order_relaxed));
        snap.spikes += p->spikes.load(std::memory_order_relaxed);
      }
      snap.bytes = snap.ops * o.record_bytes;
      snap.target_bytes = o.bytes_per_mode;
      snap.target_ms = o.duration_ms;
      snap.elapsed_s = static_cast<double>(now - result.start_ns) / 1e9;
      controls.on_progress(snap);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.end_ns = now_ns();
  result.seconds = static_cast<double>(result.end_ns - result.start_ns) / 1e9;
  if (controls.sampler) {
    controls.sampler->sample_now();
    result.system_end = controls.sampler->latest();
  }
  result.threads = thread_deltas(threads_before, thread_table());
  // The segments are still mapped: resolve where the writers' faults landed.
  std::error_code canonical_error;
  const auto segments =
      read_file_mappings(std::filesystem::weakly_canonical(config.data_dir, canonical_error).string() + "/commitlog/",
                         read_text_file("/proc/self/maps"));
  for (auto& w : workers) {
    for (const FaultSite& site : w->fault_sites_)
      ++w->events.fault_locations[static_cast<int>(locate_fault(site, segments))];
    for (Spike& spike : w->spikes_)
      if (spike.minor_faults + spike.major_faults) spike.fault_location = locate_fault(spike.fault_site, segments);
  }
  shared.release.store(true);
  for (auto& t : threads) t.join();
  result.locked_bytes = store->locked_bytes();
  if (auto s = store->close(); !s && shared.error.empty()) shared.error = "closing the store: " + s.error().to_string();
  result.durable_seconds = static_cast<double>(now_ns() - result.start_ns) / 1e9;
  store.reset();
  if (!o.keep_data) std::filesystem::remove_all(config.data_dir, ec);
  if (controls.engine_log) result.engine_messages = controls.engine_log->between(result.start_ns, now_ns());

  // Merge the producers.
  result.error = shared.error;
  for (auto& w : workers) {
    result.ops += w->ops;
    result.busy_retries += w->busy_retries;
    result.latency.merge(w->latency_hist);
    result.faulted_latency.merge(w->faulted_hist);
    result.other_latency.merge(w->other_hist);
    if (result.bins.size() < w->bins_.size()) result.bins.resize(w->bins_.size());
    for (size_t b = 0; b < w->bins_.size(); ++b) result.bins[b].merge(w->bins_[b]);
    for (const Spike& s : w->spikes_)
      if (result.spikes.size() < o.max_spikes_kept) result.spikes.push_back(s);
    result.spike_count += w->spike_count;
    WriterEvents& e = result.writer;
    const WriterEvents& we = w->events;
    if (e.backend.empty()) {
      e.backend = we.backend;
      e.per_operation = we.per_operation;
      e.sees_context_switches = we.sees_context_switches;
      e.backend_note = we.backend_note;
    }
    e.warmup += we.warmup;
    e.measured += we.measured;
    e.in_appends += we.in_appends;
    e.ops_with_faults += we.ops_with_faults;
    e.ops_with_major_faults += we.ops_with_major_faults;
    e.ops_with_context_switches += we.ops_with_context_switches;
    e.lost_samples += we.lost_samples;
    e.throttle_events += we.throttle_events;
    for (int k = 0; k < kFaultLocationCount; ++k) e.fault_locations[k] += we.fault_locations[k];
  }
  result.bytes = result.ops * o.record_bytes;
  result.warmup_ops = result.ops - std::min(result.ops, result.latency.count());
  std::sort(result.spikes.begin(), result.spikes.end(),
            [](const Spike& a, const Spike& b) { return a.at_ns < b.at_ns; });
  return result;
}

}  // namespace ringmq::perf
