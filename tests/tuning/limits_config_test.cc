#include "tuning/limits_config.h"

#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"
#include "tests/tuning/fake_host.h"

namespace ringmq::tuning {
namespace {

using test::put;

class LimitsConfig : public ::testing::Test {
 protected:
  void SetUp() override { test::put_base(dir_.path()); }
  ConfiguredLimits read(const std::string& user = "ringmq") {
    SystemRoot root(dir_.path());
    return read_configured_limits(root, user, "ringmq.service");
  }
  ringmq::test::TempDir dir_;
};

TEST_F(LimitsConfig, NothingSetMeansTheSystemDefault) {
  auto limits = read();
  EXPECT_FALSE(limits.memlock.soft);
  EXPECT_FALSE(limits.nofile.soft);
  EXPECT_TRUE(limits.user_known);
  EXPECT_FALSE(limits.from_systemd_unit);
}

TEST_F(LimitsConfig, UserEntryBeatsWildcardWhateverTheOrder) {
  put(dir_.path(), "/etc/security/limits.conf", "ringmq - nofile 65536\n");
  put(dir_.path(), "/etc/security/limits.d/99-all.conf", "* - nofile 4096\n");
  auto limits = read();
  ASSERT_TRUE(limits.nofile.soft);
  EXPECT_EQ(*limits.nofile.soft, LimitValue::of(65536));
  EXPECT_EQ(limits.nofile.source, "/etc/security/limits.conf:1");
}

TEST_F(LimitsConfig, LaterFileWinsAmongEqualEntries) {
  put(dir_.path(), "/etc/security/limits.d/10-a.conf", "ringmq soft memlock 1024\n");
  put(dir_.path(), "/etc/security/limits.d/20-b.conf", "# comment\nringmq soft memlock unlimited\n");
  put(dir_.path(), "/etc/security/limits.d/30-c.txt", "ringmq soft memlock 1\n");  // not *.conf: ignored
  auto limits = read();
  ASSERT_TRUE(limits.memlock.soft);
  EXPECT_TRUE(limits.memlock.soft->unlimited);
  EXPECT_EQ(limits.memlock.source, "/etc/security/limits.d/20-b.conf:2");
  EXPECT_FALSE(limits.memlock.hard);
}

TEST_F(LimitsConfig, GroupEntryAppliesToItsMembers) {
  put(dir_.path(), "/etc/security/limits.conf", "@ringmq hard nofile 200000\n@other hard nofile 5\n");
  auto limits = read();
  ASSERT_TRUE(limits.nofile.hard);
  EXPECT_EQ(*limits.nofile.hard, LimitValue::of(200000));
}

TEST_F(LimitsConfig, WildcardDoesNotApplyToRoot) {
  put(dir_.path(), "/etc/security/limits.conf", "* - nofile 4096\n");
  EXPECT_FALSE(read("root").nofile.soft);
}

TEST_F(LimitsConfig, SystemdUnitWinsOverLimitsDAndCountsMemlockInBytes) {
  put(dir_.path(), "/etc/security/limits.d/90-ringmq.conf", "ringmq - memlock unlimited\n");
  put(dir_.path(), "/usr/lib/systemd/system/ringmq.service", "[Service]\nLimitMEMLOCK=64M\nLimitNOFILE=1024:524288\n");
  put(dir_.path(), "/etc/systemd/system/ringmq.service.d/override.conf", "[Service]\nLimitNOFILE=1048576\n");
  auto limits = read();
  EXPECT_TRUE(limits.from_systemd_unit);
  EXPECT_EQ(limits.unit_path, "/usr/lib/systemd/system/ringmq.service");
  EXPECT_EQ(*limits.memlock.soft, LimitValue::of(65536));  // 64 MiB in KiB
  EXPECT_EQ(*limits.nofile.soft, LimitValue::of(1048576));
  EXPECT_EQ(limits.nofile.source, "/etc/systemd/system/ringmq.service.d/override.conf:2");
}

TEST(LimitValues, ParseAndFormat) {
  EXPECT_EQ(parse_limits_conf_value("unlimited"), LimitValue::infinite());
  EXPECT_EQ(parse_limits_conf_value("-1"), LimitValue::infinite());
  EXPECT_EQ(parse_limits_conf_value("8192"), LimitValue::of(8192));
  EXPECT_FALSE(parse_limits_conf_value("lots"));
  EXPECT_EQ(parse_systemd_limit_value(LimitName::kMemlock, "infinity"), LimitValue::infinite());
  EXPECT_EQ(parse_systemd_limit_value(LimitName::kMemlock, "8388608"), LimitValue::of(8192));
  EXPECT_EQ(parse_systemd_limit_value(LimitName::kNofile, "1K"), LimitValue::of(1024));
  EXPECT_EQ(format_limit(LimitName::kMemlock, LimitValue::of(8192)), "8192 KiB");
  EXPECT_EQ(format_limit(LimitName::kNofile, LimitValue::infinite()), "unlimited");
  EXPECT_TRUE(LimitValue::infinite().at_least(LimitValue::of(5)));
  EXPECT_FALSE(LimitValue::of(5).at_least(LimitValue::infinite()));
}

}  // namespace
}  // namespace ringmq::tuning
