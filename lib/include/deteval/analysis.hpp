// Why the AP is what it is: PR curves, an operating point, a confusion matrix, a
// TIDE-style error breakdown and bootstrap confidence intervals.
//
// Everything is derived from an Evaluation's own arrays: TP/FP/ignored decisions
// come from dt_match/dt_ignore, curves from precision/scores, and every AP that is
// recomputed (error fixes, resamples) goes through the evaluation's accumulation
// (detail/accumulate.hpp). The only extra computation is the IoU of detections
// with ground truth of *other* categories of the same image (needed to tell a
// classification error from a background one), done with the evaluation's IoU type.
//
// Unless stated otherwise an analysis works at the area range labelled "all" (the
// first range if none is), at the last maxDets value, and at one IoU threshold
// (AnalysisOptions::iou) that must be one of the evaluation's thresholds.
//
// Definitions (t = the analysis IoU, b = AnalysisOptions::background_iou = 0.1;
// "detection" = a kept detection that is not ignored at t; "GT" = a ground truth
// that is not ignored (no crowd, in the area range); IoUs compare as pycocotools
// does: a match needs IoU >= min(t, 1 - 1e-10)):
//  * Operating point at score threshold s: detections with score >= s; TP = those
//    matched at t, FP = the others, FN = GTs - TP. precision = TP/(TP+FP), recall =
//    TP/GTs, F1 = 2PR/(P+R), each 0 when its denominator is 0. "Overall" sums
//    TP/FP/FN over categories (micro average). The best-F1 threshold is the
//    detection score s maximising F1 (the highest such s on ties).
//  * Confusion matrix at t and s: rows = GT category plus a last "background" row,
//    columns = predicted category plus a last "missed" column. A matched detection
//    counts at (its category, its category). Each unmatched detection, in
//    descending score order within its image, takes the GT of another category
//    with the highest IoU >= t that no detection (>= s) matched and that no other
//    unmatched detection took: (GT category, predicted category); without one it
//    counts as background (that includes duplicates and poorly localised boxes).
//    GTs left over count as missed. So row k sums to category k's GTs, column k to
//    its detections (>= s), and the diagonal is the operating point's TP.
//  * Errors (TIDE, Bolya et al. 2020), over every kept detection (no score
//    threshold). Each false positive gets the first type that applies, with
//    "same" = max IoU with GTs of its category, "other" = with GTs of other categories:
//      localisation  b <= same < t
//      classification  other >= t
//      duplicate  same >= t (the GT was matched by a higher-scoring detection)
//      background  same < b and other < b
//      both  (what is left: b <= other < t)
//    missed = a GT never matched at t that is not the target of a localisation
//    or classification error.
//    "AP cost" (delta_ap) = AP at t after fixing only that type, minus AP at t:
//      localisation: the detection becomes a TP of its target GT if that GT was
//        never matched (the highest-scoring such detection wins), else is removed;
//      classification: the detection moves to its target GT's category as a TP
//        under the same rule, else is removed;
//      both, duplicate, background: the detection is removed;
//      missed: those GTs are removed from the GT count;
//      false_positives: every FP removed; false_negatives: every GT never matched
//        removed (TIDE's two "special" errors).
//    Removing a detection is the same as ignoring it in pycocotools' accumulation.
//  * Bootstrap: replicate b draws I images with replacement (xoshiro256** seeded by
//    splitmix64 from (seed, b), so results do not depend on threads or platform);
//    a drawn image's detections and GTs count as often as it was drawn, and AP/AP50
//    are re-accumulated from the evaluation's matches (no re-matching). AP uses the
//    selections summarize() uses (area "all"; maxDets 100 for AP, maxDets[2] for
//    AP50). The interval is numpy's percentile (linear) 2.5 and 97.5 of the replicates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "deteval/cancel.hpp"
#include "deteval/dataset.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/iou_provider.hpp"

