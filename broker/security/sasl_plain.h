// SASL PLAIN (RFC 4616): the client sends "authzid NUL authcid NUL passwd" in one message.
// Parsing only; the broker checks the password against the SCRAM store
// (scram_password_matches), so PLAIN needs no store of its own. Send it over TLS only: the
// password crosses the wire as is.
#pragma once

#include <string_view>

#include "common/result.h"

namespace ringmq::broker::security {

// RFC 4616's bound on each of the three fields, in bytes.
inline constexpr size_t kMaxSaslPlainFieldBytes = 255;

// The fields of a PLAIN message, viewing the message they were parsed from.
struct SaslPlainMessage {
  std::string_view authorization_id;  // empty when the client sent none
  std::string_view user;
  std::string_view password;
};

// kInvalidArgument for anything but exactly two NULs, an empty user or password, a field over
// kMaxSaslPlainFieldBytes, or an authorization id other than the user (as in Kafka: a client
// may not act as someone else). The message never contains the password.
Result<SaslPlainMessage> parse_sasl_plain(std::string_view message);

}  // namespace ringmq::broker::security
