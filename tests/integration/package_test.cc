// The Debian package as an operator meets it, on this machine (the test runs as root):
// built with CPack from this build tree, installed with dpkg -i, its files, service user and
// conffiles checked, the unit checked with systemd-analyze verify, the installed broker run
// exactly as the unit's ExecStart runs it (as user ringmq, with the unit's limits, announcing
// READY=1 and STOPPING=1 on $NOTIFY_SOCKET), reached with kcat, its /metrics checked against
// every metric the installed dashboard and alert rules query; then removed and purged, with
// the data directory kept. The machine is left as it was found (user and data removed last).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "tests/common/fake_notify_socket.h"
#include "tests/common/require.h"
#include "tests/common/temp_dir.h"
#include "tests/integration/broker_process.h"

namespace ringmq::test {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

// Metric families in a Prometheus exposition (its # TYPE lines), with a histogram's
// _bucket/_sum/_count series.
std::set<std::string> exported_series(const std::string& exposition) {
  std::set<std::string> out;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("# TYPE ")) continue;
    std::istringstream fields(line.substr(7));
    std::string name, type;
    fields >> name >> type;
    out.insert(name);
    if (type == "histogram")
      for (const char* suffix : {"_bucket", "_sum", "_count"}) out.insert(name + suffix);
  }
  return out;
}

class DebianPackage : public ::testing::Test {
 protected:
  void SetUp() override {
    RINGMQ_REQUIRE_CAPABILITY(::geteuid() == 0, "root, to install a package (run the tests as root)");
    auto [rc, out] = run_command("dpkg-query -W -f='${Status}' ringmq 2>/dev/null");
    RINGMQ_REQUIRE_CAPABILITY(out.find("installed") == std::string::npos && !fs::exists("/var/lib/ringmq"),
                              "a machine without a ringmq package or /var/lib/ringmq (the test installs, runs and "
                              "removes its own, and would take those over)");
    owns_machine_state_ = true;
  }
  void TearDown() override {
    if (!owns_machine_state_) return;
    run_command(
        "dpkg -P ringmq >/dev/null 2>&1; rm -rf /var/lib/ringmq; "
        "getent passwd ringmq >/dev/null && deluser --quiet --system ringmq; "
        "getent group ringmq >/dev/null && delgroup --quiet --system ringmq; true");
  }
  ringmq::test::TempDir work_;
  bool owns_machine_state_ = false;  // SetUp passed: TearDown may remove the package, user and data
};