namespace deteval {

struct AnalysisOptions {
  double iou = 0.5;             ///< IoU threshold of the operating point, confusion matrix and errors
  double score_threshold = 0.5; ///< operating point and confusion matrix
  double background_iou = 0.1;  ///< TIDE's background threshold
  int bootstrap = 0;            ///< bootstrap replicates; 0 = none
  std::uint64_t seed = 0;       ///< bootstrap seed
  int f1_points = 101;          ///< points of the F1-vs-threshold curves
  int threads = 0;              ///< 0 = all cores; results do not depend on it
  const CancelFlag* cancel = nullptr;  ///< set: analyze() throws Cancelled soon after (cancel.hpp)
};

/// Index of the area range labelled "all", else 0.
std::size_t analysis_area(const Evaluation& e);
/// Index of the IoU threshold within 1e-9 of `iou`, or -1.
std::ptrdiff_t find_iou_threshold(const Evaluation& e, double iou);

// ---- PR curves ------------------------------------------------------------------

/// One precision-recall curve: precision at the evaluation's recall thresholds.
struct PrCurve {
  static constexpr std::size_t kOverall = static_cast<std::size_t>(-1);
  std::size_t category = kOverall;  ///< dense category index, or kOverall (mean over categories)
  std::size_t area = 0;             ///< area-range index
  std::string iou;                  ///< "0.50", "0.75" or "0.50:0.95" (the mean over thresholds)
  std::vector<double> precision;    ///< R values; -1 where undefined (a category without GT)
  std::vector<double> score;        ///< R detection scores, for single-threshold category curves; else empty
};

/// Curves for every area range, for IoU 0.5 and 0.75 (when among the thresholds)
/// and the mean over all thresholds, overall and per category, at the last maxDets.
/// Per category: precision[t][r][k][a][M-1] (the mean over t of the entries > -1).
/// Overall: the mean over categories of the entries > -1. A curve that is
/// undefined (no GT) is left out.
std::vector<PrCurve> pr_curves(const Evaluation& e);

// ---- Operating point --------------------------------------------------------------

struct Counts {
  std::uint64_t tp = 0, fp = 0, fn = 0;
  double precision = 0, recall = 0, f1 = 0;
};

struct OperatingPoint {
  std::size_t category = PrCurve::kOverall;  ///< or kOverall (micro average)
  std::uint64_t num_gt = 0, num_dt = 0;      ///< non-ignored GTs and detections (all scores)
  Counts at_threshold;                       ///< at AnalysisOptions::score_threshold
  bool has_best = false;                     ///< false when no threshold gives F1 > 0
  double best_threshold = 0;
  Counts best;                               ///< at best_threshold
  std::vector<double> f1_precision, f1_recall, f1;  ///< at Analysis::f1_thresholds
};

// ---- Confusion matrix -------------------------------------------------------------

struct ConfusionMatrix {
  std::size_t K = 0;                  ///< categories; the matrix is (K+1) x (K+1)
  std::vector<std::uint64_t> counts;  ///< [gt row][predicted column]; row K = background, column K = missed
  std::uint64_t at(std::size_t gt_row, std::size_t pred_col) const { return counts[gt_row * (K + 1) + pred_col]; }
};

// ---- Errors -----------------------------------------------------------------------

enum class ErrorType : int { classification, localization, both, duplicate, background, missed };
inline constexpr std::size_t kErrorTypes = 6;
inline constexpr std::array<const char*, kErrorTypes> kErrorNames = {
    "classification", "localization", "both", "duplicate", "background", "missed"};

struct ErrorBreakdown {
  double ap = -1;                               ///< AP at t (mean over recall points and categories)
  std::array<std::uint64_t, kErrorTypes> count{};
  std::array<double, kErrorTypes> delta_ap{};   ///< AP gain when fixing each type
  double delta_ap_false_positives = 0, delta_ap_false_negatives = 0;
  struct PerCategory {
    double ap = -1;  ///< NaN-free: -1 when the category has no GT
    std::array<std::uint64_t, kErrorTypes> count{};
    std::array<double, kErrorTypes> delta_ap{};  ///< NaN where the category's AP is undefined before or after
  };
  std::vector<PerCategory> per_category;
};

// ---- Bootstrap --------------------------------------------------------------------

struct Interval {
  double value = -1, lo = -1, hi = -1;  ///< the statistic on the data, and the 95% interval
};

struct Bootstrap {
  int replicates = 0;
  std::uint64_t seed = 0;
  Interval ap, ap50;
  bool has_ap50 = false;  ///< 0.5 is among the IoU thresholds
};

// ---- All of it ----------------------------------------------------------------------

struct Analysis {
  AnalysisOptions options;
  std::size_t area = 0;  ///< area-range index used
  int max_dets = 0;      ///< maxDets used
  std::size_t iou_index = 0;

  std::vector<PrCurve> curves;
  std::vector<double> f1_thresholds;          ///< ascending, shared by all F1 curves
  OperatingPoint overall;
  std::vector<OperatingPoint> per_category;   ///< K entries
  ConfusionMatrix confusion;
  ErrorBreakdown errors;
  bool has_bootstrap = false;
  Bootstrap bootstrap;
};

/// Runs every analysis. `gt`, `dt` and `iou` must be those `e` was computed from.
/// Throws UsageError when options.iou is not one of the IoU thresholds, Cancelled once
/// options.cancel is set.
Analysis analyze(const GroundTruth& gt, const Detections& dt, const Evaluation& e, const AnalysisOptions& options,
                 const IouProvider& iou);
/// The same with the provider for e.params.iou_type.
Analysis analyze(const GroundTruth& gt, const Detections& dt, const Evaluation& e, const AnalysisOptions& options);

/// Only the bootstrap (see the definitions above).
Bootstrap bootstrap_ap(const GroundTruth& gt, const Detections& dt, const Evaluation& e, int replicates, std::uint64_t seed, int threads = 0,
                       const CancelFlag* cancel = nullptr);

/// A deterministic PRNG: xoshiro256** seeded with splitmix64 (standard
/// distributions differ between standard libraries, this does not).
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed);
  std::uint64_t next();
  /// Uniform in [0, n), without modulo bias. n > 0.
  std::uint64_t below(std::uint64_t n);

 private:
  std::uint64_t s_[4];
};

}  // namespace deteval
