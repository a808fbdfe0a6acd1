// The HTML report: one file with inline CSS, SVG and script, no network access. This file
// holds the page COCO and VOC-style reports share; report_page.hpp lists the other parts.
//
// Tables, the confusion heat map and the error chart are rendered here, so they
// show without script; every number carries its exact value in `data-v` (what the
// tests compare with the JSON output). The PR and F1 charts are drawn by the
// inline script from embedded data, for the class and area picked, so that 80+
// classes cost one chart rather than hundreds.
//
// COCO and VOC-style reports (deteval voc, deteval dota) share every section; a Spec holds
// what differs: the summary's statistics, the per-class table, the wording of the IoU rule
// and the definitions, and the PR-curve data (COCO: precision at its recall thresholds; VOC:
// the curve after each ranked detection, its envelope and its 11 points).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "deteval/error.hpp"
#include "deteval/formats/report.hpp"
#include "deteval/version.hpp"
#include "report_page.hpp"
#include "report_parts.hpp"

namespace deteval {

namespace report {

// The document's head, the title and the facts under it.
void page_head(Html& h, const std::string& title, const std::vector<std::pair<std::string, std::string>>& facts) {
  h << "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
       "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:\">"
    << "<title>" << esc(title) << "</title><style>" << css() << "</style><script>" << error_hook()
    << "</script></head><body>\n";
  h << "<header><h1>" << esc(title) << "</h1><ul class=facts>";
  for (const auto& [k, v] : facts) h << "<li>" << esc(k) << ": <b>" << esc(v) << "</b></li>";
  h << "</ul></header>\n";
}

std::string render(const ReportInput& in, const Spec& s) {
  const Analysis& a = *s.a;
  const std::vector<std::string>& names = in.names;
  const std::size_t K = s.K;
  const std::string thr = fmt("%g", a.options.score_threshold);

  Html h;
  page_head(h, in.title, in.facts);
  h << "<nav><ul><li><a href=\"#summary\">Summary</a></li>"
    << (s.classes_html.empty() ? "" : "<li><a href=\"#classes\">Classes</a></li>")
    << "<li><a href=\"#curves\">Curves</a></li><li><a href=\"#operating\">Operating point</a></li>"
       "<li><a href=\"#confusion\">Confusion</a></li><li><a href=\"#errors\">Errors</a></li>"
       "<li><a href=\"#definitions\">Definitions</a></li></ul></nav>\n<main>\n";

  // ---- summary
  h << "<section id=summary><h2>Summary</h2><div class=scroll><table class=big><thead><tr><th>Statistic</th>"
       "<th class=num>Value</th>"
    << (s.has_ci ? "<th class=num>95% interval</th>" : "") << "<th>Meaning</th></tr></thead><tbody>";
  for (const Spec::Stat& st : s.stats) {
    h << "<tr><th scope=row>" << esc(st.name) << "</th><td class=num data-stat=\"" << esc(st.name) << "\" data-v=\""
      << g17(st.v) << "\">" << f3(st.v) << "</td>";
    if (s.has_ci) {
      if (st.iv)
        h << "<td class=\"num ci\" data-ci=\"" << esc(st.name) << "\" data-lo=\"" << g17(st.iv->lo) << "\" data-hi=\""
          << g17(st.iv->hi) << "\">" << f3(st.iv->lo) << " – " << f3(st.iv->hi) << "</td>";
      else
        h << "<td></td>";
    }
    h << "<td class=ci>" << esc(st.meaning) << "</td></tr>";
  }
  h << "</tbody></table></div>";
  if (s.has_ci)
    h << "<p class=note>95% intervals: percentiles 2.5 and 97.5 of " << std::to_string(s.replicates)
      << " bootstrap resamples of the images (seed " << std::to_string(s.seed)
      << "). Two results whose intervals overlap widely cannot be told apart on this data.</p>";
  h << "</section>\n";

  h << s.classes_html;

  // ---- curves (drawn by the script)
  h << "<section id=curves><h2>Curves</h2><div class=controls>";
  if (s.use_cats && K > 0) {
    std::vector<std::size_t> order(K);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return names[x] < names[y]; });
    h << "<label>Class <select id=class-picker><option value=all selected>All classes (mean)</option>";
    for (std::size_t k : order)
      h << "<option value=\"" << std::to_string(k) << "\">" << esc(names[k]) << "</option>";
    h << "</select></label>";
  }
  h << s.area_controls
    << "</div><noscript><p class=note>The curves are drawn by the report's inline script; "
       "enable JavaScript to see them.</p></noscript><div class=charts>"
       "<figure><svg class=chart id=pr-chart role=img viewBox=\"0 0 640 420\"></svg><figcaption id=pr-caption>"
       "</figcaption></figure><figure><svg class=chart id=f1-chart role=img viewBox=\"0 0 640 420\"></svg>"
       "<figcaption id=f1-caption></figcaption></figure></div></section>\n";

