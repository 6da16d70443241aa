#include "broker/security/sasl_plain.h"

#include <string>

namespace ringmq::broker::security {

Result<SaslPlainMessage> parse_sasl_plain(std::string_view message) {
  auto invalid = [](const std::string& what) { return make_error(ErrorCode::kInvalidArgument, "SASL/PLAIN: " + what); };
  const size_t first_nul = message.find('\0');
  const size_t second_nul = first_nul == std::string_view::npos ? first_nul : message.find('\0', first_nul + 1);
  if (second_nul == std::string_view::npos || message.find('\0', second_nul + 1) != std::string_view::npos)
    return invalid("expected \"authzid NUL user NUL password\" (exactly two NUL bytes)");

  SaslPlainMessage fields;
  fields.authorization_id = message.substr(0, first_nul);
  fields.user = message.substr(first_nul + 1, second_nul - first_nul - 1);
  fields.password = message.substr(second_nul + 1);
  if (fields.user.empty()) return invalid("empty user name");
  if (fields.password.empty()) return invalid("empty password");
  const std::string limit = " longer than " + std::to_string(kMaxSaslPlainFieldBytes) + " bytes";
  if (fields.authorization_id.size() > kMaxSaslPlainFieldBytes) return invalid("authorization id" + limit);
  if (fields.user.size() > kMaxSaslPlainFieldBytes) return invalid("user name" + limit);
  if (fields.password.size() > kMaxSaslPlainFieldBytes) return invalid("password" + limit);
  if (!fields.authorization_id.empty() && fields.authorization_id != fields.user)
    return invalid("the authorization id differs from the user name; acting as another user is not allowed");
  return fields;
}

}  // namespace ringmq::broker::security