TEST_F(DebianPackage, InstallsRunsAsItsUnitWouldAndKeepsDataOnRemoval) {
  // Build the package from this build tree.
  auto [rc, out] = run_command("cd " RINGMQ_BUILD_DIR " && cpack -G DEB -B " + work_.path() + " 2>&1");
  ASSERT_EQ(rc, 0) << out;
  std::string deb;
  for (const auto& e : fs::directory_iterator(work_.path()))
    if (e.path().extension() == ".deb") deb = e.path();
  ASSERT_FALSE(deb.empty()) << out;

  // Its control data: library dependencies computed, the config a conffile.
  std::tie(rc, out) = run_command("dpkg-deb -f " + deb + " Depends");
  EXPECT_NE(out.find("liburing"), std::string::npos) << out;
  EXPECT_NE(out.find("adduser"), std::string::npos) << out;

  std::tie(rc, out) = run_command("DEBIAN_FRONTEND=noninteractive dpkg -i " + deb + " 2>&1");
  ASSERT_EQ(rc, 0) << out;
  for (const char* path :
       {"/usr/bin/ringmq-broker", "/usr/bin/ringmq-admin", "/usr/bin/ringmq-tune", "/usr/bin/ringmq-jitter",
        "/etc/ringmq/ringmq.toml", "/usr/lib/systemd/system/ringmq.service", "/usr/share/man/man1/ringmq-broker.1",
        "/usr/share/ringmq/ringmq-dashboard.json", "/usr/share/ringmq/ringmq-alerts.yml",
        "/usr/share/doc/ringmq/README.md"})
    EXPECT_TRUE(fs::exists(path)) << path;
  EXPECT_NE(read_file("/etc/ringmq/ringmq.toml").find("\ndata_dir = \"/var/lib/ringmq\""), std::string::npos);
  std::tie(rc, out) = run_command("dpkg-query -W -f='${Conffiles}' ringmq");
  EXPECT_NE(out.find("/etc/ringmq/ringmq.toml"), std::string::npos) << out;
  std::tie(rc, out) = run_command("getent passwd ringmq");
  EXPECT_EQ(rc, 0) << "no ringmq user";
  EXPECT_NE(out.find("/var/lib/ringmq"), std::string::npos) << out;
  std::tie(rc, out) = run_command("stat -c %U:%a /var/lib/ringmq");
  EXPECT_EQ(out, "ringmq:750\n");

  // The units pass systemd's own check.
  std::tie(rc, out) = run_command(
      "systemd-analyze verify /usr/lib/systemd/system/ringmq.service /usr/lib/systemd/system/ringmq-tune.service 2>&1");
  EXPECT_EQ(rc, 0) << out;
  const std::string unit = read_file("/usr/lib/systemd/system/ringmq.service");
  for (const char* line : {"Type=notify", "LimitMEMLOCK=infinity", "User=ringmq", "StateDirectory=ringmq"})
    EXPECT_NE(unit.find(std::string("\n") + line + "\n"), std::string::npos) << line;
  const size_t exec_at = unit.find("\nExecStart=");
  ASSERT_NE(exec_at, std::string::npos);
  const std::string exec_start = unit.substr(exec_at + 11, unit.find('\n', exec_at + 1) - exec_at - 11);
  EXPECT_EQ(exec_start, "/usr/bin/ringmq-broker --config /etc/ringmq/ringmq.toml");

  // Run it as the unit does: user ringmq, its limits, its working directory, $NOTIFY_SOCKET.
  // Raising the memlock limit needs CAP_SYS_RESOURCE, which a container may lack: then the
  // broker gets this machine's allowance, and must fall back to mmap and say so.
  const std::string limits = "prlimit --memlock=unlimited:unlimited --nofile=1048576:1048576";
  const bool unit_limits = run_command(limits + " true 2>/dev/null").first == 0;
  const std::string notify_path = work_.path() + "/notify";
  FakeNotifySocket notify(notify_path);
  ::chmod(work_.path().c_str(), 0755);
  std::tie(rc, out) =
      run_command("cd /var/lib/ringmq && NOTIFY_SOCKET=" + notify_path + " " + (unit_limits ? limits : std::string()) +
                  " runuser -u ringmq -- " + exec_start + " > " + work_.path() + "/broker.log 2>&1 & echo $!");
  ASSERT_EQ(rc, 0);
  const std::string pid = out.substr(0, out.find('\n'));
  const std::string ready = notify.receive(120);
  ASSERT_TRUE(ready.starts_with("READY=1")) << "no READY=1 from the broker: '" << ready << "'\n"
                                            << read_file(work_.path() + "/broker.log");
  std::tie(rc, out) = run_command(
      "printf 'one\\ntwo\\n' | timeout 60 kcat -b 127.0.0.1:9092 -t installed -P && "
      "timeout 60 kcat -b 127.0.0.1:9092 -t installed -C -o beginning -e -q");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(lines_of(out), (std::set<std::string>{"one", "two"}));

  // Every metric the installed dashboard and alert rules query is one the broker exports.
  std::tie(rc, out) = run_command(
      "bash -c \"exec 3<>/dev/tcp/127.0.0.1/9644 && printf 'GET /metrics HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n' >&3 && "
      "timeout 5 cat <&3\"");
  ASSERT_EQ(rc, 0) << out;
  const std::set<std::string> exported = exported_series(out);
  EXPECT_TRUE(exported.contains("ringmq_engine_disk_full")) << out;
  if (unit_limits) {
    EXPECT_NE(out.find("\nringmq_engine_write_mode_fallback 0"), std::string::npos) << out;
  } else {
    EXPECT_NE(out.find("\nringmq_engine_write_mode_fallback 1"), std::string::npos) << out;
    EXPECT_NE(out.find(R"(ringmq_engine_write_mode{mode="mmap",configured="pool"} 1)"), std::string::npos) << out;
  }
  for (const char* file : {"/usr/share/ringmq/ringmq-dashboard.json", "/usr/share/ringmq/ringmq-alerts.yml"}) {
    auto [names_rc, names] =
        run_command("python3 " RINGMQ_SOURCE_DIR "/tests/integration/metric_names.py " + std::string(file) + " 2>&1");
    ASSERT_EQ(names_rc, 0) << file << ": " << names;
    for (const std::string& name : lines_of(names)) EXPECT_TRUE(exported.contains(name)) << file << " queries " << name;
  }
  std::tie(rc, out) = run_command("ls /var/lib/ringmq/commitlog | head -1");
  EXPECT_FALSE(out.empty()) << "the installed broker did not write under /var/lib/ringmq";

  // SIGTERM: STOPPING=1, then a clean exit.
  run_command("kill -TERM " + pid);
  EXPECT_TRUE(notify.receive(30).starts_with("STOPPING=1"));
  std::tie(rc, out) =
      run_command("for i in $(seq 300); do kill -0 " + pid + " 2>/dev/null || exit 0; sleep 0.1; done; exit 1");
  EXPECT_EQ(rc, 0) << "the broker did not stop within 30 s";
  EXPECT_NE(read_file(work_.path() + "/broker.log").find("stopped cleanly"), std::string::npos)
      << read_file(work_.path() + "/broker.log");

  // Remove: programs go, the config (a conffile) and the data stay. Purge: the config goes,
  // the data still stays.
  std::tie(rc, out) = run_command("dpkg -r ringmq 2>&1");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_FALSE(fs::exists("/usr/bin/ringmq-broker"));
  EXPECT_TRUE(fs::exists("/etc/ringmq/ringmq.toml"));
  EXPECT_TRUE(fs::exists("/var/lib/ringmq/commitlog"));
  std::tie(rc, out) = run_command("dpkg -P ringmq 2>&1");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_FALSE(fs::exists("/etc/ringmq/ringmq.toml"));
  EXPECT_TRUE(fs::exists("/var/lib/ringmq/commitlog")) << "purging the package deleted the data";
}

}  // namespace
}  // namespace ringmq::test
