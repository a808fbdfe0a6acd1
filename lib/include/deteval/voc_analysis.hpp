// The analyses of analysis.hpp for a VOC-style evaluation (`deteval voc`, `deteval dota`):
// an operating point, F1-vs-threshold curves, a confusion matrix, a TIDE-style error
// breakdown and bootstrap intervals of both mAPs.
//
// Every TP/FP/ignored decision is the VOC evaluation's own (VocClassResult::ranked), and
// every re-computed AP goes through the same curve and voc_ap_area / voc_ap_11point, so the
// unmodified data give back VocResult's numbers bit for bit. The only extra computation is
// the IoU of a false positive with the objects of *other* classes in its image (to tell a
// classification error from a background one), with the evaluation's IoU.
//
// Definitions (t = VocResult::iou_threshold, a match needs IoU > t strictly; b =
// AnalysisOptions::background_iou = 0.1; "detection" = one that is not ignored (matched to a
// difficult object); "GT" = a non-difficult object, npos per class). They follow
// analysis.hpp's where they apply; the differences are VOC's:
//  * Operating point at score s: detections with score >= s; TP/FP as VOC decided, FN =
//    npos - TP; precision, recall, F1, best-F1 threshold and the F1 curves as analysis.hpp.
//  * Confusion matrix at t and s: rows = class of a GT plus "background", columns =
//    predicted class plus "missed". A TP counts on the diagonal. Each FP (score >= s), in
//    descending score order within its image (ties: class order, then rank), takes the GT of
//    another class with the highest IoU > t (the first in class and file order on ties)
//    that no TP (>= s) matched and no other FP took; else it counts as background
//    (duplicates, poor boxes and boxes on difficult objects of other classes included). GTs
//    left over count as missed. Row k sums to npos of class k, column k to its detections
//    (>= s), the diagonal is the operating point's TP.
//  * Errors, over all detections. "same" = VOC's own highest IoU with an object of the
//    detection's class in its image (VocRankedDetection::iou, difficult objects included,
//    its object `nearest`); "other" = the highest IoU with an object of another class in
//    the image (difficult ones included; the first in class and file order on ties). Each FP
//    gets the first type that applies:
//      localisation  b <= same <= t
//      classification  other > t
//      duplicate  same > t (VOC's duplicate: the object was matched by a higher-ranked
//                 detection, with no fall-back to another object)
//      background  same < b and other < b
//      both  (what is left: b <= other <= t)
//    missed = a GT never matched that is not the target of a localisation or classification
//    error. Ignored detections are no error, and difficult objects are never missed.
//    delta_ap = mAP (area, VOC2010+) after fixing only that type, minus mAP: localisation
//    and classification errors become the TP of their target object (in the target's class
//    for classification) if it is non-difficult, never matched and not claimed by a
//    higher-scoring fix; otherwise (a difficult target: VOC would ignore the detection) they
//    are removed. Both, duplicate, background: removed. Missed: removed from npos.
//    false_positives: every FP removed; false_negatives: every GT never matched removed.
//    Removing a detection is the same as ignoring it in VOC's curve. A class whose npos
//    drops to 0 leaves the mean, as in voc_evaluate; its per-class delta is NaN.
//    ErrorBreakdown::ap = VocResult::map_area (bit for bit); per class: ap_area, -1 for a
//    class without GT.
//  * Bootstrap: replicate b draws the images with replacement (the generator of
//    analysis.hpp's bootstrap); a drawn image's detections and objects count as often as it
//    was drawn (weights in the cumulative TP/FP sums and in npos), both APs are recomputed per
//    class from the same decisions and averaged over the classes with npos > 0. Interval:
//    numpy's linear percentiles 2.5 and 97.5 of the replicates (those where no class has a GT
//    are left out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "deteval/analysis.hpp"
#include "deteval/dota.hpp"
#include "deteval/voc.hpp"

namespace deteval {

/// What the analyses need of one class besides its geometry: views into a VocClassData or
/// DotaClassData, which must outlive the analysis.
struct VocClassRef {
  std::span<const std::uint32_t> gt_image;
  std::span<const std::uint8_t> gt_difficult;
  std::span<const std::uint32_t> det_image;
  std::span<const double> det_score;
};
std::vector<VocClassRef> voc_class_refs(const VocDataset& dataset);
std::vector<VocClassRef> voc_class_refs(const DotaDataset& dataset);

/// The evaluation's IoU of detection `d` of class `kd` with object `g` of class `kg`
/// (indices into those classes' arrays). Called from several threads at once.
using VocPairIou = std::function<double(std::size_t kd, std::uint32_t d, std::size_t kg, std::uint32_t g)>;

struct VocBootstrap {
  int replicates = 0;
  std::uint64_t seed = 0;
  Interval map_voc07, map_area;  ///< value: the statistic on the data (VocResult's, bit for bit); NaN when undefined
};

struct VocAnalysis {
  double iou_threshold = 0.5;  ///< VocResult::iou_threshold
  /// Operating points, F1 curves, confusion matrix and errors, as defined above. Analysis's
  /// COCO-only members are left empty: no PrCurves (VOC's curves are VocClassResult's
  /// recall/precision), area 0, max_dets 0, iou_index 0, no Bootstrap (see `bootstrap`).
  /// options.iou is set to the evaluation's threshold.
  Analysis analysis;
  bool has_bootstrap = false;
  VocBootstrap bootstrap;
};

/// Runs every analysis (the bootstrap when options.bootstrap > 0). `result` must be the
/// evaluation of `classes` with `num_images` images; `iou` the IoU it used.
VocAnalysis voc_analyze(const VocResult& result, const std::vector<VocClassRef>& classes, std::size_t num_images,
                        const AnalysisOptions& options, const VocPairIou& iou);
/// With voc_iou on the dataset's boxes (`result` = voc_evaluate(dataset, ...)).
VocAnalysis voc_analyze(const VocDataset& dataset, const VocResult& result, const AnalysisOptions& options);
/// With the polygon IoU of dota_evaluate (`result` = dota_evaluate(dataset, ...)).
VocAnalysis dota_analyze(const DotaDataset& dataset, const VocResult& result, const AnalysisOptions& options);

/// Only the bootstrap.
VocBootstrap voc_bootstrap(const VocResult& result, const std::vector<VocClassRef>& classes, std::size_t num_images,
                           int replicates, std::uint64_t seed, int threads = 0);

}  // namespace deteval
