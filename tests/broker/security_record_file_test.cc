// RecordFile: the checksummed text format of the security stores, and its field escaping.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "broker/security/record_file.h"
#include "tests/common/temp_dir.h"

namespace ringmq::broker::security {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

ErrorCode read_error(const std::string& path, std::string_view kind = "test-kind", int version = 1) {
  auto records = read_record_file(path, kind, version);
  EXPECT_FALSE(records);
  return records ? ErrorCode::kOk : records.error().code;
}

TEST(RecordFile, RoundTripsRecordsInOrder) {
  ringmq::test::TempDir dir;
  const std::string path = dir.path() + "/records";
  const std::vector<std::string> records = {"alice SCRAM-SHA-256 4096", "bob x", "%", "carol"};
  ASSERT_TRUE(write_record_file(path, "test-kind", 1, records));
  auto read = read_record_file(path, "test-kind", 1);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, records);
  EXPECT_TRUE(read_text(path).starts_with("test-kind 1\nalice SCRAM-SHA-256 4096\n"));

  ASSERT_TRUE(write_record_file(path, "test-kind", 1, {}));
  read = read_record_file(path, "test-kind", 1);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_TRUE(read->empty());
}

TEST(RecordFile, WritesAPrivateFile) {
  ringmq::test::TempDir dir;
  const std::string path = dir.path() + "/records";
  ASSERT_TRUE(write_record_file(path, "test-kind", 1, {}));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(RecordFile, AMissingFileIsNotFound) {
  ringmq::test::TempDir dir;
  auto read = read_record_file(dir.path() + "/absent", "test-kind", 1);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
}

TEST(RecordFile, APathThatCannotBeReadIsAnErrorNotAMissingFile) {
  ringmq::test::TempDir dir;
  // A symlink to itself: stat fails with ELOOP (root is not exempt, unlike EACCES). Reading
  // that as "no file" would hand the caller an empty store: no ACLs, no users.
  const std::string path = dir.path() + "/records";
  ASSERT_EQ(::symlink(path.c_str(), path.c_str()), 0);
  auto read = read_record_file(path, "test-kind", 1);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kIo) << read.error().message;
}

TEST(RecordFile, RefusesARecordWithANewline) {
  ringmq::test::TempDir dir;
  const std::string path = dir.path() + "/records";
  auto written = write_record_file(path, "test-kind", 1, std::vector<std::string>{"alice\nbob"});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(RecordFile, RefusesAnotherKindOrVersion) {
  ringmq::test::TempDir dir;
  const std::string path = dir.path() + "/records";
  ASSERT_TRUE(write_record_file(path, "test-kind", 1, std::vector<std::string>{"a"}));
  EXPECT_EQ(read_error(path, "other-kind", 1), ErrorCode::kCorrupt);
  EXPECT_EQ(read_error(path, "test-kind", 2), ErrorCode::kCorrupt);
  auto read = read_record_file(path, "test-kind", 2);
  EXPECT_NE(read.error().message.find(path), std::string::npos) << "names the file: " << read.error().message;
}

TEST(RecordFile, RefusesAnEditedOrTruncatedFile) {
  ringmq::test::TempDir dir;
  const std::string path = dir.path() + "/records";
  ASSERT_TRUE(write_record_file(path, "test-kind", 1, std::vector<std::string>{"alice 1", "bob 2"}));
  const std::string good = read_text(path);

  std::string edited = good;
  edited[good.find("bob")] = 'B';
  write_text(path, edited);
  EXPECT_EQ(read_error(path), ErrorCode::kCorrupt);

  std::string bad_checksum = good;
  bad_checksum[good.size() - 2] = bad_checksum[good.size() - 2] == '0' ? '1' : '0';
  write_text(path, bad_checksum);
  EXPECT_EQ(read_error(path), ErrorCode::kCorrupt);

  for (const size_t size : {size_t{0}, size_t{1}, good.size() / 2, good.size() - 1}) {
    write_text(path, good.substr(0, size));
    EXPECT_EQ(read_error(path), ErrorCode::kCorrupt) << "cut at " << size;
  }

  const size_t checksum_line = good.rfind("crc32c");
  write_text(path, good.substr(0, checksum_line));
  EXPECT_EQ(read_error(path), ErrorCode::kCorrupt) << "no checksum line";
}

TEST(RecordFile, EscapingRoundTripsEveryByteValue) {
  std::string all;
  for (int byte = 0; byte < 256; ++byte) all += static_cast<char>(byte);
  const std::string escaped = escape_field(all);
  for (const char c : escaped) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte > ' ' && byte < 0x7f) << "byte " << int{byte} << " would break the line format";
  }
  auto back = unescape_field(escaped);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, all);

  for (int byte = 0; byte < 256; ++byte) {
    const std::string one(1, static_cast<char>(byte));
    auto single = unescape_field(escape_field(one));
    ASSERT_TRUE(single) << byte;
    EXPECT_EQ(*single, one) << byte;
  }
}

TEST(RecordFile, TheEmptyFieldIsAPercentSign) {
  EXPECT_EQ(escape_field(""), "%");
  auto back = unescape_field("%");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "");
  EXPECT_EQ(escape_field("%"), "%25");
  EXPECT_EQ(escape_field("a b"), "a%20b");
}

TEST(RecordFile, RefusesMalformedEscapes) {
  for (const std::string_view field : {"%4", "a%", "%ZZ", "%G1", "%%"}) {
    auto back = unescape_field(field);
    ASSERT_FALSE(back) << field;
    EXPECT_EQ(back.error().code, ErrorCode::kCorrupt) << field;
  }
}

TEST(RecordFile, EscapedFieldsSplitBackApart) {
  const std::vector<std::string> fields = {"with space", "", "new\nline", "plain"};
  std::string record;
  for (const std::string& field : fields) record += (record.empty() ? "" : " ") + escape_field(field);
  const std::vector<std::string_view> split = split_fields(record);
  ASSERT_EQ(split.size(), fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    auto back = unescape_field(split[i]);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, fields[i]);
  }
}

}  // namespace
}  // namespace ringmq::broker::security
