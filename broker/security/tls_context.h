// TlsContext: the OpenSSL 3 server context of the broker's SSL and SASL_SSL listeners, built
// from [tls] and replaceable while the broker runs (SIGHUP): reload() reads the certificate,
// key and CA files again and swaps the context in; connections accepted afterwards use the new
// one, open connections keep the one they started with (each SSL holds a reference to its
// SSL_CTX). A reload that fails (a missing file, a key that does not match) keeps the old
// context and says why.
//
// Policy: TLS 1.2 at least (tls.min_version), no renegotiation, no session tickets (nothing
// to resume across a restart, and no ticket keys to rotate), client certificates per
// tls.client_auth verified against tls.ca_file.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>

#include "broker/security/principal_mapping.h"
#include "broker/server/broker_config.h"
#include "common/result.h"

namespace ringmq::broker::security {

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// The text of the calling thread's OpenSSL error queue (then empty), "" when it was empty.
std::string take_openssl_errors();

class TlsContext {
 public:
  // Start-up: the error names the file or setting at fault.
  static Result<std::unique_ptr<TlsContext>> create(const TlsConfig& config);

  // Builds a new context from the same settings; on success new connections use it.
  Status reload();
  // A server-side TLS session over the accepted socket `fd`.
  Result<SslPtr> new_session(int fd) const;
  // "CN=broker, expires 2027-12-03 10:00:00 GMT": what the log says at start and on reload.
  std::string certificate_summary() const;
  // The principal of the client certificate `ssl` verified: with tls.principal_from "dn" the
  // subject in RFC 2253 form ("CN=alice,O=Example", as Kafka) through
  // tls.principal_mapping_rules, with "cn" its common name; "User:" in front. Empty when the
  // client sent no certificate.
  std::string principal_of(SSL* ssl) const;

 private:
  TlsContext(TlsConfig config, PrincipalMapping mapping, SslCtxPtr ctx)
      : config_(std::move(config)), mapping_(std::move(mapping)), ctx_(std::move(ctx)) {}

  const TlsConfig config_;
  const PrincipalMapping mapping_;
  mutable std::mutex mutex_;  // guards ctx_ (swapped by reload, read on each accept)
  SslCtxPtr ctx_;
};

}  // namespace ringmq::broker::security
