#include "tuning/state_file.h"

#include <sstream>

#include "tuning/mount_option.h"

namespace ringmq::tuning {
namespace {

constexpr std::string_view kMagic = "ringmq-tune-state";
constexpr std::string_view kHeader =
    "# ringmq-tune state: what `apply` changed, so `ringmq-tune rollback` can undo it. Do not edit.\n";

std::string escape(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (c == '%' || c < 0x20 || c == 0x7f) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::optional<std::string> unescape(std::string_view text) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size() || digit(text[i + 1]) < 0 || digit(text[i + 2]) < 0) return std::nullopt;
    out += static_cast<char>(digit(text[i + 1]) * 16 + digit(text[i + 2]));
    i += 2;
  }
  return out;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  return fields;
}

}  // namespace

std::string_view record_kind_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::kKernelValue:
      return "value";
    case RecordKind::kCreatedDirectory:
      return "directory";
    case RecordKind::kCreatedFile:
      return "created";
    case RecordKind::kReplacedFile:
      return "replaced";
  }
  return "unknown";
}

const StateRecord* TuningState::find(const std::string& path) const {
  for (const auto& record : records)
    if (record.path == path) return &record;
  return nullptr;
}

std::string encode_state(const TuningState& state) {
  std::string out(kHeader);
  out += std::string(kMagic) + "\t1\n";
  out += "profile\t" + escape(state.profile) + "\n";
  for (const auto& record : state.records) {
    out += std::string(record_kind_name(record.kind)) + "\t" + escape(record.path);
    if (record.kind == RecordKind::kKernelValue || record.kind == RecordKind::kReplacedFile)
      out += "\t" + escape(record.old_value);
    out += "\n";
  }
  return out;
}

Result<TuningState> decode_state(std::string_view text) {
  TuningState state;
  bool seen_magic = false;
  size_t line_number = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    auto corrupt = [&](const std::string& why) {
      return make_error(ErrorCode::kCorrupt, "state file line " + std::to_string(line_number) + ": " + why);
    };
    auto fields = split_tabs(line);
    if (!seen_magic) {
      if (fields.size() != 2 || fields[0] != kMagic) return corrupt("not a ringmq-tune state file");
      if (fields[1] != "1") return corrupt("version " + std::string(fields[1]) + " is not supported");
      seen_magic = true;
      continue;
    }
    std::vector<std::string> values;
    for (size_t i = 1; i < fields.size(); ++i) {
      auto value = unescape(fields[i]);
      if (!value) return corrupt("bad %-escape");
      values.push_back(std::move(*value));
    }
    const std::string_view kind = fields[0];
    if (kind == "profile" && values.size() == 1) {
      state.profile = values[0];
    } else if ((kind == "value" || kind == "replaced") && values.size() == 2) {
      state.records.push_back(
          {kind == "value" ? RecordKind::kKernelValue : RecordKind::kReplacedFile, values[0], values[1]});
    } else if ((kind == "directory" || kind == "created") && values.size() == 1) {
      state.records.push_back(
          {kind == "directory" ? RecordKind::kCreatedDirectory : RecordKind::kCreatedFile, values[0], ""});
    } else {
      return corrupt("unknown record '" + std::string(kind) + "' with " + std::to_string(values.size()) + " fields");
    }
    // Kernel files and config files are absolute paths; a mount option is its pseudo-path.
    if (!state.records.empty() && !state.records.back().path.starts_with('/') &&
        !parse_mount_option_path(state.records.back().path))
      return corrupt("path '" + state.records.back().path + "' is not absolute");
  }
  if (!seen_magic) return make_error(ErrorCode::kCorrupt, "state file is empty");
  return state;
}

Result<std::optional<TuningState>> load_state(const SystemRoot& root, const std::string& path) {
  auto text = root.read_file(path);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return std::optional<TuningState>();
    return std::unexpected(text.error());
  }
  auto state = decode_state(*text);
  if (!state) return make_error(state.error().code, root.real_path(path) + ": " + state.error().message);
  return std::optional<TuningState>(std::move(*state));
}

Status save_state(SystemRoot& root, const std::string& path, const TuningState& state) {
  return root.write_config_file(path, encode_state(state));
}

}  // namespace ringmq::tuning
