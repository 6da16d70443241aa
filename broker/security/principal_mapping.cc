#include "broker/security/principal_mapping.h"

#include <algorithm>
#include <cctype>

namespace ringmq::broker::security {
namespace {

// Reads up to the next unescaped '/', unescaping "\/" and "\\"; false when there is none.
bool read_part(std::string_view text, size_t& at, std::string& out) {
  while (at < text.size()) {
    const char c = text[at++];
    if (c == '/') return true;
    if (c == '\\' && at < text.size() && (text[at] == '/' || text[at] == '\\')) {
      out += text[at++];
    } else {
      out += c;
    }
  }
  return false;
}

}  // namespace

Result<PrincipalMapping> PrincipalMapping::parse(std::string_view rules) {
  PrincipalMapping mapping;
  size_t at = 0;
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, "tls.principal_mapping_rules: " + why);
  };
  while (true) {
    while (at < rules.size() && (rules[at] == ',' || std::isspace(static_cast<unsigned char>(rules[at])))) ++at;
    if (at == rules.size()) break;
    const std::string_view rest = rules.substr(at);
    if (rest.starts_with("DEFAULT")) {
      mapping.rules_.push_back(Rule{true, {}, {}, 0});
      at += 7;
      continue;
    }
    if (!rest.starts_with("RULE:")) return bad("expected RULE:... or DEFAULT at \"" + std::string(rest) + "\"");
    at += 5;
    Rule rule;
    std::string pattern;
    if (!read_part(rules, at, pattern) || !read_part(rules, at, rule.replacement))
      return bad("RULE:" + pattern + " needs the form RULE:pattern/replacement/[L|U]");
    if (at < rules.size() && (rules[at] == 'L' || rules[at] == 'U')) rule.letter_case = rules[at++];
    if (at < rules.size() && rules[at] != ',' && !std::isspace(static_cast<unsigned char>(rules[at])))
      return bad("unexpected \"" + std::string(rules.substr(at)) + "\" after RULE:" + pattern);
    try {
      rule.pattern = std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return bad("pattern \"" + pattern + "\" is not a regular expression: " + e.what());
    }
    mapping.rules_.push_back(std::move(rule));
  }
  return mapping;
}

std::string PrincipalMapping::map(const std::string& subject) const {
  for (const Rule& rule : rules_) {
    if (rule.is_default) return subject;
    std::smatch match;
    if (!std::regex_match(subject, match, rule.pattern)) continue;
    std::string name = match.format(rule.replacement);
    if (rule.letter_case == 'L')
      std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (rule.letter_case == 'U')
      std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::toupper(c); });
    return name;
  }
  return subject;
}

}  // namespace ringmq::broker::security
