// Base64 (RFC 4648): the section 10 vectors, round trips, and the strict decoder's refusals.
#include "common/base64.h"

#include <gtest/gtest.h>

#include <random>

namespace ringmq {
namespace {

std::string decode_to_text(std::string_view text) {
  auto bytes = base64_decode(text);
  EXPECT_TRUE(bytes) << text << ": " << (bytes ? "" : bytes.error().message);
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

TEST(Base64, MatchesTheRfc4648TestVectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded) << plain;
    EXPECT_EQ(decode_to_text(encoded), plain) << encoded;
  }
}

TEST(Base64, RoundTripsEveryByteValueAndEveryLength) {
  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  auto decoded = base64_decode(base64_encode(all));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, all);

  std::mt19937 random(7);
  for (size_t size = 0; size < 100; ++size) {
    std::vector<uint8_t> bytes(size);
    for (auto& b : bytes) b = static_cast<uint8_t>(random());
    const std::string text = base64_encode(bytes);
    EXPECT_EQ(text.size() % 4, 0u);
    auto back = base64_decode(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, bytes);
  }
}

TEST(Base64, UsesTheStandardAlphabetNotTheUrlSafeOne) {
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{0xfb, 0xff}), "+/8=");
  EXPECT_EQ(decode_to_text("+/8="), std::string("\xfb\xff"));
  EXPECT_FALSE(base64_decode("-_8="));
}

TEST(Base64, UrlSafeVariantHasItsAlphabetAndNoPadding) {
  EXPECT_EQ(base64url_encode(std::vector<uint8_t>{0xfb, 0xff}), "-_8");
  const std::string_view f = "fooba";
  EXPECT_EQ(base64url_encode(std::span(reinterpret_cast<const uint8_t*>(f.data()), f.size())), "Zm9vYmE");
  EXPECT_EQ(base64url_encode(std::vector<uint8_t>(16, 0)), "AAAAAAAAAAAAAAAAAAAAAA") << "a topic id: 22 characters";
}

TEST(Base64, RefusesMalformedText) {
  const std::string_view bad[] = {
      "Zg",        // no padding
      "Zg=",       // length not a multiple of 4
      "Z===",      // three padding characters
      "====",      // only padding
      "=Zg=",      // padding first
      "Zg==Zg==",  // padding in the middle
      "Zm9v!A==",  // outside the alphabet
      "Zm 9",      // space
      "Zh==",      // non-zero bits under the padding ("Zg==" is the canonical "f")
      "Zm9=",      // likewise for two bytes ("Zm8=" is "fo")
      std::string_view("Zg=\0", 4),
  };
  for (const std::string_view text : bad) {
    auto decoded = base64_decode(text);
    ASSERT_FALSE(decoded) << text;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace ringmq
