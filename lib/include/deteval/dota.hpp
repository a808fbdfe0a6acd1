// DOTA Task 1 (oriented boxes) evaluation, as the DOTA devkit's `dota_evaluation_task1.py`
// computes it: the VOC devkit's per-class greedy matching and APs (voc.hpp), with the IoU of
// two polygons (quadrilaterals in DOTA) instead of the +1 pixel box IoU.
//
// The IoU is exact polygon geometry (geometry.hpp's shape_iou), without any +1 pixel term.
// Results use the VOC result types: everything but the IoU is the same computation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "deteval/evaluate.hpp"  // EvalOptions
#include "deteval/shape.hpp"
#include "deteval/voc.hpp"

namespace deteval {

/// Ground truth and detections of one class. Polygons are simple (not self-intersecting,
/// non-zero area; the formats layer checks this with polygon_is_valid), either orientation,
/// any start vertex.
struct DotaClassData {
  std::string name;
  /// Ground-truth objects. Objects of one image keep their annotation-file order: the first
  /// of equally good matches wins.
  std::vector<std::uint32_t> gt_image;
  ShapeStore gt_poly;
  std::vector<std::uint8_t> gt_difficult;
  /// Detections in file order (ties in score are ranked in this order).
  std::vector<std::uint32_t> det_image;
  std::vector<double> det_score;
  ShapeStore det_poly;
};

struct DotaDataset {
  std::size_t num_images = 0;
  std::vector<DotaClassData> classes;
};

/// Evaluates one class. Matches when IoU > iou_threshold (strictly). Throws
/// InputError when an image index is >= num_images, the arrays differ in length
/// or a polygon has an odd number of coordinates or fewer than 3 vertices.
VocClassResult dota_evaluate_class(const DotaClassData& data, std::size_t num_images, double iou_threshold);

/// Evaluates every class (in parallel; the result does not depend on the thread count).
/// Means over the classes with non-difficult ground truth, as voc_evaluate.
VocResult dota_evaluate(const DotaDataset& dataset, double iou_threshold = 0.5, const EvalOptions& options = {});

}  // namespace deteval
