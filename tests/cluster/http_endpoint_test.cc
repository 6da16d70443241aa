// The etcd endpoints a broker is given: plain HTTP host:port, with or without the scheme, in a
// comma-separated list.
#include <gtest/gtest.h>

#include "cluster/etcd_client.h"
#include "cluster/http_client.h"

namespace ringmq::cluster {
namespace {

TEST(HttpEndpoint, ParsesUrlsAndHostPorts) {
  auto a = parse_http_endpoint("http://127.0.0.1:2379");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 2379);
  auto b = parse_http_endpoint("etcd-1.internal:22379");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->host, "etcd-1.internal");
  EXPECT_EQ(b->port, 22379);
}

TEST(HttpEndpoint, RefusesWhatItCannotSpeak) {
  auto tls = parse_http_endpoint("https://127.0.0.1:2379");
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(tls.error().message.find("TLS"), std::string::npos) << tls.error().message;
  for (std::string_view bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:12ab", "ftp://h:1"}) {
    auto e = parse_http_endpoint(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(HttpEndpoint, EndpointListsAreCommaSeparated) {
  EXPECT_EQ(split_endpoints("http://a:2379, b:2379,,  "), (std::vector<std::string>{"http://a:2379", "b:2379"}));
  EXPECT_TRUE(split_endpoints("").empty());
}

}  // namespace
}  // namespace ringmq::cluster
