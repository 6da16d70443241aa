// PrincipalMapping: how a TLS client certificate's subject becomes a principal name, with
// Kafka's ssl.principal.mapping.rules: a list of
//   RULE:<pattern>/<replacement>/[L|U]    the first rule whose pattern matches the whole
//                                         subject (RFC 2253, "CN=alice,OU=eng,O=Example")
//                                         gives the name: the replacement with $1.. filled
//                                         in, lower- or upper-cased with L or U
//   DEFAULT                               the subject as it is
// separated by commas or whitespace; "/" and "\" inside a pattern or replacement are written
// "\/" and "\\". No rule matching means the subject as it is (as a final DEFAULT).
// Patterns are ECMAScript regular expressions (std::regex), run once per TLS handshake.
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ringmq::broker::security {

class PrincipalMapping {
 public:
  // kInvalidArgument naming the rule for a malformed list or pattern.
  static Result<PrincipalMapping> parse(std::string_view rules);

  // The principal's name for `subject` (without "User:").
  std::string map(const std::string& subject) const;

 private:
  struct Rule {
    bool is_default = false;
    std::regex pattern;
    std::string replacement;
    char letter_case = 0;  // 'L', 'U' or 0
  };
  std::vector<Rule> rules_;
};

}  // namespace ringmq::broker::security
