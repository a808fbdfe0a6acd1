// Evaluation parameters, as `COCOeval.params` holds them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deteval {

/// What the IoU of a detection and a ground truth is computed on.
enum class IouType { bbox, segm, rotated, polygon };

const char* to_string(IouType);
/// Parses "bbox", "segm", "rotated", "polygon"; throws UsageError (parameter
/// "iou_type") for anything else.
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

  Params();
};

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
