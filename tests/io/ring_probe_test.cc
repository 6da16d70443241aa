#include "io/ring_probe.h"

#include <gtest/gtest.h>
#include <liburing.h>

#include <string>

namespace ringmq::io {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(RingProbe, ReportsWriteFixedAndFsyncOnThisKernel) {
  auto probe = RingProbe::detect();
  ASSERT_TRUE(probe) << probe.error().to_string();
  EXPECT_TRUE(probe->has(IORING_OP_WRITE_FIXED));
  EXPECT_TRUE(probe->has(IORING_OP_READ_FIXED));
  EXPECT_TRUE(probe->has(IORING_OP_FSYNC));
  EXPECT_TRUE(probe->has(IORING_OP_WRITE));
  EXPECT_TRUE(probe->has_feature(IORING_FEAT_NODROP));
  EXPECT_TRUE(probe->check_required());
  std::printf("%s\n", probe->describe().c_str());
}

TEST(RingProbe, DescribeNamesTheKernelAndWhatIsPresent) {
  auto probe = RingProbe::detect();
  ASSERT_TRUE(probe) << probe.error().to_string();
  const std::string text = probe->describe();
  EXPECT_TRUE(contains(text, "Linux " + probe->kernel_release())) << text;
  EXPECT_TRUE(contains(text, "WRITE_FIXED")) << text;
  EXPECT_TRUE(contains(text, "NODROP")) << text;
  EXPECT_TRUE(contains(text, "SQPOLL")) << text;
}

TEST(RingProbe, MissingOptionalOpcodeIsNamedWithItsFallback) {
  std::bitset<256> opcodes;
  for (int op : {IORING_OP_READ, IORING_OP_WRITE, IORING_OP_FSYNC}) opcodes.set(op);
  const RingProbe probe(opcodes, IORING_FEAT_NODROP, false, "5.6.0-test");
  EXPECT_TRUE(probe.check_required());
  const std::string text = probe.describe();
  EXPECT_TRUE(contains(text, "missing:")) << text;
  EXPECT_TRUE(contains(text, "WRITE_FIXED (registered-buffer writes use plain WRITE)")) << text;
  EXPECT_TRUE(contains(text, "FEAT_EXT_ARG")) << text;
  EXPECT_TRUE(contains(text, "SQPOLL refused")) << text;
}

TEST(RingProbe, MissingRequiredOpcodeMakesTheRingUnsupported) {
  std::bitset<256> opcodes;
  opcodes.set(IORING_OP_FSYNC);
  opcodes.set(IORING_OP_WRITE_FIXED);
  const RingProbe probe(opcodes, 0, std::nullopt, "5.4.0-test");
  auto required = probe.check_required();
  ASSERT_FALSE(required);
  EXPECT_EQ(required.error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(required.error().message, "READ, WRITE, FEAT_NODROP")) << required.error().message;
}

TEST(RingProbe, NothingIsReportedMissingWhenEverythingIsPresent) {
  std::bitset<256> opcodes;
  opcodes.set();
  const RingProbe probe(opcodes, ~0u, true, "test");
  EXPECT_TRUE(probe.missing().empty());
  EXPECT_TRUE(contains(probe.describe(), "nothing missing"));
}

}  // namespace
}  // namespace ringmq::io
