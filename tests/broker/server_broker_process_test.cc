// The real ringmq-broker binary as a subprocess: it starts, serves the Kafka port and
// /metrics, and on SIGTERM (or SIGINT) stops cleanly — exit code 0, and the store's clean
// shutdown leaves a checkpoint and no `abort` marker. Also the exit codes of bad start-ups.
//
// The binary is RINGMQ_BROKER_BINARY (environment), else RINGMQ_BROKER_BINARY_PATH (compile
// definition), else <build>/broker/ringmq-broker beside this test's build tree; without one the
// tests skip.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "broker/server/signals.h"
#include "tests/broker/server_test_support.h"
#include "tests/common/temp_dir.h"

namespace ringmq::broker {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string broker_binary() {
  if (const char* path = std::getenv("RINGMQ_BROKER_BINARY"); path && *path) return path;
#ifdef RINGMQ_BROKER_BINARY_PATH  // set by CMake when the test target depends on ringmq-broker
  return RINGMQ_BROKER_BINARY_PATH;
#endif
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  // <build>/tests/broker/<this binary>  ->  <build>/broker/ringmq-broker
  const fs::path candidate = self.parent_path().parent_path().parent_path() / "broker" / "ringmq-broker";
  return fs::exists(candidate) ? candidate.string() : "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A broker child process whose stdout and stderr go to a file.
class BrokerProcess {
 public:
  BrokerProcess(const std::string& binary, std::vector<std::string> args, std::string log_path)
      : log_path_(std::move(log_path)) {
    args.insert(args.begin(), binary);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      ::dup2(log, 1);
      ::dup2(log, 2);
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      // The test binary may have blocked signals (ShutdownSignals); the broker starts clean.
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~BrokerProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  std::string log() const { return read_file(log_path_); }

  // Waits for `pattern` in the log; its first capture group, or nullopt.
  std::optional<std::string> wait_for_log(const std::regex& pattern, std::chrono::milliseconds timeout = 30000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch match;
      const std::string text = log();
      if (std::regex_search(text, match, pattern)) return match.size() > 1 ? match[1].str() : match[0].str();
      if (finished()) return std::nullopt;
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }

  void signal(int number) { ::kill(pid_, number); }

  // The exit code, -1 if it did not exit normally within `timeout` (it is then killed).
  int wait_exit(std::chrono::milliseconds timeout = 30000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!finished()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
        exited_ = true;
        return -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }

 private:
  bool finished() {
    if (exited_) return true;
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
    return exited_;
  }

  std::string log_path_;
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

std::vector<std::string> small_broker_args(const std::string& data_dir) {
  return {"--data-dir",   data_dir,
          "--port",       "0",
          "--write-mode", "mmap",
          "--set",        "engine.segment_bytes=4MiB",
          "--set",        "engine.max_record_bytes=1MiB",
          "--set",        "engine.index_entries_per_file=1024",
          "--set",        "metrics.port=0",
          "--set",        "server.shutdown_timeout_ms=2000"};
}

class BrokerProcessTest : public testing::Test {
 protected:
  void SetUp() override {
    binary_ = broker_binary();
    ASSERT_FALSE(binary_.empty()) << "ringmq-broker not built (set RINGMQ_BROKER_BINARY)";
  }
  std::string binary_;
  ringmq::test::TempDir dir_;
};

void expect_clean_stop(int signal_number, const std::string& binary, const std::string& dir) {
  const std::string data_dir = dir + "/data";
  BrokerProcess broker(binary, small_broker_args(data_dir), dir + "/broker.log");
  auto kafka_port = broker.wait_for_log(std::regex(R"(ready: kafka=127\.0\.0\.1:(\d+))"));
  ASSERT_TRUE(kafka_port) << broker.log();
  auto metrics_port = broker.wait_for_log(std::regex(R"(metrics=127\.0\.0\.1:(\d+))"));
  ASSERT_TRUE(metrics_port) << broker.log();
  EXPECT_TRUE(fs::exists(data_dir + "/abort")) << "a running store keeps its abort marker";

  {  // The Kafka port accepts connections.
    test::TestClient client(static_cast<uint16_t>(std::stoi(*kafka_port)));
    EXPECT_GE(client.fd(), 0);
  }
  {  // /metrics answers with the engine's offsets.
    test::TestClient client(static_cast<uint16_t>(std::stoi(*metrics_port)));
    client.send(test::text_bytes("GET /metrics HTTP/1.1\r\n\r\n"));
    std::string reply;
    std::byte byte;
    while (client.read_exact(&byte, 1, 5000ms)) reply += static_cast<char>(byte);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 200 OK")) << reply.substr(0, 200);
    EXPECT_NE(reply.find("ringmq_engine_flushed_offset_bytes"), std::string::npos);
  }

  broker.signal(signal_number);
  EXPECT_EQ(broker.wait_exit(), 0) << broker.log();
  EXPECT_FALSE(fs::exists(data_dir + "/abort")) << "no clean-shutdown marker:\n" << broker.log();
  EXPECT_TRUE(fs::exists(data_dir + "/checkpoint"));
  EXPECT_NE(broker.log().find("stopped cleanly"), std::string::npos) << broker.log();
}

TEST_F(BrokerProcessTest, SigtermStopsCleanly) { expect_clean_stop(SIGTERM, binary_, dir_.path()); }

TEST_F(BrokerProcessTest, SigintStopsCleanly) { expect_clean_stop(SIGINT, binary_, dir_.path()); }

TEST_F(BrokerProcessTest, RestartAfterACleanStopFindsNoCrash) {
  expect_clean_stop(SIGTERM, binary_, dir_.path());
  BrokerProcess again(binary_, small_broker_args(dir_.path() + "/data"), dir_.path() + "/again.log");
  ASSERT_TRUE(again.wait_for_log(std::regex("ready: kafka="))) << again.log();
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait_exit(), 0) << again.log();
}

TEST_F(BrokerProcessTest, ConfigurationErrorExitsWithTwoAndNamesTheKey) {
  BrokerProcess broker(binary_, {"--set", "server.network_threads=0"}, dir_.path() + "/broker.log");
  EXPECT_EQ(broker.wait_exit(), 2);
  EXPECT_NE(broker.log().find("server.network_threads"), std::string::npos) << broker.log();
}

TEST_F(BrokerProcessTest, StoreThatCannotOpenExitsWithOne) {
  std::ofstream(dir_.path() + "/not-a-directory") << "x";
  auto args = small_broker_args(dir_.path() + "/not-a-directory/data");
  BrokerProcess broker(binary_, args, dir_.path() + "/broker.log");
  EXPECT_EQ(broker.wait_exit(), 1);
  EXPECT_NE(broker.log().find("cannot open the store"), std::string::npos) << broker.log();
}

TEST_F(BrokerProcessTest, PrintConfigShowsTheEffectiveSettings) {
  BrokerProcess broker(binary_, {"--port", "19093", "--print-config"}, dir_.path() + "/out.txt");
  EXPECT_EQ(broker.wait_exit(), 0);
  EXPECT_NE(broker.log().find("listen_port = 19093"), std::string::npos) << broker.log();
}

TEST(ShutdownSignals, SigtermBecomesReadableInsteadOfKilling) {
  ShutdownSignals signals;
  EXPECT_FALSE(signals.wait_for(10ms));
  ::raise(SIGTERM);  // directed at this thread, which has it blocked: stays pending
  auto received = signals.wait_for(1000ms);
  ASSERT_TRUE(received);
  EXPECT_EQ(*received, SIGTERM);
  EXPECT_STREQ(ShutdownSignals::name(*received), "SIGTERM");
}

}  // namespace
}  // namespace ringmq::broker
