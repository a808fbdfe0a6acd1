// The reports' charts drawn as SVG on the C++ side, so they show without script.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "report_page.hpp"

namespace deteval::report {

// The confusion matrix as an SVG heat map, each row coloured by its share of the row's total.
// Returns how many categories were left out: with many classes, those without
// ground truth or detections (an empty row and column) only shrink the rest.
// `extra` = false: a plain K x K matrix (semantic segmentation), no background row / missed column.
std::size_t confusion_svg(Html& h, const ConfusionMatrix& cm, const std::vector<std::string>& names,
                          bool extra) {
  std::vector<std::size_t> shown;
  for (std::size_t k = 0; k < cm.K; ++k) {
    bool any = cm.K <= 20;
    for (std::size_t j = 0; j <= cm.K && !any; ++j) any = cm.at(k, j) || cm.at(j, k);
    if (any) shown.push_back(k);
  }
  if (extra) shown.push_back(cm.K);
  const std::size_t n = shown.size();
  const bool small = n <= 21;
  const double cell = small ? 40 : (cm.K <= 50 ? 16 : 11);
  std::size_t longest = 10;
  for (const auto& s : names) longest = std::max(longest, std::min<std::size_t>(s.size(), 24));
  const double label = static_cast<double>(longest) * (small ? 8.0 : 6.5) + 12;
  const double font = small ? 13 : (cm.K <= 50 ? 10 : 8);
  const double W = label + cell * static_cast<double>(n) + 10, H = label + cell * static_cast<double>(n) + 10;
  auto lab = [&](std::size_t i, bool row) {
    std::string s = i < cm.K ? names[i] : (row ? "background" : "missed");
    return s.size() > 24 ? s.substr(0, 23) + "…" : s;
  };
  h << "<svg class=\"chart heatmap\" id=\"confusion-chart\" role=img viewBox=\"0 0 " << fmt("%.0f", W) << " "
    << fmt("%.0f", H) << "\" style=\"max-width:" << fmt("%.0f", std::max(W, 360.0)) << "px\">"
    << "<title>Confusion matrix: rows ground truth, columns predicted</title>";
  for (std::size_t ci = 0; ci < n; ++ci) {
    const std::size_t c = shown[ci];
    const double x = label + cell * (static_cast<double>(ci) + 0.5), y = label - 6;
    h << "<text font-size=\"" << fmt("%.0f", font) << "\" transform=\"translate(" << fmt("%.1f", x + font / 3) << " "
      << fmt("%.1f", y) << ") rotate(-60)\"" << (c == cm.K ? " font-style=italic" : "") << ">" << esc(lab(c, false))
      << "</text>";
  }
  for (std::size_t ri = 0; ri < n; ++ri) {
    const std::size_t r = shown[ri];
    std::uint64_t total = 0;
    for (std::size_t c = 0; c <= cm.K; ++c) total += cm.at(r, c);
    const double y = label + cell * static_cast<double>(ri);
    h << "<text font-size=\"" << fmt("%.0f", font) << "\" text-anchor=end x=\"" << fmt("%.1f", label - 6) << "\" y=\""
      << fmt("%.1f", y + cell / 2 + font / 3) << "\"" << (r == cm.K ? " font-style=italic" : "") << ">"
      << esc(lab(r, true)) << "</text>";
    for (std::size_t ci = 0; ci < n; ++ci) {
      const std::size_t c = shown[ci];
      const std::uint64_t v = cm.at(r, c);
      const double share = total ? static_cast<double>(v) / static_cast<double>(total) : 0;
      // White to dark blue; the diagonal in green so correct and confused stand apart.
      const bool diag = r == c && r < cm.K;
      const int R0 = diag ? 0 : 0, G0 = diag ? 130 : 70, B0 = diag ? 80 : 160;
      auto mix = [&](int full) { return static_cast<int>(std::lround(255 + (full - 255) * std::sqrt(share))); };
      char color[16];
      std::snprintf(color, sizeof color, "#%02x%02x%02x", mix(R0), mix(G0), mix(B0));
      const double x = label + cell * static_cast<double>(ci);
      h << "<rect class=cm-cell data-r=\"" << std::to_string(r) << "\" data-c=\"" << std::to_string(c) << "\" data-n=\""
        << std::to_string(v) << "\" x=\"" << fmt("%.1f", x) << "\" y=\"" << fmt("%.1f", y) << "\" width=\""
        << fmt("%.1f", cell) << "\" height=\"" << fmt("%.1f", cell) << "\" fill=\"" << color
        << "\" stroke=\"#ddd\" stroke-width=\"0.5\"><title>" << esc(lab(r, true)) << " → " << esc(lab(c, false))
        << ": " << std::to_string(v) << (total ? fmt(" (%.1f%% of the row)", 100 * share) : "") << "</title></rect>";
      if (small && v)
        h << "<text font-size=\"" << fmt("%.0f", font - 1) << "\" text-anchor=middle x=\"" << fmt("%.1f", x + cell / 2)
          << "\" y=\"" << fmt("%.1f", y + cell / 2 + 4) << "\" fill=\"" << (share > 0.35 ? "#fff" : "#111")
          << "\" pointer-events=none>" << std::to_string(v) << "</text>";
    }
  }
  h << "</svg>";
  return cm.K + (extra ? 1 : 0) - n;
}

// ΔAP of each error type as horizontal bars.
void errors_svg(Html& h, const ErrorBreakdown& eb) {
  std::vector<std::pair<std::string, double>> bars;
  for (std::size_t t = 0; t < kErrorTypes; ++t) bars.emplace_back(kErrorNames[t], eb.delta_ap[t]);
  bars.emplace_back("all false positives", eb.delta_ap_false_positives);
  bars.emplace_back("all false negatives", eb.delta_ap_false_negatives);
  double top = 0;
  for (const auto& b : bars) top = std::max(top, b.second);
  if (top <= 0) top = 0.01;
  const double L = 170, W = 640, bar = 26, gap = 10, pw = W - L - 80;
  const double H = 20 + static_cast<double>(bars.size()) * (bar + gap) + 30;
  h << "<svg class=chart id=\"errors-chart\" role=img viewBox=\"0 0 640 " << fmt("%.0f", H)
    << "\"><title>AP gained by fixing each error type</title>";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double y = 14 + static_cast<double>(i) * (bar + gap);
    const double w = std::max(0.0, bars[i].second) / top * pw;
    h << "<text x=\"" << fmt("%.0f", L - 8) << "\" y=\"" << fmt("%.1f", y + bar / 2 + 5)
      << "\" text-anchor=end font-size=15>" << esc(bars[i].first) << "</text>"
      << "<rect class=err-bar data-v=\"" << g17(bars[i].second) << "\" x=\"" << fmt("%.0f", L) << "\" y=\""
      << fmt("%.1f", y) << "\" width=\"" << fmt("%.1f", std::max(w, 1.0)) << "\" height=\"" << fmt("%.0f", bar)
      << "\" fill=\"" << (i < kErrorTypes ? "#D55E00" : "#0072B2") << "\"><title>" << esc(bars[i].first)
      << ": ΔAP " << signed3(bars[i].second) << "</title></rect>"
      << "<text x=\"" << fmt("%.1f", L + std::max(w, 1.0) + 6) << "\" y=\"" << fmt("%.1f", y + bar / 2 + 5)
      << "\" font-size=14>" << signed3(bars[i].second) << "</text>";
  }
  h << "<text x=\"" << fmt("%.0f", L) << "\" y=\"" << fmt("%.0f", H - 8)
    << "\" font-size=13 fill=\"#555\">AP gained (absolute) when that error type alone is fixed</text></svg>";
}

