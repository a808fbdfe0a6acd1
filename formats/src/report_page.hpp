// Internal: the parts of the HTML reports (report.hpp) shared by their files, not installed:
//   report_assets.cpp    the inline style sheet and scripts
//   report_svg.cpp       the charts drawn as SVG here (confusion heat map, error bars, score bars)
//   report_html.cpp      the shared page of COCO and VOC-style reports (render), report_html()
//   report_coco.cpp      the COCO page's Spec (and LVIS's groups)
//   report_voc.cpp       the VOC/DOTA page's Spec, its curves from lib's envelope (voc.hpp)
//   report_semantic.cpp  the semantic segmentation report
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "deteval/formats/report.hpp"

namespace deteval::report {

using nlohmann::json;

inline std::string esc(const std::string& s) { return html_escape(s); }

inline std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
inline std::string g17(double v) { return std::isfinite(v) ? fmt("%.17g", v) : "NaN"; }
inline std::string f3(double v) { return v <= -1 || !std::isfinite(v) ? "–" : fmt("%.3f", v); }
inline std::string signed3(double v) { return !std::isfinite(v) ? "–" : fmt("%+.3f", v); }

// A numeric table cell: shown rounded, exact in data-v.
inline std::string num_td(double v, const std::string& col, const std::string& shown) {
  return "<td class=num data-col=\"" + col + "\" data-v=\"" + g17(v) + "\">" + shown + "</td>";
}
inline std::string int_td(std::uint64_t v, const std::string& col) {
  return "<td class=num data-col=\"" + col + "\" data-v=\"" + std::to_string(v) + "\">" + std::to_string(v) + "</td>";
}

// Rounds chart data to what a chart can show, to keep the file small.
inline double r4(double v) { return std::round(v * 1e4) / 1e4; }
inline json rounded(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(r4(x));
  return a;
}

// Embedding JSON in <script>: "</" and "<!--" must not appear inside it.
inline std::string script_safe(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') {
      out += "\\u003c";
      continue;
    }
    out += s[i];
  }
  return out;
}

/// The style sheet (inside <style>), the error hook (first <script>: records script
/// errors for tests and readers) and the charts' script (last <script>).
const char* css();
const char* error_hook();
const char* script();

struct Html {
  std::string s;
  Html& operator<<(const std::string& x) { s += x; return *this; }
  Html& operator<<(const char* x) { s += x; return *this; }
};

/// The confusion matrix as an SVG heat map (report_svg.cpp); returns how many categories
/// were left out. `extra` = false: a plain K x K matrix, no background row / missed column.
std::size_t confusion_svg(Html& h, const ConfusionMatrix& cm, const std::vector<std::string>& names,
                          bool extra = true);
/// ΔAP of each error type as horizontal bars.
void errors_svg(Html& h, const ErrorBreakdown& eb);
/// Per-class scores as horizontal bars on a 0..1 scale (undefined scores: no bar, "–").
void score_bars_svg(Html& h, const std::vector<std::string>& names, const std::vector<double>& v,
                    const std::string& what);

// What differs between a COCO report and a VOC-style one; render() draws the rest alike.
struct Spec {
  const Analysis* a = nullptr;
  std::size_t K = 0;
  bool use_cats = true;
  std::string iou;       // the analysis IoU as shown: "0.50" (COCO), "0.5" (VOC)
  std::string iou_rule;  // "IoU 0.50" or "IoU > 0.5"
  std::string op_scope;  // after iou_rule in the operating-point note: ", area all, maxDets 100" or ""
  struct Stat {
    std::string name;
    double v;
    const Interval* iv;
    std::string meaning;
  };
  std::vector<Stat> stats;
  bool has_ci = false;
  int replicates = 0;
  std::uint64_t seed = 0;
  std::string classes_html;   // the per-class section, or empty
  std::string area_controls;  // the area picker, or empty
  std::string confusion_note, errors_note, errors_ap_col, definitions;  // HTML
  json data;                  // chart data besides the F1 curves
};

/// The document's head, the title and the facts under it.
void page_head(Html& h, const std::string& title, const std::vector<std::pair<std::string, std::string>>& facts);
/// The page of a COCO or VOC-style report: every section, drawn from `s`.
std::string render(const ReportInput& in, const Spec& s);

/// The per-class table's operating-point cells and their heads, and the table's head.
std::string op_cells(const OperatingPoint& op);
extern const char* const kOpHeads;
std::string classes_head(const std::string& note, std::size_t rows);

std::string coco_report(const ReportInput& in);
std::string voc_report(const ReportInput& in);

}  // namespace deteval::report
