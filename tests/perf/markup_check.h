// A strict checker for the HTML report's markup: every element closed in order, attribute
// values quoted, '<' and '&' in text only as entities. It accepts the XML-well-formed
// subset of HTML the report promises, and says where the first problem is.
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace ringmq::perf::test {

inline std::string check_markup(std::string_view html) {
  std::vector<std::string> open;
  size_t i = 0;
  auto where = [&](size_t at) { return " at byte " + std::to_string(at) + ": " + std::string(html.substr(at, 60)); };
  if (html.starts_with("<!DOCTYPE html>")) i = html.find('>') + 1;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '&') {
      const size_t semi = html.find(';', i);
      const std::string_view entity = html.substr(i, semi == std::string_view::npos ? 0 : semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" && entity != "&#39;")
        return "bad entity" + where(i);
      i = semi + 1;
      continue;
    }
    if (c != '<') {
      ++i;
      continue;
    }
    const size_t end = html.find('>', i);
    if (end == std::string_view::npos) return "unclosed tag" + where(i);
    std::string_view tag = html.substr(i + 1, end - i - 1);
    if (tag.starts_with("/")) {
      const std::string name(tag.substr(1));
      if (open.empty() || open.back() != name)
        return "</" + name + "> does not close <" + (open.empty() ? "" : open.back()) + ">" + where(i);
      open.pop_back();
      i = end + 1;
      continue;
    }
    const bool self_closing = tag.ends_with("/");
    if (self_closing) tag.remove_suffix(1);
    size_t k = 0;
    while (k < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[k])) || tag[k] == '-')) ++k;
    const std::string name(tag.substr(0, k));
    if (name.empty()) return "tag without a name" + where(i);
    // Attributes: name="value" pairs, values free of '<' and raw quotes.
    while (k < tag.size()) {
      while (k < tag.size() && tag[k] == ' ') ++k;
      if (k >= tag.size()) break;
      const size_t eq = tag.find('=', k);
      if (eq == std::string_view::npos || eq + 1 >= tag.size() || tag[eq + 1] != '"')
        return "unquoted attribute" + where(i);
      const size_t close = tag.find('"', eq + 2);
      if (close == std::string_view::npos) return "unterminated attribute" + where(i);
      if (tag.substr(eq + 2, close - eq - 2).find('<') != std::string_view::npos)
        return "'<' in an attribute" + where(i);
      k = close + 1;
    }
    i = end + 1;
    if (self_closing) continue;
    if (name == "style") {  // raw text up to its end tag
      const size_t close = html.find("</style>", i);
      if (close == std::string_view::npos) return "unclosed <style>";
      i = close + 8;
      continue;
    }
    open.push_back(name);
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return {};
}

}  // namespace ringmq::perf::test
