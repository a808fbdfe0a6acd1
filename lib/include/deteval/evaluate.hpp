// COCO-style evaluation: per-cell greedy matching and precision/recall accumulation,
// exactly as pycocotools' COCOeval.evaluate() + accumulate() compute them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "deteval/cancel.hpp"
#include "deteval/dataset.hpp"
#include "deteval/device.hpp"
#include "deteval/error.hpp"
#include "deteval/flat_vector.hpp"
#include "deteval/iou_provider.hpp"
#include "deteval/params.hpp"

namespace deteval {

struct EvalOptions {
  int threads = 0;  ///< worker threads; 0 = all cores. Results do not depend on it.
  /// Called (from the calling thread) as each stage starts: "cells", "iou", "matching",
  /// "accumulation". For progress display; may be empty.
  std::function<void(const char* stage)> on_stage;
  /// Where segm IoUs are counted (device.hpp). Results do not depend on it either:
  /// every backend produces the same integer counts.
  Device device = Device::auto_;
  /// Keep each (threshold, area range, detection)'s match in Evaluation::dt_match and
  /// dt_ignore (COCOeval.evalImgs' dtMatches/dtIgnore: 5 bytes each, about 100 MB at COCO
  /// val scale). analyze() needs them; the summary and per-category results do not. Off,
  /// the two arrays stay empty and nothing else changes.
  bool keep_matches = true;
  /// Set (by another thread or a signal handler) to stop the evaluation: it then throws
  /// Cancelled within a few cells' work (cancel.hpp). nullptr: runs to the end.
  const CancelFlag* cancel = nullptr;
};

/// One entry of COCOeval.evalImgs: a (category, area range, image) cell that has
/// ground truth or detections. Indices point into Evaluation's flat arrays.
struct ImageEval {
  std::uint32_t category = 0;  ///< dense category index (0 when use_cats is off)
  std::uint32_t area = 0;      ///< area-range index
  std::uint32_t image = 0;     ///< dense image index
  std::uint32_t num_dt = 0, num_gt = 0;
  std::uint64_t dt_begin = 0;     ///< into Evaluation::dt_index (score order, <= maxDets[-1])
  std::uint64_t gt_begin = 0;     ///< into Evaluation::gt_index / gt_ignore (non-ignored first)
  std::uint64_t match_begin = 0;  ///< into dt_match / dt_ignore: T rows of num_dt
};

/// Wall time of each stage, in seconds.
struct EvalTimings {
  double cells = 0, iou = 0, matching = 0, accumulation = 0;
};

/// The result of an evaluation: COCOeval.eval's arrays plus the per-cell matches.
struct Evaluation {
  Params params;
  std::size_t T = 0, R = 0, K = 0, A = 0, M = 0;
  std::vector<std::int64_t> category_ids;  ///< K ids; {-1} when use_cats is off

  std::vector<double> precision;  ///< [T][R][K][A][M]; -1 where undefined
  std::vector<double> recall;     ///< [T][K][A][M]; -1 where undefined
  std::vector<double> scores;     ///< [T][R][K][A][M]

  double precision_at(std::size_t t, std::size_t r, std::size_t k, std::size_t a, std::size_t m) const {
    return precision[(((t * R + r) * K + k) * A + a) * M + m];
  }
  double recall_at(std::size_t t, std::size_t k, std::size_t a, std::size_t m) const {
    return recall[((t * K + k) * A + a) * M + m];
  }
  double score_at(std::size_t t, std::size_t r, std::size_t k, std::size_t a, std::size_t m) const {
    return scores[(((t * R + r) * K + k) * A + a) * M + m];
  }

  // Per-cell matching (COCOeval.evalImgs), ordered by category, area, image. (FlatVector:
  // a std::vector filled in parallel without zeroing first; see flat_vector.hpp.)
  std::vector<ImageEval> image_evals;
  FlatVector<std::uint32_t> dt_index;  ///< detection indices
  FlatVector<std::uint32_t> gt_index;  ///< ground-truth indices
  FlatVector<std::uint8_t> gt_ignore;  ///< per gt_index entry
  FlatVector<std::int32_t> dt_match;   ///< matched ground-truth index, or -1
  FlatVector<std::uint8_t> dt_ignore;

  std::string device = "cpu";  ///< where the IoUs were computed
  EvalTimings timings;
};

/// Evaluates `dt` against `gt` with `params`, computing IoUs with `iou`. Throws
/// UsageError for parameters that check_params refuses, and when `gt` or `dt` was read
/// for another IoU type than params.iou_type (check_iou_type): the IoU type is decided
/// once, when the files are read, and a mismatch is never evaluated silently. Throws
/// Cancelled once `options.cancel` is set.
Evaluation evaluate(const GroundTruth& gt, const Detections& dt, const Params& params,
                    const IouProvider& iou, const EvalOptions& options = {});

/// The same with the IoU provider that `params.iou_type` calls for (segm: on
/// `options.device`, every other type on the CPU). Throws as the overload above, and
/// InputError when the data lacks masks or shapes that the type needs, DeviceError when
/// `options.device` is cuda and no GPU is usable or the GPU fails.
Evaluation evaluate(const GroundTruth& gt, const Detections& dt, const Params& params,
                    const EvalOptions& options = {});

}  // namespace deteval
