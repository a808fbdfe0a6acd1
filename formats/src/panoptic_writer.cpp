// `deteval panoptic`'s outputs: the --json document, the per-class table and the HTML report.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "deteval/formats/panoptic.hpp"
#include "deteval/formats/report.hpp"
#include "deteval/version.hpp"
#include "report_parts.hpp"

namespace deteval {

namespace {

using ojson = nlohmann::ordered_json;

struct Group {
  const char* name;
  const PanopticGroup* g;
};
std::vector<Group> groups(const PanopticResult& r) { return {{"All", &r.all}, {"Things", &r.things}, {"Stuff", &r.stuff}}; }

bool occurs(const PanopticClassStats& c) { return c.tp + c.fp + c.fn > 0; }

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

std::string panoptic_json(const PanopticResult& r) {
  ojson doc = ojson::object();
  for (const Group& g : groups(r)) {
    ojson v = ojson::object();
    for (auto [key, x] : {std::pair{"pq", g.g->q.pq}, std::pair{"sq", g.g->q.sq}, std::pair{"rq", g.g->q.rq}})
      v[key] = g.g->defined ? ojson(x) : ojson(nullptr);
    v["n"] = g.g->n;
    doc[g.name] = std::move(v);
  }
  ojson per = ojson::object();
  for (std::size_t k = 0; k < r.categories.size(); ++k) {
    const PanopticClassStats& c = r.stats[k];
    const PanopticQuality& q = r.per_class[k];
    per[std::to_string(r.categories[k].id)] = {{"pq", q.pq}, {"sq", q.sq}, {"rq", q.rq}, {"tp", c.tp},
                                               {"fp", c.fp}, {"fn", c.fn}, {"iou_sum", c.iou_sum}};
  }
  doc["per_class"] = std::move(per);
  return doc.dump(1) + "\n";
}

std::string panoptic_class_table(const PanopticResult& r) {
  std::size_t width = 8;
  for (const auto& c : r.categories) width = std::max(width, std::min<std::size_t>(c.name.size(), 40));
  char line[256];
  std::string out;
  std::snprintf(line, sizeof line, "%10s  %-*s  %-5s  %5s  %5s  %5s  %7s  %7s  %7s\n", "id", int(width), "category",
                "kind", "PQ", "SQ", "RQ", "TP", "FP", "FN");
  out += line;
  for (std::size_t k = 0; k < r.categories.size(); ++k) {
    const PanopticCategory& cat = r.categories[k];
    const PanopticClassStats& c = r.stats[k];
    const PanopticQuality& q = r.per_class[k];
    const std::string name = cat.name.size() > 40 ? cat.name.substr(0, 39) + "~" : cat.name;
    // A category that never occurs is shown as "-": its zeros are not measurements.
    const auto v = [&](double x) { return occurs(c) ? fmt("%5.1f", 100 * x) : std::string("    -"); };
    std::snprintf(line, sizeof line, "%10lld  %-*s  %-5s  %5s  %5s  %5s  %7llu  %7llu  %7llu\n",
                  static_cast<long long>(cat.id), int(width), name.c_str(), cat.isthing ? "thing" : "stuff",
                  v(q.pq).c_str(), v(q.sq).c_str(), v(q.rq).c_str(), static_cast<unsigned long long>(c.tp),
                  static_cast<unsigned long long>(c.fp), static_cast<unsigned long long>(c.fn));
    out += line;
  }
  return out;
}

std::string panoptic_report_html(const PanopticResult& r, const std::vector<std::pair<std::string, std::string>>& facts) {
  using detail::report_int_td;
  using detail::report_num_td;
  const auto f1 = [](double v) { return fmt("%.1f", 100 * v); };
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
       "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
       "<title>Panoptic quality</title><style>";
  h += detail::report_css();
  h += ".bars text{font-size:13px}</style></head><body>\n<header><h1>Panoptic quality</h1><ul class=facts>";
  for (const auto& [k, v] : facts) h += "<li>" + html_escape(k) + ": <b>" + html_escape(v) + "</b></li>";
  h += "</ul></header>\n<nav><ul><li><a href=\"#summary\">Summary</a></li><li><a href=\"#bars\">Per class</a></li>"
       "<li><a href=\"#classes\">Table</a></li><li><a href=\"#definitions\">Definitions</a></li></ul></nav>\n<main>\n";

  // ---- groups
  h += "<section id=summary><h2>Summary</h2><div class=scroll><table class=big><thead><tr><th>Group</th>"
       "<th class=num>PQ</th><th class=num>SQ</th><th class=num>RQ</th><th class=num>N</th></tr></thead><tbody>";
  for (const Group& g : groups(r)) {
    h += "<tr data-group=\"" + std::string(g.name) + "\"><th scope=row>" + g.name + "</th>";
    for (auto [key, x] : {std::pair{"pq", g.g->q.pq}, std::pair{"sq", g.g->q.sq}, std::pair{"rq", g.g->q.rq}})
      h += g.g->defined ? report_num_td(x, key, f1(x)) : "<td class=num data-col=\"" + std::string(key) + "\">–</td>";
    h += report_int_td(g.g->n, "n") + "</tr>";
  }
  h += "</tbody></table></div><p class=note>Values ×100. N: categories with a true positive, false positive or "
       "false negative; – where a group has none (panopticapi divides by zero there).</p></section>\n";

  // ---- bars: PQ, SQ, RQ of every category that occurs, in category order
  std::vector<std::size_t> shown;
  for (std::size_t k = 0; k < r.categories.size(); ++k)
    if (occurs(r.stats[k])) shown.push_back(k);
  const double L = 190, W = 720, pw = W - L - 60, bar = 9, row = 3 * bar + 12;
  const double H = 40 + row * double(shown.size());
  static const char* kColor[] = {"#0072B2", "#009E73", "#E69F00"};
  h += "<section id=bars><h2>Per class</h2><p class=note>PQ (blue), SQ (green) and RQ (orange) of each category "
       "that occurs; categories that never occur are left out.</p><figure><div class=scroll><svg class=\"chart bars\" "
       "id=pq-bars role=img viewBox=\"0 0 " + fmt("%.0f", W) + " " + fmt("%.0f", H) +
       "\"><title>PQ, SQ and RQ per category</title>";
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const std::size_t k = shown[i];
    const PanopticCategory& cat = r.categories[k];
    const double y = 10 + row * double(i);
    const std::string label = (cat.name.empty() ? std::string("category") : cat.name) + " (" + std::to_string(cat.id) + ")";
    h += "<text x=\"" + fmt("%.0f", L - 8) + "\" y=\"" + fmt("%.1f", y + 1.5 * bar + 4) + "\" text-anchor=end>" +
         html_escape(label.size() > 30 ? label.substr(0, 29) + "…" : label) + "</text>";
    const PanopticQuality& q = r.per_class[k];
    int j = 0;
    for (auto [key, x] : {std::pair{"pq", q.pq}, std::pair{"sq", q.sq}, std::pair{"rq", q.rq}}) {
      const double w = std::clamp(x, 0.0, 1.0) * pw, yy = y + bar * j;
      h += "<rect class=pq-bar data-k=\"" + std::to_string(cat.id) + "\" data-col=\"" + key + "\" data-v=\"" +
           detail::report_g17(x) + "\" x=\"" + fmt("%.0f", L) + "\" y=\"" + fmt("%.1f", yy) + "\" width=\"" +
           fmt("%.1f", std::max(w, 0.5)) + "\" height=\"" + fmt("%.0f", bar - 1) + "\" fill=\"" + kColor[j] +
           "\"><title>" + html_escape(label) + " " + key + " " + f1(x) + "</title></rect>";
      ++j;
    }
    h += "<text x=\"" + fmt("%.1f", L + std::clamp(q.pq, 0.0, 1.0) * pw + 6) + "\" y=\"" + fmt("%.1f", y + bar - 1) +
         "\">" + f1(q.pq) + "</text>";
  }
  h += "<text x=\"" + fmt("%.0f", L) + "\" y=\"" + fmt("%.0f", H - 8) + "\" fill=\"#555\">0 to 100</text></svg></div>"
       "</figure></section>\n";

