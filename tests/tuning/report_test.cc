#include "tuning/report.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/common/temp_dir.h"
#include "tests/tuning/fake_host.h"
#include "tests/tuning/json_parse.h"

namespace ringmq::tuning {
namespace {

std::vector<CheckResult> check_untuned(const std::string& root, CheckOptions& options) {
  test::build_untuned_host(root);
  options.root_dir = root;
  auto results = check_host(options);
  if (!results) throw std::runtime_error(results.error().to_string());
  return *results;
}

TEST(Report, CheckJsonIsWellFormedAndHasEveryItem) {
  ringmq::test::TempDir dir;
  CheckOptions options;
  auto results = check_untuned(dir.path(), options);
  auto json = test::parse_json(format_check_json(results, options));
  ASSERT_TRUE(json);
  EXPECT_EQ((*json)["profile"].text, "latency");
  const auto& items = (*json)["items"].items;
  ASSERT_EQ(items.size(), results.size());
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i]["id"].text, results[i].item.id);
    for (const char* key : {"group", "current", "recommended", "status", "why", "note"})
      EXPECT_EQ(items[i][key].kind, test::JsonValue::Kind::kString) << key;
    EXPECT_FALSE(items[i]["why"].text.empty());
  }
  EXPECT_EQ((*json)["summary"]["differs"].number + (*json)["summary"]["ok"].number +
                (*json)["summary"]["unsupported"].number + (*json)["summary"]["needs_restart"].number,
            static_cast<double>(results.size()));
}

TEST(Report, CheckTableHasOneRowPerItemAndVerboseAddsWhy) {
  ringmq::test::TempDir dir;
  CheckOptions options;
  auto results = check_untuned(dir.path(), options);
  const std::string table = format_check_table(results, options, false);
  EXPECT_NE(table.find("GROUP"), std::string::npos);
  for (const auto& result : results) EXPECT_NE(table.find(result.item.id), std::string::npos) << result.item.id;
  EXPECT_EQ(table.find("why:"), std::string::npos);
  const std::string verbose = format_check_table(results, options, true);
  size_t whys = 0;
  for (size_t at = verbose.find("why: "); at != std::string::npos; at = verbose.find("why: ", at + 1)) ++whys;
  EXPECT_EQ(whys, results.size());
  EXPECT_NE(table.find("28 differ, 2 ok, 0 not supported here."), std::string::npos) << table;
}

TEST(Report, ApplyAndRollbackJsonAreWellFormed) {
  ApplyReport apply;
  apply.items.push_back({"vm.swappiness", "60", "1", ChangeOutcome::kFailed, "no permission \"x\"\n"});
  apply.files.push_back({"/etc/sysctl.d/90-ringmq.conf", ChangeOutcome::kSet, "created", {"vm.swappiness"}});
  auto json = test::parse_json(format_apply_json(apply));
  ASSERT_TRUE(json);
  EXPECT_FALSE((*json)["succeeded"].flag);
  EXPECT_EQ((*json)["items"][0]["detail"].text, "no permission \"x\"\n");
  EXPECT_EQ((*json)["files"][0]["items"][0].text, "vm.swappiness");

  RollbackReport rollback;
  rollback.state_found = true;
  rollback.steps.push_back(
      {{RecordKind::kKernelValue, "/proc/sys/vm/swappiness", "60"}, StepOutcome::kDone, "restored 60"});
  auto undo = test::parse_json(format_rollback_json(rollback));
  ASSERT_TRUE(undo);
  EXPECT_EQ((*undo)["steps"][0]["kind"].text, "value");
  EXPECT_TRUE(test::parse_json(format_rollback_json(RollbackReport{})));
}

TEST(Report, JsonParserRejectsMalformedDocuments) {
  EXPECT_FALSE(test::parse_json("{\"a\": 1,}"));
  EXPECT_FALSE(test::parse_json("{\"a\": 1} x"));
  EXPECT_FALSE(test::parse_json("[\"a\" \"b\"]"));
  EXPECT_TRUE(test::parse_json("{\"a\": [true, false, null, -1.5]}"));
}

}  // namespace
}  // namespace ringmq::tuning