// Per-class scores as horizontal bars on a 0..1 scale (undefined scores: no bar, "–").
void score_bars_svg(Html& h, const std::vector<std::string>& names, const std::vector<double>& v,
                    const std::string& what) {
  const double L = 170, W = 640, bar = 16, gap = 6, pw = W - L - 60;
  const double H = 14 + static_cast<double>(names.size()) * (bar + gap) + 28;
  h << "<svg class=chart id=\"iou-chart\" role=img viewBox=\"0 0 640 " << fmt("%.0f", H) << "\"><title>" << esc(what)
    << " per class</title>";
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double y = 10 + static_cast<double>(i) * (bar + gap);
    const bool defined = std::isfinite(v[i]);
    const double w = defined ? std::clamp(v[i], 0.0, 1.0) * pw : 0;
    h << "<text x=\"" << fmt("%.0f", L - 8) << "\" y=\"" << fmt("%.1f", y + bar / 2 + 5)
      << "\" text-anchor=end font-size=13>" << esc(names[i]) << "</text>";
    if (defined)
      h << "<rect class=iou-bar data-v=\"" << g17(v[i]) << "\" x=\"" << fmt("%.0f", L) << "\" y=\"" << fmt("%.1f", y)
        << "\" width=\"" << fmt("%.1f", std::max(w, 1.0)) << "\" height=\"" << fmt("%.0f", bar)
        << "\" fill=\"#0072B2\"><title>" << esc(names[i]) << ": " << f3(v[i]) << "</title></rect>";
    h << "<text x=\"" << fmt("%.1f", L + std::max(w, 1.0) + 6) << "\" y=\"" << fmt("%.1f", y + bar / 2 + 5)
      << "\" font-size=12>" << f3(v[i]) << "</text>";
  }
  h << "<text x=\"" << fmt("%.0f", L) << "\" y=\"" << fmt("%.0f", H - 6) << "\" font-size=12 fill=\"#555\">" << esc(what)
    << " (0 to 1; no bar: undefined)</text></svg>";
}

}  // namespace deteval::report
