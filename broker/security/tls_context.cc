#include "broker/security/tls_context.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <ctime>

namespace ringmq::broker::security {
namespace {

Result<SslCtxPtr> build_context(const TlsConfig& config) {
  auto fail = [](const std::string& what) {
    std::string detail = take_openssl_errors();
    return make_error(ErrorCode::kInvalidArgument, what + (detail.empty() ? "" : ": " + detail));
  };
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return fail("SSL_CTX_new");
  const int min_version = config.min_version == "TLSv1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  SSL_CTX_set_min_proto_version(ctx.get(), min_version);
  // IGNORE_UNEXPECTED_EOF: a client that closes without close_notify is a closed connection,
  // not a TLS error (OpenSSL 3 reports it as one otherwise).
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                     SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  // Responses are copied into one staging buffer and written in pieces (connection.cc).
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!config.ciphers.empty() && SSL_CTX_set_cipher_list(ctx.get(), config.ciphers.c_str()) != 1)
    return fail("tls.ciphers \"" + config.ciphers + "\" selects no cipher");
  if (!config.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx.get(), config.ciphersuites.c_str()) != 1)
    return fail("tls.ciphersuites \"" + config.ciphersuites + "\" selects no suite");
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), config.cert_file.c_str()) != 1)
    return fail("tls.cert_file " + config.cert_file + " cannot be used");
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), config.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail("tls.key_file " + config.key_file + " cannot be used");
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return fail("tls.key_file " + config.key_file + " does not match tls.cert_file " + config.cert_file);
  if (!config.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), config.ca_file.c_str(), nullptr) != 1)
      return fail("tls.ca_file " + config.ca_file + " cannot be loaded");
    // Tell clients which CAs their certificate must come from.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.ca_file.c_str()))
      SSL_CTX_set_client_CA_list(ctx.get(), names);
  }
  switch (config.client_auth) {
    case TlsClientAuth::kNone:
      SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
      break;
    case TlsClientAuth::kRequested:
      SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
      break;
    case TlsClientAuth::kRequired:
      SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  return ctx;
}

std::string name_text(X509_NAME* name, unsigned long flags) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  X509_NAME_print_ex(bio, name, 0, flags);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

std::string common_name(X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int size = ASN1_STRING_to_UTF8(&utf8, data);
  if (size < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(size));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

std::string take_openssl_errors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out;
}

Result<std::unique_ptr<TlsContext>> TlsContext::create(const TlsConfig& config) {
  auto mapping = PrincipalMapping::parse(config.principal_mapping_rules);
  if (!mapping) return std::unexpected(mapping.error());
  auto ctx = build_context(config);
  if (!ctx) return std::unexpected(ctx.error());
  return std::unique_ptr<TlsContext>(new TlsContext(config, std::move(*mapping), std::move(*ctx)));
}

Status TlsContext::reload() {
  auto ctx = build_context(config_);
  if (!ctx) return std::unexpected(ctx.error());
  std::lock_guard lock(mutex_);
  ctx_ = std::move(*ctx);  // sessions made from the old one keep it alive until they end
  return {};
}

Result<SslPtr> TlsContext::new_session(int fd) const {
  SslPtr ssl;
  {
    std::lock_guard lock(mutex_);
    ssl.reset(SSL_new(ctx_.get()));
  }
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) return make_error(ErrorCode::kIo, "SSL_new: " + take_openssl_errors());
  SSL_set_accept_state(ssl.get());
  return ssl;
}

std::string TlsContext::certificate_summary() const {
  std::lock_guard lock(mutex_);
  X509* cert = SSL_CTX_get0_certificate(ctx_.get());
  if (cert == nullptr) return "no certificate";
  std::string out = name_text(X509_get_subject_name(cert), XN_FLAG_RFC2253);
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  tm expiry{};
  if (ASN1_TIME_to_tm(not_after, &expiry) == 1) {
    char text[64];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &expiry);
    out += std::string(", expires ") + text;
  }
  return out;
}

std::string TlsContext::principal_of(SSL* ssl) const {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return {};
  X509_NAME* subject = X509_get_subject_name(cert);
  if (config_.principal_from == "cn") return "User:" + common_name(subject);
  return "User:" + mapping_.map(name_text(subject, XN_FLAG_RFC2253));
}

}  // namespace ringmq::broker::security