  // ---- table
  h += "<section id=classes><h2>Table</h2><div class=\"scroll" + std::string(r.categories.size() > 15 ? " tall" : "") +
       "\"><table><thead><tr><th>Category</th><th class=num>ID</th><th>Kind</th><th class=num>PQ</th>"
       "<th class=num>SQ</th><th class=num>RQ</th><th class=num>TP</th><th class=num>FP</th><th class=num>FN</th>"
       "<th class=num>IoU sum</th></tr></thead><tbody>";
  for (std::size_t k = 0; k < r.categories.size(); ++k) {
    const PanopticCategory& cat = r.categories[k];
    const PanopticClassStats& c = r.stats[k];
    const PanopticQuality& q = r.per_class[k];
    const auto shown_v = [&](double x) { return occurs(c) ? f1(x) : std::string("–"); };
    h += "<tr data-k=\"" + std::to_string(cat.id) + "\"><td>" + html_escape(cat.name) + "</td><td class=num>" +
         std::to_string(cat.id) + "</td><td>" + (cat.isthing ? "thing" : "stuff") + "</td>" +
         report_num_td(q.pq, "pq", shown_v(q.pq)) + report_num_td(q.sq, "sq", shown_v(q.sq)) +
         report_num_td(q.rq, "rq", shown_v(q.rq)) + report_int_td(c.tp, "tp") + report_int_td(c.fp, "fp") +
         report_int_td(c.fn, "fn") + report_num_td(c.iou_sum, "iou_sum", fmt("%.3f", c.iou_sum)) + "</tr>";
  }
  h += "</tbody></table></div></section>\n";

  h += "<footer id=definitions><h2>Definitions</h2><dl>"
       "<dt>Matching</dt><dd>As panopticapi's pq_compute: a ground-truth and a predicted segment of the same category "
       "match when IoU &gt; 0.5, with the prediction's pixels on VOID left out of the union; crowd regions are never "
       "matched.</dd><dt>PQ, SQ, RQ</dt><dd>Per category: SQ = mean IoU of the matches, RQ = TP / (TP + ½ FP + ½ FN), "
       "PQ = SQ × RQ. A group's value is the mean over its categories with TP + FP + FN &gt; 0.</dd>"
       "<dt>Ignored predictions</dt><dd>An unmatched prediction with more than half of its pixels on VOID or on the "
       "crowd region of its category is not a false positive.</dd></dl><p>Generated by deteval ";
  h += version();
  h += ". This file is self-contained: no network access.</p></footer>\n</main>\n</body></html>\n";
  return h;
}

}  // namespace deteval
