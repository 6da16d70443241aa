#include "broker/server/logging.h"

#include <pthread.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "common/json_writer.h"

namespace ringmq::broker {
namespace {

// The thread's name, read once per thread (pthread_getname_np reads /proc for the calling
// thread on glibc) or set by set_thread_name.
thread_local std::string t_thread_name;

const std::string& current_thread_name() {
  if (t_thread_name.empty()) {
    char name[16] = {};
    if (::pthread_getname_np(::pthread_self(), name, sizeof name) != 0 || name[0] == '\0')
      std::snprintf(name, sizeof name, "thread");
    t_thread_name = name;
  }
  return t_thread_name;
}

// "2024-05-01T12:00:00.123Z" (UTC, milliseconds).
void append_timestamp(std::chrono::system_clock::time_point time, spdlog::memory_buf_t& dest) {
  const auto since_epoch = time.time_since_epoch();
  const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  dest.append(text, text + n);
  fmt::format_to(std::back_inserter(dest), ".{:03}Z", millis);
}

// %N in a text pattern: the thread name.
class ThreadNameFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string& name = current_thread_name();
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<ThreadNameFlag>(); }
};

// %Z in a text pattern: ISO-8601 UTC timestamp with milliseconds.
class UtcTimestampFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    append_timestamp(msg.time, dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<UtcTimestampFlag>(); }
};

// %P in a text pattern: the syslog priority prefix journald reads ("<6>" for info).
class JournalPriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    int priority = 6;
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        priority = 7;
        break;
      case spdlog::level::warn:
        priority = 4;
        break;
      case spdlog::level::err:
        priority = 3;
        break;
      case spdlog::level::critical:
        priority = 2;
        break;
      default:
        break;
    }
    fmt::format_to(std::back_inserter(dest), "<{}>", priority);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JournalPriorityFlag>(); }
};

bool is_field_key_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; }

// One JSON object per line: ts, level, thread, msg, then the message's key=value fields.
class JsonLineFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    auto append = [&dest](std::string_view s) { dest.append(s.data(), s.data() + s.size()); };
    append("{\"ts\":\"");
    append_timestamp(msg.time, dest);
    append("\",\"level\":\"");
    const auto level = spdlog::level::to_string_view(msg.level);
    append(std::string_view(level.data(), level.size()));
    append("\",\"thread\":\"");
    append(json_escape(current_thread_name()));
    append("\",\"msg\":\"");
    append(json_escape(text));
    append("\"");
    append_fields(text, dest);
    append("}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLineFormatter>(); }

 private:
  // key=value tokens, separated by spaces; a value runs to the next space (a trailing ',', ';'
  // or ':' is punctuation, not part of it). Keys that would shadow the fixed fields are skipped.
  static void append_fields(std::string_view text, spdlog::memory_buf_t& dest) {
    size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && text[i] == ' ') ++i;
      const size_t token_start = i;
      while (i < text.size() && text[i] != ' ') ++i;
      std::string_view token = text.substr(token_start, i - token_start);
      const size_t equals = token.find('=');
      if (equals == 0 || equals == std::string_view::npos || equals + 1 == token.size()) continue;
      std::string_view key = token.substr(0, equals), value = token.substr(equals + 1);
      bool valid = key.front() >= 'a' && key.front() <= 'z';
      for (char c : key) valid = valid && is_field_key_char(c);
      if (!valid || key == "ts" || key == "level" || key == "thread" || key == "msg") continue;
      while (!value.empty() && (value.back() == ',' || value.back() == ';' || value.back() == ':'))
        value.remove_suffix(1);
      const std::string escaped_value = json_escape(value);
      fmt::format_to(std::back_inserter(dest), ",\"{}\":\"{}\"", key, escaped_value);
    }
  }
};

}  // namespace

void set_thread_name(const std::string& name) {
  const std::string truncated = name.substr(0, 15);
  ::pthread_setname_np(::pthread_self(), truncated.c_str());
  t_thread_name = truncated;
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  unsigned long long device = 0, inode = 0;
  if (stream == nullptr || std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  return ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == device && st.st_ino == inode;
}

void setup_logging(const LogConfig& config) { setup_logging(config, stderr_is_journal()); }

void setup_logging(const LogConfig& config, bool journal) {
  const auto level = spdlog::level::from_str(config.level);
  if (level == spdlog::level::off && config.level != "off")
    throw ConfigError("log.level must be one of trace, debug, info, warn, error, critical, off (got \"" + config.level +
                      "\")");
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(
      config.format == LogFormat::kJson || journal ? spdlog::color_mode::never : spdlog::color_mode::automatic);
  auto logger = std::make_shared<spdlog::logger>("ringmq", sink);
  if (config.format == LogFormat::kJson) {
    logger->set_formatter(std::make_unique<JsonLineFormatter>());
  } else {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<UtcTimestampFlag>('Z').add_flag<ThreadNameFlag>('N').add_flag<JournalPriorityFlag>('P');
    formatter->set_pattern(journal ? "%P[%N] %v" : "%Z %^%-5l%$ [%N] %v");
    logger->set_formatter(std::move(formatter));
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace ringmq::broker
