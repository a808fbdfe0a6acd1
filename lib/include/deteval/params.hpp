// Evaluation parameters, as `COCOeval.params` holds them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deteval {

/// What the IoU of a detection and a ground truth is computed on. `keypoints` is
/// pycocotools' object keypoint similarity (OKS, oks.hpp), which takes the IoU's place.
enum class IouType { bbox, segm, rotated, polygon, keypoints };

const char* to_string(IouType);
/// Parses "bbox", "segm", "rotated", "polygon", "keypoints"; throws UsageError
/// (parameter "iou_type") for anything else.
IouType parse_iou_type(std::string_view text);
/// The same, false instead of an error. Kept for code written before
/// parse_iou_type(text); prefer that.
[[deprecated("use IouType parse_iou_type(text), which throws UsageError")]]
bool parse_iou_type(const std::string& text, IouType& out);

/// An object-size range: areas in [lo, hi] belong to it (both ends inclusive).
struct AreaRange {
  std::string label;
  double lo = 0, hi = 0;
  friend bool operator==(const AreaRange&, const AreaRange&) = default;
};

/// The parameters of a COCO-style evaluation. `Params{}` holds pycocotools'
/// defaults for boxes: IoU 0.50:0.05:0.95, 101 recall points, maxDets 1/10/100,
/// areas all/small/medium/large, categories used.
struct Params {
  IouType iou_type = IouType::bbox;
  bool use_cats = true;
  std::vector<double> iou_thrs;   ///< IoU thresholds (T)
  std::vector<double> rec_thrs;   ///< recall thresholds (R)
  std::vector<int> max_dets;      ///< detections kept per image (M), ascending by convention
  std::vector<AreaRange> area_ranges;  ///< (A)
  /// keypoints: one OKS sigma per keypoint (default: COCO's 17, coco_keypoint_sigmas()).
  std::vector<double> kpt_oks_sigmas;

  Params();
  /// pycocotools' defaults for `type` (`Params(iouType=...)`): for keypoints maxDets 20
  /// and areas all/medium/large; for the other types the box defaults.
  explicit Params(IouType type);
};

/// pycocotools' default `kpt_oks_sigmas`: COCO's 17 person keypoints, computed as
/// numpy computes `np.array([.26, .25, ...]) / 10.0` (0.026000000000000002, 0.025, ...).
std::vector<double> coco_keypoint_sigmas();

/// numpy.linspace(start, stop, num), bit for bit (endpoint included).
std::vector<double> linspace(double start, double stop, int num);

/// Throws UsageError saying why `p` cannot be evaluated (`iou thresholds: expected
/// values in [0, 1], got 2`); returns when it can.
void check_params(const Params& p);
/// check_params' message, or an empty string when `p` can be evaluated. Kept for code
/// written before check_params; prefer that.
[[deprecated("use check_params(p), which throws UsageError")]]
std::string validate(const Params& p);

}  // namespace deteval
