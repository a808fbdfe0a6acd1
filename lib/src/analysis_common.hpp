// What the COCO analyses (analysis.cpp) and the VOC/DOTA analyses (voc_analysis.cpp)
// share: counts and operating points from a score ladder, numpy's percentile and the
// bootstrap's random streams. Private to lib/.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "deteval/analysis.hpp"

namespace deteval::detail {

inline std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// The generator of bootstrap replicate b: independent of threads and platform.
inline Xoshiro256 replicate_rng(std::uint64_t seed, std::size_t b) {
  std::uint64_t mix = seed;
  return Xoshiro256(splitmix64(mix) ^ (0xD1B54A32D192ED03ULL * (b + 1)));
}

inline Counts make_counts(std::uint64_t tp, std::uint64_t fp, std::uint64_t num_gt) {
  Counts c;
  c.tp = tp;
  c.fp = fp;
  c.fn = num_gt - tp;
  c.precision = tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0;
  c.recall = num_gt ? static_cast<double>(tp) / static_cast<double>(num_gt) : 0;
  c.f1 = c.precision + c.recall > 0 ? 2 * c.precision * c.recall / (c.precision + c.recall) : 0;
  return c;
}

// Non-ignored detections of one category (or all) by descending score, with
// cumulative TP counts: the operating point at any threshold is a binary search.
struct ScoreLadder {
  std::vector<double> score;       // descending
  std::vector<std::uint64_t> ctp;  // TPs among the first i+1
  std::uint64_t num_gt = 0;

  std::size_t count_at_least(double s) const {
    return static_cast<std::size_t>(
        std::partition_point(score.begin(), score.end(), [s](double v) { return v >= s; }) - score.begin());
  }
  Counts at(double s) const {
    const std::size_t n = count_at_least(s);
    const std::uint64_t tp = n ? ctp[n - 1] : 0;
    return make_counts(tp, n - tp, num_gt);
  }
};

inline OperatingPoint operating_point(const ScoreLadder& l, double thr, const std::vector<double>& grid) {
  OperatingPoint op;
  op.num_gt = l.num_gt;
  op.num_dt = l.score.size();
  op.at_threshold = l.at(thr);
  // F1 only changes at the end of a run of equal scores; the first maximum found
  // is the highest threshold.
  double best = 0;
  for (std::size_t i = 0; i < l.score.size(); ++i) {
    if (i + 1 < l.score.size() && l.score[i + 1] == l.score[i]) continue;
    const Counts c = make_counts(l.ctp[i], i + 1 - l.ctp[i], l.num_gt);
    if (c.f1 > best) {
      best = c.f1;
      op.has_best = true;
      op.best_threshold = l.score[i];
      op.best = c;
    }
  }
  for (double s : grid) {
    const Counts c = l.at(s);
    op.f1_precision.push_back(c.precision);
    op.f1_recall.push_back(c.recall);
    op.f1.push_back(c.f1);
  }
  return op;
}

// numpy.percentile(v, q), method "linear"; -1 for no values.
inline double percentile(std::vector<double> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const double pos = q / 100.0 * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return v[lo] + (v[hi] - v[lo]) * frac;
}

}  // namespace deteval::detail
