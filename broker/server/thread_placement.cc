#include "broker/server/thread_placement.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "numa/cpu_list.h"
#include "numa/device_discovery.h"
#include "numa/memory_binding.h"
#include "numa/thread_pinning.h"

namespace ringmq::broker {
namespace {

// The data directory may not exist yet (the store creates it): ask about its nearest
// existing ancestor, which is on the same file system in every ordinary set-up.
std::string existing_ancestor(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  while (!p.empty() && !std::filesystem::exists(p, ec)) {
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  return p.empty() ? std::string("/") : p.string();
}

void log_lines(const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) spdlog::info("{}", text.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

std::vector<std::string> ThreadPlacement::engine_roles() { return {"flusher", "dispatcher", "allocator", "retention"}; }

std::unique_ptr<ThreadPlacement> ThreadPlacement::plan(const BrokerConfig& config) {
  std::unique_ptr<ThreadPlacement> placement(new ThreadPlacement());
  auto topology = numa::Topology::load_this_system();
  if (!topology) {
    spdlog::warn("NUMA placement skipped, threads are not pinned: {}", topology.error().message);
    return placement;
  }
  spdlog::info("topology: {}", topology->summary());

  numa::PlacementRequest request;
  if (auto disk = numa::block_device_of_path(existing_ancestor(config.engine.data_dir))) {
    request.block_device = *disk;
  } else {
    spdlog::info("data disk not located for NUMA placement: {}", disk.error().message);
  }
  if (auto nic = numa::network_interface_of_address(config.server.listen_host)) {
    request.network_interface = *nic;
  } else {
    spdlog::info("listen NIC not located for NUMA placement: {}", nic.error().message);
  }
  request.node = config.numa.node;
  if (!config.numa.cpus.empty()) {
    auto cpus = numa::parse_cpu_list(config.numa.cpus);
    if (!cpus) throw ConfigError("numa.cpus: " + cpus.error().message);
    request.cpus = *cpus;
  }
  request.roles = engine_roles();
  for (unsigned i = 0; i < config.server.network_threads; ++i) request.roles.push_back("net-" + std::to_string(i));

  auto plan = numa::PlacementPlan::build(*topology, request);
  if (!plan) {
    if (config.numa.node || !config.numa.cpus.empty())
      throw ConfigError("numa.node / numa.cpus: " + plan.error().message);
    spdlog::warn("NUMA placement skipped, threads are not pinned: {}", plan.error().message);
    return placement;
  }
  log_lines(plan->describe());
  if (!config.numa.pin_threads) {
    spdlog::info("numa.pin_threads = false: the plan above is not applied");
    return placement;
  }
  if (!topology->is_this_system()) return placement;
  placement->topology_.emplace(std::move(*topology));
  placement->plan_.emplace(std::move(*plan));
  return placement;
}

NetworkPlacement ThreadPlacement::network() const {
  if (!pinning()) return {};
  return NetworkPlacement{&*topology_, &*plan_};
}

void ThreadPlacement::apply_to(engine::EngineConfig& engine) const {
  if (!pinning()) return;
  const numa::Topology* topology = &*topology_;
  const numa::PlacementPlan* plan = &*plan_;
  engine.placement.pin_thread = [topology, plan](const char* role) {
    if (!plan->pu_of(role)) return;  // a thread the plan does not place runs anywhere
    if (auto s = numa::pin_current_thread(*topology, *plan, role); !s)
      spdlog::warn("engine thread {} not pinned: {}", role, s.error().message);
  };
  engine.placement.bind_memory = [topology, plan](void* data, size_t bytes) -> Status {
    return numa::bind_memory(*topology, data, bytes, plan->node());
  };
}

}  // namespace ringmq::broker
