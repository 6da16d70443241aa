#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace ringmq {
namespace {

TEST(JsonWriter, EscapesControlBytesAndHandlesEmptyContainers) {
  JsonWriter json;
  json.begin_object()
      .field("s", std::string_view("a\x01\tb\"\\"))
      .begin_array("empty")
      .end_array()
      .begin_object("o")
      .end_object()
      .end_object();
  EXPECT_EQ(json.str(), "{\n  \"s\": \"a\\u0001\\tb\\\"\\\\\",\n  \"empty\": [],\n  \"o\": {}\n}\n");
}

TEST(JsonWriter, IndentsNestedContainersOneEntryPerLine) {
  JsonWriter json;
  json.begin_object().field("name", "x").begin_array("list").item("a").begin_object().field("n", 1).end_object();
  json.end_array().end_object();
  EXPECT_EQ(json.str(), "{\n  \"name\": \"x\",\n  \"list\": [\n    \"a\",\n    {\n      \"n\": 1\n    }\n  ]\n}\n");
}

TEST(JsonWriter, CompactArraysKeepTheirElementsOnOneLine) {
  JsonWriter json;
  json.begin_object().begin_array("series", true).item(1.5).item(uint64_t{2}).item(0.26, 1).end_array();
  json.begin_array("none", true).end_array().end_object();
  EXPECT_EQ(json.str(), "{\n  \"series\": [1.5, 2, 0.3],\n  \"none\": []\n}\n");
}

TEST(JsonWriter, WritesEveryIntegerTypeBooleansAndNull) {
  JsonWriter json;
  json.begin_object()
      .field("i", -5)
      .field("i64", int64_t{-9'000'000'000})
      .field("u64", UINT64_MAX)
      .field("size", size_t{3})
      .field("u32", uint32_t{7})
      .field("yes", true)
      .null_field("nothing")
      .end_object();
  EXPECT_EQ(json.str(),
            "{\n  \"i\": -5,\n  \"i64\": -9000000000,\n  \"u64\": 18446744073709551615,\n  \"size\": 3,\n"
            "  \"u32\": 7,\n  \"yes\": true,\n  \"nothing\": null\n}\n");
}

TEST(JsonEscape, HandlesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_escape("a\"b\\c\nd\te\x01"), "a\\\"b\\\\c\\nd\\te\\u0001");
  EXPECT_EQ(json_quote("x\r"), "\"x\\r\"");
}

TEST(JsonNumber, IsPlainDecimalWithoutTrailingZerosAndNeverNaN) {
  EXPECT_EQ(json_number(1.0), "1");
  EXPECT_EQ(json_number(2.50), "2.5");
  EXPECT_EQ(json_number(1e20, 0), "100000000000000000000");
  EXPECT_EQ(json_number(0.0001), "0");
  EXPECT_EQ(json_number(-0.0001), "0");  // not "-0"
  EXPECT_EQ(json_number(std::nan("")), "0");
  EXPECT_EQ(json_number(INFINITY), "0");
  EXPECT_EQ(json_number(0.123456, 6), "0.123456");
}

}  // namespace
}  // namespace ringmq
