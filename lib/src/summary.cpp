#include "deteval/summary.hpp"

#include <cstdio>

#include "deteval/detail/pairwise_sum.hpp"
#include "deteval/error.hpp"

namespace deteval {

double mean_valid(const std::vector<double>& values) {
  std::vector<double> valid;
  valid.reserve(values.size());
  for (double v : values)
    if (v > -1) valid.push_back(v);
  if (valid.empty()) return -1;
  return detail::numpy_sum(valid.data(), valid.size()) / static_cast<double>(valid.size());
}

namespace {

// One line of COCOeval.summarize(): the mean over every selected entry > -1, with
// the selections (IoU, area label, maxDets) matched exactly as numpy's == does.
double summarize_one(const Evaluation& e, bool ap, const double* iou_thr, const char* area, int max_dets,
                     std::string& text) {
  const Params& p = e.params;
  std::vector<std::size_t> ts, as, ms;
  for (std::size_t t = 0; t < e.T; ++t)
    if (!iou_thr || p.iou_thrs[t] == *iou_thr) ts.push_back(t);
  for (std::size_t a = 0; a < e.A; ++a)
    if (p.area_ranges[a].label == area) as.push_back(a);
  for (std::size_t m = 0; m < e.M; ++m)
    if (p.max_dets[m] == max_dets) ms.push_back(m);

  // numpy's s[:, :, :, aind, mind] pairs aind with mind elementwise (broadcast).
  std::vector<std::pair<std::size_t, std::size_t>> am;
  if (as.size() == ms.size() || as.size() == 1 || ms.size() == 1) {
    const std::size_t n = std::max(as.size(), ms.size());
    if (!as.empty() && !ms.empty())
      for (std::size_t i = 0; i < n; ++i) am.emplace_back(as[as.size() == 1 ? 0 : i], ms[ms.size() == 1 ? 0 : i]);
  }
  std::vector<double> sel;
  for (std::size_t t : ts) {
    if (ap) {
      for (std::size_t r = 0; r < e.R; ++r)
        for (std::size_t k = 0; k < e.K; ++k)
          for (auto [a, m] : am) sel.push_back(e.precision_at(t, r, k, a, m));
    } else {
      for (std::size_t k = 0; k < e.K; ++k)
        for (auto [a, m] : am) sel.push_back(e.recall_at(t, k, a, m));
    }
  }
  const double mean = mean_valid(sel);

  char iou_str[64];
  if (iou_thr)
    std::snprintf(iou_str, sizeof iou_str, "%0.2f", *iou_thr);
  else
    std::snprintf(iou_str, sizeof iou_str, "%0.2f:%0.2f", p.iou_thrs.front(), p.iou_thrs.back());
  char line[256];
  std::snprintf(line, sizeof line, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
                ap ? "Average Precision" : "Average Recall", ap ? "(AP)" : "(AR)", iou_str, area, max_dets, mean);
  text += line;
  return mean;
}

// COCOeval._summarizeKps: every line at the literal maxDets 20, no small range, AR at 0.5/0.75.
Summary summarize_keypoints(const Evaluation& e) {
  Summary s;
  s.names = kKeypointStatNames;
  s.stats.resize(10);
  const double i50 = 0.5, i75 = 0.75;
  for (int ap = 1; ap >= 0; --ap) {
    double* out = s.stats.data() + (ap ? 0 : 5);
    out[0] = summarize_one(e, ap, nullptr, "all", 20, s.text);
    out[1] = summarize_one(e, ap, &i50, "all", 20, s.text);
    out[2] = summarize_one(e, ap, &i75, "all", 20, s.text);
    out[3] = summarize_one(e, ap, nullptr, "medium", 20, s.text);
    out[4] = summarize_one(e, ap, nullptr, "large", 20, s.text);
  }
  return s;
}

}  // namespace

Summary summarize(const Evaluation& e) {
  if (e.params.iou_type == IouType::keypoints) return summarize_keypoints(e);
  const auto& md = e.params.max_dets;
  if (md.size() < 3)
    throw UsageError("max_dets", "the summary needs at least 3 values (pycocotools reads maxDets[0..2])");
  Summary s;
  s.names = kStatNames;
  s.stats.resize(12);
  const double i50 = 0.5, i75 = 0.75;
  s.stats[0] = summarize_one(e, true, nullptr, "all", 100, s.text);
  s.stats[1] = summarize_one(e, true, &i50, "all", md[2], s.text);
  s.stats[2] = summarize_one(e, true, &i75, "all", md[2], s.text);
  s.stats[3] = summarize_one(e, true, nullptr, "small", md[2], s.text);
  s.stats[4] = summarize_one(e, true, nullptr, "medium", md[2], s.text);
  s.stats[5] = summarize_one(e, true, nullptr, "large", md[2], s.text);
  s.stats[6] = summarize_one(e, false, nullptr, "all", md[0], s.text);
  s.stats[7] = summarize_one(e, false, nullptr, "all", md[1], s.text);
  s.stats[8] = summarize_one(e, false, nullptr, "all", md[2], s.text);
  s.stats[9] = summarize_one(e, false, nullptr, "small", md[2], s.text);
  s.stats[10] = summarize_one(e, false, nullptr, "medium", md[2], s.text);
  s.stats[11] = summarize_one(e, false, nullptr, "large", md[2], s.text);
  return s;
}

std::vector<CategoryMetrics> per_category(const Evaluation& e) {
  std::vector<CategoryMetrics> out;
  if (!e.params.use_cats) return out;
  std::size_t a = e.A;
  for (std::size_t i = 0; i < e.A; ++i)
    if (e.params.area_ranges[i].label == "all") { a = i; break; }
  const std::size_t m = e.M - 1;
  std::ptrdiff_t t50 = -1, t75 = -1;
  for (std::size_t t = 0; t < e.T; ++t) {
    if (t50 < 0 && e.params.iou_thrs[t] == 0.5) t50 = static_cast<std::ptrdiff_t>(t);
    if (t75 < 0 && e.params.iou_thrs[t] == 0.75) t75 = static_cast<std::ptrdiff_t>(t);
  }
  std::vector<double> sel;
  for (std::size_t k = 0; k < e.K; ++k) {
    CategoryMetrics c;
    c.category = k;
    c.id = e.category_ids[k];
    if (a < e.A) {
      auto ap_over = [&](std::size_t t0, std::size_t t1) {
        sel.clear();
        for (std::size_t t = t0; t < t1; ++t)
          for (std::size_t r = 0; r < e.R; ++r) sel.push_back(e.precision_at(t, r, k, a, m));
        return mean_valid(sel);
      };
      c.ap = ap_over(0, e.T);
      if (t50 >= 0) { c.has_ap50 = true; c.ap50 = ap_over(t50, t50 + 1); }
      if (t75 >= 0) { c.has_ap75 = true; c.ap75 = ap_over(t75, t75 + 1); }
      sel.clear();
      for (std::size_t t = 0; t < e.T; ++t) sel.push_back(e.recall_at(t, k, a, m));
      c.ar = mean_valid(sel);
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace deteval