  // ---- operating point
  auto op_row = [&](const char* what, const Counts& c, const std::string& key, double at) {
    h << "<tr data-op=\"" << key << "\"><th scope=row>" << what << "</th>"
      << num_td(at, key + ".threshold", fmt("%.4g", at)) << int_td(c.tp, key + ".tp") << int_td(c.fp, key + ".fp")
      << int_td(c.fn, key + ".fn") << num_td(c.precision, key + ".precision", f3(c.precision))
      << num_td(c.recall, key + ".recall", f3(c.recall)) << num_td(c.f1, key + ".f1", f3(c.f1)) << "</tr>";
  };
  h << "<section id=operating><h2>Operating point</h2><p class=note>All classes together (counts summed over "
       "classes), "
    << esc(s.iou_rule) << s.op_scope
    << ". A detection counts when its score ≥ the threshold.</p><div class=scroll><table><thead><tr><th></th>"
       "<th class=num>Score ≥</th><th class=num>TP</th><th class=num>FP</th><th class=num>FN</th>"
       "<th class=num>Precision</th><th class=num>Recall</th><th class=num>F1</th></tr></thead><tbody>";
  op_row("Chosen threshold", a.overall.at_threshold, "at_threshold", a.options.score_threshold);
  if (a.overall.has_best) op_row("Best F1", a.overall.best, "best_f1", a.overall.best_threshold);
  h << "</tbody></table></div></section>\n";

  // ---- confusion matrix
  h << "<section id=confusion><h2>Confusion matrix</h2><p class=note>" << s.confusion_note << "</p>";
  // The largest confusions first: readable even when the matrix has 80 rows.
  struct Pair { std::size_t r, c; std::uint64_t n; };
  std::vector<Pair> pairs;
  for (std::size_t r = 0; r < K; ++r)
    for (std::size_t c = 0; c < K; ++c)
      if (r != c && a.confusion.at(r, c)) pairs.push_back({r, c, a.confusion.at(r, c)});
  std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& x, const Pair& y) { return x.n > y.n; });
  if (!pairs.empty()) {
    h << "<h3>Most frequent confusions</h3><div class=scroll><table><thead><tr><th>Ground truth</th><th>Predicted as</th>"
         "<th class=num>Count</th></tr></thead><tbody>";
    for (std::size_t i = 0; i < std::min<std::size_t>(pairs.size(), 10); ++i)
      h << "<tr><td>" << esc(names[pairs[i].r]) << "</td><td>" << esc(names[pairs[i].c]) << "</td>"
        << int_td(pairs[i].n, "confusion") << "</tr>";
    h << "</tbody></table></div>";
  }
  h << "<h3>Heat map</h3><figure><div class=scroll>";
  const std::size_t hidden = confusion_svg(h, a.confusion, names);
  h << "</div><figcaption>" << (hidden ? std::to_string(hidden) + " classes with neither ground truth nor detections "
                                          "are left out. " : std::string()) << "Rows: ground truth (last: detections matching no ground truth). Columns: predicted "
       "class (last: ground truth no detection found). Colour: share of the row; green = correct. "
       "Hover a cell for its count.</figcaption></figure></section>\n";

  // ---- errors
  const ErrorBreakdown& eb = a.errors;
  h << "<section id=errors><h2>Error breakdown</h2><p class=note>" << s.errors_note
    << "<div class=charts><div class=scroll><table><thead><tr><th>Error</th><th class=num>Count</th>"
       "<th class=num>ΔAP</th></tr></thead><tbody>";
  for (std::size_t t = 0; t < kErrorTypes; ++t)
    h << "<tr data-err=\"" << kErrorNames[t] << "\"><th scope=row>" << kErrorNames[t] << "</th>"
      << int_td(eb.count[t], "count") << num_td(eb.delta_ap[t], "delta_ap", signed3(eb.delta_ap[t])) << "</tr>";
  h << "<tr data-err=\"false_positives\"><th scope=row>all false positives</th><td></td>"
    << num_td(eb.delta_ap_false_positives, "delta_ap", signed3(eb.delta_ap_false_positives)) << "</tr>"
    << "<tr data-err=\"false_negatives\"><th scope=row>all false negatives</th><td></td>"
    << num_td(eb.delta_ap_false_negatives, "delta_ap", signed3(eb.delta_ap_false_negatives)) << "</tr>";
  h << "</tbody></table></div><figure>";
  errors_svg(h, eb);
  h << "</figure></div>";
  if (s.use_cats && K > 1) {
    h << "<details><summary>Errors per class</summary><div class=scroll><table class=sortable><thead><tr>"
         "<th data-sort=text>Class</th><th data-sort=num class=num>" << s.errors_ap_col << "</th>";
    for (std::size_t t = 0; t < kErrorTypes; ++t) h << "<th data-sort=num class=num>" << kErrorNames[t] << "</th>";
    h << "</tr></thead><tbody>";
    for (std::size_t k = 0; k < K; ++k) {
      const auto& pc = eb.per_category[k];
      h << "<tr><td>" << esc(names[k]) << "</td>" << num_td(pc.ap, "ap", f3(pc.ap));
      for (std::size_t t = 0; t < kErrorTypes; ++t)
        h << "<td class=num data-v=\"" << g17(pc.delta_ap[t]) << "\" title=\"ΔAP " << signed3(pc.delta_ap[t])
          << "\">" << std::to_string(pc.count[t]) << " <span class=ci>(" << signed3(pc.delta_ap[t]) << ")</span></td>";
      h << "</tr>";
    }
    h << "</tbody></table></div><p class=note>Each cell: count (ΔAP of that class). Sorting orders by ΔAP.</p>"
         "</details>";
  }
  h << "</section>\n";

  // ---- definitions
  h << "<footer id=definitions><h2>Definitions</h2><dl>" << s.definitions << "</dl><p>Generated by deteval "
    << version() << ". This file is self-contained: no network access.</p></footer>\n</main>\n";

  // ---- data for the charts
  json data = s.data;
  data["names"] = names;
  data["score_threshold"] = a.options.score_threshold;
  json f1 = {{"thresholds", rounded(a.f1_thresholds)}}, best = json::object();
  auto add_op = [&](const std::string& key, const OperatingPoint& op) {
    f1[key] = {{"p", rounded(op.f1_precision)}, {"r", rounded(op.f1_recall)}, {"f1", rounded(op.f1)}};
    best[key] = op.has_best ? json::array({op.best_threshold, op.best.f1}) : json(nullptr);
  };
  add_op("all", a.overall);
  if (s.use_cats)
    for (std::size_t k = 0; k < K; ++k) add_op(std::to_string(k), a.per_category[k]);
  data["f1"] = f1;
  data["best"] = best;
  h << "<script type=\"application/json\" id=report-data>" << script_safe(data.dump()) << "</script>\n<script>"
    << script() << "</script>\n</body></html>\n";
  return h.s;
}

