// Reading numbers back out of an HTML report (report_html.cpp): every number carries its
// exact value in data-v, which the tests compare with the --json document.
#pragma once

#include <cmath>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace deteval::test {

/// A data-v value: "NaN" where JSON has null.
inline double num(const std::string& s) { return s == "NaN" ? std::nan("") : std::stod(s); }

/// Attributes of every element whose opening tag matches `tag_re`, in document order.
inline std::vector<std::map<std::string, std::string>> elements(const std::string& html, const std::string& tag_re) {
  std::vector<std::map<std::string, std::string>> out;
  const std::regex tag("<" + tag_re + "\\b([^>]*)>");
  const std::regex attr("([a-zA-Z-]+)=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tag); it != std::sregex_iterator(); ++it) {
    std::map<std::string, std::string> m;
    const std::string body = (*it)[1];
    for (auto a = std::sregex_iterator(body.begin(), body.end(), attr); a != std::sregex_iterator(); ++a)
      m[(*a)[1]] = (*a)[2];
    out.push_back(m);
  }
  return out;
}

/// The rows of an HTML section: for each <tr ...> with `row_attr`, its td data-col -> data-v.
inline std::map<std::string, std::map<std::string, std::string>> rows_by(const std::string& html,
                                                                        const std::string& row_attr) {
  std::map<std::string, std::map<std::string, std::string>> out;
  const std::regex row("<tr " + row_attr + "=\"([^\"]*)\"[^>]*>(.*?)</tr>");
  const std::regex cell("<td class=num data-col=\"([^\"]*)\" data-v=\"([^\"]*)\">");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), row); it != std::sregex_iterator(); ++it) {
    const std::string body = (*it)[2];
    auto& m = out[(*it)[1]];
    for (auto c = std::sregex_iterator(body.begin(), body.end(), cell); c != std::sregex_iterator(); ++c)
      m[(*c)[1]] = (*c)[2];
  }
  return out;
}

/// The text of `<section id=ID>` up to its end.
inline std::string section(const std::string& html, const std::string& id) {
  const auto b = html.find("<section id=" + id + ">");
  if (b == std::string::npos) return {};
  return html.substr(b, html.find("</section>", b) - b);
}

}  // namespace deteval::test
