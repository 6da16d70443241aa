#include "broker/security/record_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "common/crc32c.h"
#include "io/file.h"

namespace ringmq::broker::security {
namespace {

constexpr std::string_view kChecksumPrefix = "crc32c ";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string checksum_line(std::string_view body) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", crc32c(0, body.data(), body.size()));
  return std::string(kChecksumPrefix) + text;
}

}  // namespace

Status write_record_file(const std::string& path, std::string_view kind, int version,
                         std::span<const std::string> records) {
  std::string body = std::string(kind) + " " + std::to_string(version) + "\n";
  for (const std::string& record : records) {
    // An unescaped newline would read back as two records under a valid checksum: a field
    // from a client could add a record of its choosing.
    if (record.find('\n') != std::string::npos)
      return make_error(ErrorCode::kInvalidArgument, path + ": a record contains a newline (fields not escaped)");
    body += record + "\n";
  }
  body += checksum_line(body) + "\n";
  return io::write_file_atomically(path, std::as_bytes(std::span(body)), 0600);
}

Result<std::vector<std::string>> read_record_file(const std::string& path, std::string_view kind, int version) {
  // Only ENOENT is "no file yet". Any other failure (EACCES, ELOOP, EIO) must not read as an
  // empty store: for ACLs with allow.everyone.if.no.acl.found that would open every resource.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return make_error(ErrorCode::kNotFound, path + " does not exist");
    return errno_error("stat " + path, errno);
  }
  auto bytes = io::read_whole_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  auto corrupt = [&](const std::string& what) { return make_error(ErrorCode::kCorrupt, path + ": " + what); };
  if (text.empty() || text.back() != '\n') return corrupt("truncated (no final newline)");
  const size_t last_line = text.rfind('\n', text.size() - 2);
  if (last_line == std::string_view::npos) return corrupt("no checksum line");
  const std::string_view body = text.substr(0, last_line + 1);
  const std::string_view stored = text.substr(last_line + 1, text.size() - last_line - 2);
  if (stored != checksum_line(body)) return corrupt("checksum mismatch (the file was cut short or edited by hand)");
  const std::string expected_header = std::string(kind) + " " + std::to_string(version);
  const size_t header_end = body.find('\n');
  if (body.substr(0, header_end) != expected_header)
    return corrupt("expected header \"" + expected_header + "\", found \"" + std::string(body.substr(0, header_end)) +
                   "\"");
  std::vector<std::string> records;
  size_t at = header_end + 1;
  while (at < body.size()) {
    const size_t end = body.find('\n', at);
    records.emplace_back(body.substr(at, end - at));
    at = end + 1;
  }
  return records;
}

std::string escape_field(std::string_view text) {
  if (text.empty()) return "%";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '%' || byte <= ' ' || byte >= 0x7f) {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::string> unescape_field(std::string_view field) {
  if (field == "%") return std::string();
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '%') {
      out += field[i];
      continue;
    }
    if (i + 2 >= field.size())
      return make_error(ErrorCode::kCorrupt, "truncated escape in \"" + std::string(field) + "\"");
    const int high = hex_value(field[i + 1]), low = hex_value(field[i + 2]);
    if (high < 0 || low < 0) return make_error(ErrorCode::kCorrupt, "bad escape in \"" + std::string(field) + "\"");
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::vector<std::string_view> split_fields(std::string_view record) {
  std::vector<std::string_view> fields;
  size_t at = 0;
  while (true) {
    const size_t space = record.find(' ', at);
    fields.push_back(record.substr(at, space == std::string_view::npos ? std::string_view::npos : space - at));
    if (space == std::string_view::npos) return fields;
    at = space + 1;
  }
}

}  // namespace ringmq::broker::security