// The operating-point cells of a per-class row: shown as "–" where undefined (no detection /
// no GT); data-v keeps the JSON's 0.
std::string op_cells(const OperatingPoint& op) {
  return num_td(op.at_threshold.precision, "precision",
                op.at_threshold.tp + op.at_threshold.fp ? f3(op.at_threshold.precision) : "–") +
         num_td(op.at_threshold.recall, "recall", op.num_gt ? f3(op.at_threshold.recall) : "–") +
         num_td(op.at_threshold.f1, "f1", op.num_gt || op.at_threshold.fp ? f3(op.at_threshold.f1) : "–") +
         num_td(op.has_best ? op.best.f1 : -1, "best_f1", op.has_best ? f3(op.best.f1) : "–") +
         num_td(op.has_best ? op.best_threshold : NAN, "best_threshold",
                op.has_best ? fmt("%.3g", op.best_threshold) : "–");
}
extern const char* const kOpHeads;
const char* const kOpHeads =
    "<th data-sort=num class=num>P</th><th data-sort=num class=num>R</th><th data-sort=num class=num>F1</th>"
    "<th data-sort=num class=num>best F1</th><th data-sort=num class=num>at score</th>";

std::string classes_head(const std::string& note, std::size_t rows) {
  return "<section id=classes><h2>Per class</h2><p class=note>" + note +
         " Click a header to sort, a row to show its curves.</p>"
         "<div class=controls><label>Filter <input id=class-filter type=search placeholder=\"class name\"></label></div>"
         "<div class=\"scroll" + std::string(rows > 15 ? " tall" : "") + "\"><table class=sortable><thead><tr>";
}

}  // namespace report

namespace detail {
const char* report_css() { return report::css(); }
std::string report_num_td(double v, const std::string& col, const std::string& shown) { return report::num_td(v, col, shown); }
std::string report_int_td(std::uint64_t v, const std::string& col) { return report::int_td(v, col); }
std::string report_g17(double v) { return report::g17(v); }
}  // namespace detail

std::string report_html(const ReportInput& in) {
  if (in.voc) {
    if (!in.voc_analysis) throw UsageError("report_html: a VOC report needs voc_analysis");
    return report::voc_report(in);
  }
  if (!in.eval || !in.analysis) throw UsageError("report_html: needs eval and analysis (or voc)");
  return report::coco_report(in);
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace deteval
