// The one skip policy of the test suites. A test that needs something a machine may lack (root,
// a kernel feature, a tool, enough locked memory) says so with
//
//   RINGMQ_REQUIRE_CAPABILITY(::geteuid() == 0, "root (run the tests as root)");
//
// which, when the condition is false, skips the test with "missing capability: <what>", or,
// when the environment has RINGMQ_REQUIRE_ALL=1, fails it: CI can insist that nothing was
// skipped. `what` says what is missing and how to get it; it is evaluated only on a skip.
//
// It returns from the calling function (like GTEST_SKIP), so use them in the test body or in
// SetUp, not in a helper whose caller goes on.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace ringmq::test {

inline bool environment_flag(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && std::string_view(value) == "1";
}

}  // namespace ringmq::test

#define RINGMQ_REQUIRE_CAPABILITY(condition, what)                                                \
  do {                                                                                            \
    if (!(condition)) {                                                                           \
      if (::ringmq::test::environment_flag("RINGMQ_REQUIRE_ALL")) {                               \
        GTEST_FAIL() << "missing capability (RINGMQ_REQUIRE_ALL=1 forbids skipping): " << (what); \
      }                                                                                           \
      GTEST_SKIP() << "missing capability: " << (what);                                           \
    }                                                                                             \
  } while (false)
