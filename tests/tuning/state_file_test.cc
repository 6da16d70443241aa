#include "tuning/state_file.h"

#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"
#include "tests/tuning/fake_host.h"

namespace ringmq::tuning {
namespace {

TuningState sample_state() {
  return TuningState{"latency",
                     {{RecordKind::kCreatedDirectory, "/var/lib/ringmq-tune", ""},
                      {RecordKind::kKernelValue, "/proc/sys/vm/swappiness", "60"},
                      {RecordKind::kKernelValue, "/sys/block/sda/queue/write_cache", "write back"},
                      {RecordKind::kCreatedFile, "/etc/sysctl.d/90-ringmq.conf", ""},
                      {RecordKind::kReplacedFile, "/etc/tmpfiles.d/ringmq.conf", "a\tb\n100%\n"}}};
}

TEST(StateFile, EncodesToTheDocumentedGoldenBytes) {
  const std::string golden =
      "# ringmq-tune state: what `apply` changed, so `ringmq-tune rollback` can undo it. Do not edit.\n"
      "ringmq-tune-state\t1\n"
      "profile\tlatency\n"
      "directory\t/var/lib/ringmq-tune\n"
      "value\t/proc/sys/vm/swappiness\t60\n"
      "value\t/sys/block/sda/queue/write_cache\twrite back\n"
      "created\t/etc/sysctl.d/90-ringmq.conf\n"
      "replaced\t/etc/tmpfiles.d/ringmq.conf\ta%09b%0A100%25%0A\n";
  EXPECT_EQ(encode_state(sample_state()), golden);
}

TEST(StateFile, DecodeReversesEncodeForAnyBytes) {
  TuningState state = sample_state();
  state.records.push_back({RecordKind::kReplacedFile, "/etc/x", std::string("\x01\x7f\r%%\t", 6)});
  auto decoded = decode_state(encode_state(state));
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(*decoded, state);
}

TEST(StateFile, RejectsAFileWithoutTheMagicLine) {
  auto decoded = decode_state("profile\tlatency\n");
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kCorrupt);
}

TEST(StateFile, RejectsUnknownRecordsAndBadEscapesNamingTheLine) {
  auto unknown = decode_state("ringmq-tune-state\t1\nfrobnicate\t/x\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("line 2"), std::string::npos);
  EXPECT_FALSE(decode_state("ringmq-tune-state\t1\nvalue\t/x\t%G1\n"));
  EXPECT_FALSE(decode_state("ringmq-tune-state\t2\n"));
  EXPECT_FALSE(decode_state("ringmq-tune-state\t1\ncreated\trelative/path\n"));
}

TEST(StateFile, LoadReturnsNothingWhenThereIsNoStateFile) {
  ringmq::test::TempDir dir;
  SystemRoot root(dir.path());
  auto state = load_state(root, kDefaultStatePath);
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->has_value());
}

TEST(StateFile, SaveThenLoadRoundTripsUnderTheRoot) {
  ringmq::test::TempDir dir;
  test::put(dir.path(), "/var/lib/ringmq-tune/.keep", "");
  SystemRoot root(dir.path());
  ASSERT_TRUE(save_state(root, kDefaultStatePath, sample_state()));
  auto state = load_state(root, kDefaultStatePath);
  ASSERT_TRUE(state && state->has_value());
  EXPECT_EQ(**state, sample_state());
}

}  // namespace
}  // namespace ringmq::tuning
