// Object keypoint similarity (OKS), pycocotools' computeOks: the keypoint
// evaluation's stand-in for IoU.
#pragma once

#include <span>

#include "deteval/box.hpp"

namespace deteval {

/// OKS of a detection's keypoints `dt` with a ground truth's `gt` (both n (x, y, v)
/// triples, flat), with one sigma per keypoint. `gt_box` and `gt_area` are the ground
/// truth's `bbox` and `area`. With e_i = (dx_i^2 + dy_i^2) / (2 sigma_i)^2 / (area + eps) / 2:
/// - when some gt v_i > 0: the mean of exp(-e_i) over those keypoints (dx, dy = dt - gt);
/// - otherwise the mean over all n keypoints, with dx, dy the distance outside the gt box
///   grown by its width and height on every side (pycocotools' "ignore region").
/// Computed in pycocotools' order of float64 operations, summed as numpy sums.
/// The detection's v values are not read; a crowd ground truth has no rule of its own.
double oks(std::span<const double> dt, std::span<const double> gt, const Box& gt_box, double gt_area,
           std::span<const double> sigmas);

namespace detail {

/// What OKS needs of one ground truth, computed once for all its detections.
struct OksGroundTruth {
  std::span<const double> xyv;
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;  ///< the grown box (used when no keypoint is labelled)
  double denominator = 0;                 ///< area + np.spacing(1)
  std::size_t labelled = 0;               ///< keypoints with v > 0 (pycocotools' k1)
};

OksGroundTruth oks_ground_truth(std::span<const double> gt, const Box& gt_box, double gt_area);

/// OKS with `vars` = (2 sigma)^2 per keypoint; `scratch` holds at least n doubles.
double oks(std::span<const double> dt, const OksGroundTruth& g, const double* vars, double* scratch);

}  // namespace detail

}  // namespace deteval
