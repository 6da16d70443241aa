// Base64 as RFC 4648 section 4 defines it: the standard alphabet (A-Z a-z 0-9 + /) with '='
// padding to a multiple of four characters. SCRAM messages carry salts, nonces, proofs and
// signatures in this form, and the credential store writes keys in it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ringmq {

std::string base64_encode(std::span<const uint8_t> bytes);
std::string base64_encode(std::string_view text);
// RFC 4648 section 5: the URL-safe alphabet (- and _ for + and /), without padding, as Kafka
// writes topic ids (Uuid.toString).
std::string base64url_encode(std::span<const uint8_t> bytes);

// The bytes `text` encodes. Strict, because SCRAM compares what the client sent byte for byte:
// kInvalidArgument for a length that is not a multiple of four, a character outside the
// alphabet, padding anywhere but the end, or non-zero bits in the padding (an encoding that
// base64_encode would never produce). The empty string decodes to no bytes.
Result<std::vector<uint8_t>> base64_decode(std::string_view text);

}  // namespace ringmq
