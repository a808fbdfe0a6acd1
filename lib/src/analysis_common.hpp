// What the COCO analyses (analysis.cpp) and the VOC/DOTA analyses (voc_analysis.cpp)
// share: the false-positive error types, counts and operating points from a score ladder,
// numpy's percentile, the oracle fixes' AP costs and the bootstrap's random streams.
// Private to lib/.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "deteval/analysis.hpp"
#include "deteval/cancel.hpp"
#include "deteval/outcome.hpp"

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

/// The bootstrap's two passes over a statistic pair: `stats(scratch, a, b)` once on the
/// images as they are (scratch.w[i] = 1), then on `replicates` resamples drawn with
/// replacement (scratch.w[i] = times image i was drawn), in parallel, each replicate
/// from its own random stream: results independent of threads. The full sample's pair
/// goes to `full_a`, `full_b`; the replicates' to `a`, `b` (empty when there are none).
template <class Scratch, class Stats>
void bootstrap_pairs(std::size_t num_images, int replicates, std::uint64_t seed, int threads, Stats&& stats,
                     double& full_a, double& full_b, std::vector<double>& a, std::vector<double>& b,
                     const CancelFlag* cancel = nullptr) {
  tbb::enumerable_thread_specific<Scratch> scratch;
  {
    Scratch& s = scratch.local();
    s.w.assign(num_images, 1.0);
    stats(s, full_a, full_b);
  }
  a.clear();
  b.clear();
  if (replicates <= 0 || num_images == 0) return;
  a.resize(static_cast<std::size_t>(replicates));
  b.resize(static_cast<std::size_t>(replicates));
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, static_cast<std::size_t>(replicates), [&](std::size_t r) {
      check_cancel(cancel);
      Scratch& s = scratch.local();
      Xoshiro256 rng = replicate_rng(seed, r);
      s.w.assign(num_images, 0.0);
      for (std::size_t i = 0; i < num_images; ++i) s.w[rng.below(num_images)] += 1;
      stats(s, a[r], b[r]);
    });
  });
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

