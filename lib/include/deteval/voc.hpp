// Pascal VOC detection evaluation, exactly as the devkit's Python port (py-faster-rcnn
// `voc_eval.py`, also detectron2's copy) computes it: per class, greedy matching by
// descending score at one IoU threshold with the +1 pixel convention, then the 11-point
// (VOC2007) and area (VOC2010+) average precision.
//
// Images are dense indices 0..num_images-1 (the formats layer maps the image-set ids to
// them). Boxes are corner coordinates, 1-based and inclusive, as VOC files write them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "deteval/evaluate.hpp"  // EvalOptions
#include "deteval/outcome.hpp"

namespace deteval {

/// A box as VOC writes it: inclusive corners, so `x1 == x2` is one pixel wide.
struct VocBox {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  friend bool operator==(const VocBox&, const VocBox&) = default;
};

/// IoU of a detection with a ground-truth box under the +1 pixel convention, with the
/// reference's exact arithmetic (it matters at thresholds such as IoU == 0.5 exactly).
double voc_iou(const VocBox& det, const VocBox& gt);

/// Ground truth and detections of one class.
struct VocClassData {
  std::string name;
  /// Ground-truth objects. Objects of one image must keep their annotation-file order:
  /// the first of equally good matches wins. Order across images does not matter.
  std::vector<std::uint32_t> gt_image;
  std::vector<VocBox> gt_box;
  std::vector<std::uint8_t> gt_difficult;
  /// Detections in file order (ties in score are ranked in this order).
  std::vector<std::uint32_t> det_image;
  std::vector<double> det_score;
  std::vector<VocBox> det_box;
};

/// Everything one evaluation needs.
struct VocDataset {
  std::size_t num_images = 0;
  std::vector<VocClassData> classes;
};

/// What VOC's matching decided for one detection: fp (IoU <= threshold, or the object was
/// already matched: a duplicate), tp (the first detection above the threshold on a
/// non-difficult object), ignored (above the threshold on a difficult object). The one
/// Outcome of every engine; the name VocOutcome stays for code written before it.
using VocOutcome = Outcome;

/// One detection in ranked order, with the matching's decision.
struct VocRankedDetection {
  std::uint32_t detection = 0;  ///< index into the class's det_* arrays
  VocOutcome outcome = VocOutcome::fp;
  /// The object (index into the class's gt_* arrays) whose IoU exceeded the threshold:
  /// the one matched (tp), the difficult one (ignored) or the one already matched by a
  /// higher-ranked detection (a duplicate fp); -1 for an fp without such an object.
  std::int32_t gt = -1;
  /// The highest IoU with an object of the class in the detection's image (difficult and
  /// already matched objects included, as the matching sees them); -inf when there is none.
  double iou = 0;
  /// The first object (file order) attaining `iou`; -1 when the image has no object of the class.
  std::int32_t nearest = -1;
};

/// Result for one class. Values the reference leaves undefined (0/0) are NaN.
struct VocClassResult {
  std::size_t npos = 0;            ///< non-difficult ground truth
  std::size_t num_detections = 0;
  std::size_t tp = 0, fp = 0, ignored = 0;  ///< ignored: matched to a difficult object
  /// Per ranked detection (ignored ones included): cumulative recall (NaN when npos == 0)
  /// and precision tp / max(tp + fp, DBL_EPSILON).
  std::vector<double> recall, precision;
  /// The detections in the same ranked order (descending score, ties in file order), with
  /// what the matching decided: recall[i] and precision[i] are those after ranked[i].
  std::vector<VocRankedDetection> ranked;
  double ap_voc07 = 0;  ///< 11-point AP; 0 when npos == 0 (as the reference)
  double ap_area = 0;   ///< area AP; NaN when npos == 0 and there are detections
};

struct VocResult {
  double iou_threshold = 0.5;
  std::vector<VocClassResult> classes;  ///< in VocDataset::classes order
  /// numpy.mean of the APs of the classes with npos > 0; NaN when there is none.
  double map_voc07 = 0, map_area = 0;
  std::size_t num_map_classes = 0;
};

/// Evaluates one class. Matches when IoU > iou_threshold (strictly).
/// Throws InputError when an image index is >= num_images or the arrays of
/// `data` differ in length.
VocClassResult voc_evaluate_class(const VocClassData& data, std::size_t num_images, double iou_threshold);

/// Evaluates every class (in parallel; the result does not depend on the thread count).
VocResult voc_evaluate(const VocDataset& dataset, double iou_threshold = 0.5, const EvalOptions& options = {});

/// VOC2007 11-point AP: mean over t = k * 0.1 (k = 0..10) of the highest precision at
/// recall >= t, summed in that order as the reference does.
double voc_ap_11point(std::span<const double> recall, std::span<const double> precision);
/// The highest precision at recall >= t (0 when no recall reaches t): one of the 11
/// points at t = k * 0.1.
double voc_precision_at_recall(std::span<const double> recall, std::span<const double> precision, double t);

/// The precision envelope of the area AP: recall [0, recall..., 1] and precision
/// [0, precision..., 0] with the running maximum from the right (numpy.maximum).
struct VocEnvelope {
  std::vector<double> recall, precision;
};
VocEnvelope voc_envelope(std::span<const double> recall, std::span<const double> precision);

/// VOC2010+ area AP: area under the precision envelope (the sum of (recall[i+1] -
/// recall[i]) * precision[i+1] where recall changes), with numpy's summation.
double voc_ap_area(std::span<const double> recall, std::span<const double> precision);

}  // namespace deteval