/// Operating points per category and overall. Category k's detections are
/// dets[begin[k], begin[k + 1]) in ranked order, those with Outcome::ignored left out; the F1
/// grid has `points` (>= 2) scores spanning the kept detections' scores.
template <class Det, class NumGt>
void operating_points(const std::vector<Det>& dets, const std::vector<std::size_t>& begin, NumGt num_gt,
                      double threshold, int points,
                      std::vector<double>& grid, std::vector<OperatingPoint>& per_category, OperatingPoint& overall) {
  const std::size_t K = begin.size() - 1;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Det& d : dets)
    if (d.flag != Outcome::ignored) {
      lo = std::min(lo, d.score);
      hi = std::max(hi, d.score);
    }
  const int P = std::max(2, points);
  if (lo <= hi)
    for (int j = 0; j < P; ++j) grid.push_back(lo + (hi - lo) * j / (P - 1));
  ScoreLadder all;
  std::vector<std::pair<double, Outcome>> merged;
  per_category.resize(K);
  for (std::size_t k = 0; k < K; ++k) {
    ScoreLadder l;
    l.num_gt = num_gt(k);
    std::uint64_t tp = 0;
    for (std::size_t n = begin[k]; n < begin[k + 1]; ++n)
      if (dets[n].flag != Outcome::ignored) {
        tp += dets[n].flag == Outcome::tp;
        l.score.push_back(dets[n].score);
        l.ctp.push_back(tp);
        merged.emplace_back(dets[n].score, dets[n].flag);
      }
    per_category[k] = operating_point(l, threshold, grid);
    per_category[k].category = k;
    all.num_gt += l.num_gt;
  }
  std::stable_sort(merged.begin(), merged.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::uint64_t tp = 0;
  for (const auto& [score, flag] : merged) {
    tp += flag == Outcome::tp;
    all.score.push_back(score);
    all.ctp.push_back(tp);
  }
  overall = operating_point(all, threshold, grid);
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

// ---- TIDE-style error costs -----------------------------------------------------

/// TIDE's error type of a false positive, from its best IoU with an object of its own
/// category (`same`; `has_same` false when there is none) and with one of another
/// (`other`). `reaches(iou)` says whether an IoU is a match at the analysis threshold
/// (COCO: >= t; VOC: > t). The COCO and VOC analyses both classify with it.
template <class Reaches>
ErrorType false_positive_type(bool has_same, double same, double other, double bg, Reaches reaches) {
  if (has_same && same >= bg && !reaches(same)) return ErrorType::localization;
  if (reaches(other)) return ErrorType::classification;
  if (reaches(same)) return ErrorType::duplicate;
  // Here `same` is below bg too (or there is no object of the category): not a
  // localization error, not a duplicate.
  if (other < bg) return ErrorType::background;
  return ErrorType::both;
}

/// One oracle fix: detections' outcomes changed, true positives added to categories (their
/// scores), and per-category ground-truth counts lowered.
struct ErrorScenario {
  std::vector<Outcome> flag;  ///< Outcome::ignored: dropped (ignored, or removed by the fix)
  std::vector<std::vector<double>> added;
  std::vector<double> gt_count;
};

/// What the COCO and VOC analyses each supply to `error_costs`. `Det` has `score`, `flag`
/// and `error` (an ErrorType, or -1).
template <class Det>
struct ErrorCostInputs {
  const std::vector<Det>* dets;
  std::size_t categories = 0, targets = 0;     // targets: the GT objects a fix may claim
  std::vector<double> gt_count;                // per category, as the AP counts them
  std::vector<std::uint64_t> missed, unmatched;  // per category
  /// The GT a localization / classification error would become the true positive of.
  std::function<std::size_t(const Det&, ErrorType)> target;
  /// Whether a fix may claim that GT (not matched already, not one the metric ignores).
  std::function<bool(std::size_t)> claimable;
  std::function<std::size_t(std::size_t)> category_of;
  /// The AP of a scenario (its mean), with per-category values into the vector.
  std::function<double(const ErrorScenario&, std::vector<double>&)> ap_of;
  /// Whether category k's AP change is defined (k, base per-category AP, scenario's, scenario).
  std::function<bool(std::size_t, const std::vector<double>&, const std::vector<double>&, const ErrorScenario&)>
      defined;
};

/// The error counts (TIDE's rules): each detection's error type, overall and per
/// category, then as missed every unmatched object that no localization or
/// classification error covers (the objects `in.target` names). `each_object(f)` calls
/// f(object, category, matched) for every object that counts (not ignored). Fills
/// `eb.count`, its per-category counts, and `in.missed` and `in.unmatched`.
template <class Det, class EachObject>
void count_errors(ErrorCostInputs<Det>& in, EachObject&& each_object, ErrorBreakdown& eb) {
  const std::size_t K = in.categories;
  eb.per_category.resize(K);
  std::vector<std::uint8_t> covered(in.targets, 0);
  for (const Det& d : *in.dets) {
    if (d.error < 0) continue;
    const auto type = static_cast<ErrorType>(d.error);
    ++eb.count[static_cast<std::size_t>(d.error)];
    ++eb.per_category[d.category].count[static_cast<std::size_t>(d.error)];
    if (type == ErrorType::localization || type == ErrorType::classification) covered[in.target(d, type)] = 1;
  }
  in.missed.assign(K, 0);
  in.unmatched.assign(K, 0);
  each_object([&](std::size_t object, std::size_t k, bool matched) {
    if (matched) return;
    ++in.unmatched[k];
    if (!covered[object]) ++in.missed[k];
  });
  for (std::size_t k = 0; k < K; ++k) {
    eb.count[static_cast<std::size_t>(ErrorType::missed)] += in.missed[k];
    eb.per_category[k].count[static_cast<std::size_t>(ErrorType::missed)] = in.missed[k];
  }
}

/// Fills `eb.ap`, `eb.delta_ap` per error type (TIDE's oracle: fix every error of the type,
/// score again), and the costs of all false positives and all false negatives; returns
/// the base per-category APs. Localization and classification errors are fixed highest
/// score first, each claiming an unclaimed GT or else dropped; the others are dropped,
/// missed GT are removed from the counts.
template <class Det>
std::vector<double> error_costs(const ErrorCostInputs<Det>& in, ErrorBreakdown& eb) {
  const std::vector<Det>& dets = *in.dets;
  const std::size_t K = in.categories;
  auto base = [&] {
    ErrorScenario s;
    s.flag.resize(dets.size());
    for (std::size_t n = 0; n < dets.size(); ++n) s.flag[n] = dets[n].flag;
    s.added.resize(K);
    s.gt_count = in.gt_count;
    return s;
  };
  std::vector<double> base_cat;
  eb.ap = in.ap_of(base(), base_cat);
  eb.per_category.resize(K);
  auto record = [&](std::size_t type, const ErrorScenario& s, double& delta, bool per_category) {
    std::vector<double> cat;
    const double after = in.ap_of(s, cat);
    // -1 marks an undefined AP (no ground truth left): the change is undefined too, not a number.
    delta = after > -1 && eb.ap > -1 ? after - eb.ap : std::numeric_limits<double>::quiet_NaN();
    if (!per_category) return;
    for (std::size_t k = 0; k < K; ++k)
      eb.per_category[k].delta_ap[type] = in.defined(k, base_cat, cat, s)
                                              ? cat[k] - base_cat[k]
                                              : std::numeric_limits<double>::quiet_NaN();
  };
  auto fix_to_tp = [&](ErrorType type) {
    ErrorScenario s = base();
    std::vector<std::size_t> which;
    for (std::size_t n = 0; n < dets.size(); ++n)
      if (dets[n].error == static_cast<int>(type)) which.push_back(n);
    std::stable_sort(which.begin(), which.end(),
                     [&](std::size_t x, std::size_t y) { return dets[x].score > dets[y].score; });
    std::vector<std::uint8_t> claimed(in.targets, 0);
    for (std::size_t n : which) {
      const std::size_t g = in.target(dets[n], type);
      s.flag[n] = Outcome::ignored;
      if (!in.claimable(g) || claimed[g]) continue;
      claimed[g] = 1;
      if (type == ErrorType::localization) s.flag[n] = Outcome::tp;
      else s.added[in.category_of(g)].push_back(dets[n].score);
    }
    return s;
  };
  auto fix_remove = [&](auto pred) {
    ErrorScenario s = base();
    for (std::size_t n = 0; n < dets.size(); ++n)
      if (pred(dets[n])) s.flag[n] = Outcome::ignored;
    return s;
  };
  auto idx = [](ErrorType t) { return static_cast<std::size_t>(t); };
  for (ErrorType type : {ErrorType::localization, ErrorType::classification})
    record(idx(type), fix_to_tp(type), eb.delta_ap[idx(type)], true);
  for (ErrorType type : {ErrorType::both, ErrorType::duplicate, ErrorType::background})
    record(idx(type), fix_remove([&](const Det& d) { return d.error == static_cast<int>(type); }),
           eb.delta_ap[idx(type)], true);
  {
    ErrorScenario s = base();
    for (std::size_t k = 0; k < K; ++k) s.gt_count[k] -= static_cast<double>(in.missed[k]);
    record(idx(ErrorType::missed), s, eb.delta_ap[idx(ErrorType::missed)], true);
  }
  record(0, fix_remove([](const Det& d) { return d.flag == Outcome::fp; }), eb.delta_ap_false_positives, false);
  {
    ErrorScenario s = base();
    for (std::size_t k = 0; k < K; ++k) s.gt_count[k] -= static_cast<double>(in.unmatched[k]);
    record(0, s, eb.delta_ap_false_negatives, false);
  }
  return base_cat;
}

/// Adds one image's detections to the confusion matrix at score threshold `s_thr`:
/// true positives on the diagonal; the other detections, by descending score (ties in
/// their given order), each take the best-overlapping GT of another category that is
/// still `open(g)` (neither matched at the threshold nor excused) and not yet taken, or
/// count as background (row K); open GTs left over are missed (column K). COCO accepts an
/// overlap >= thr, VOC one > thr (`strict`), as their matchers do; the first of equal
/// overlaps wins in both. `det(di)` gives .score/.category/.flag of the di-th of `n_det`
/// detections; `gt_cat(g)`, `open(g)` and `iou(di, g)` describe the image's `n_gt` GTs.
/// `order` and `taken` are scratch, reused from image to image.
template <class DetOf, class GtCat, class Open, class Iou>
void add_image_confusion(ConfusionMatrix& cm, std::size_t n_det, DetOf&& det, std::size_t n_gt, GtCat&& gt_cat,
                         Open&& open, Iou&& iou, double thr, bool strict, double s_thr,
                         std::vector<std::size_t>& order, std::vector<std::uint8_t>& taken) {
  const std::size_t K1 = cm.K + 1;
  order.clear();
  for (std::size_t di = 0; di < n_det; ++di) {
    const auto& d = det(di);
    if (d.score < s_thr) continue;
    if (d.flag == Outcome::tp) ++cm.counts[d.category * K1 + d.category];
    else order.push_back(di);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return det(x).score > det(y).score; });
  taken.assign(n_gt, 0);
  for (std::size_t di : order) {
    const auto& d = det(di);
    std::ptrdiff_t best_g = -1;
    double best = thr;
    for (std::size_t g = 0; g < n_gt; ++g) {
      if (gt_cat(g) == d.category || !open(g) || taken[g]) continue;
      const double v = iou(di, g);
      if (best_g < 0 ? (strict ? v > thr : v >= thr) : v > best) {
        best = v;
        best_g = static_cast<std::ptrdiff_t>(g);
      }
    }
    if (best_g < 0) {
      ++cm.counts[cm.K * K1 + d.category];
    } else {
      taken[static_cast<std::size_t>(best_g)] = 1;
      ++cm.counts[gt_cat(static_cast<std::size_t>(best_g)) * K1 + d.category];
    }
  }
  for (std::size_t g = 0; g < n_gt; ++g)
    if (open(g) && !taken[g]) ++cm.counts[gt_cat(g) * K1 + cm.K];
}

}  // namespace deteval::detail
