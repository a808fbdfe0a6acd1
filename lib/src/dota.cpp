// DOTA Task 1: the VOC engine (voc_engine.hpp) with the exact polygon IoU.
//
// The devkit first keeps only the objects whose +1 pixel bounding boxes overlap the
// detection's and computes the polygon IoU for those; the others would have IoU 0, which
// never exceeds the threshold. Here pairs whose extents do not overlap get IoU 0 without
// clipping (what shape_iou would return for them too), which gives the same decisions.
#include "deteval/dota.hpp"

#include "deteval/error.hpp"
#include "deteval/geometry.hpp"
#include "voc_engine.hpp"

namespace deteval {
namespace {

std::vector<ShapeInfo> infos(const ShapeStore& shapes, const std::string& cls, const char* what) {
  std::vector<ShapeInfo> out(shapes.size());
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const PolygonView p = shapes[i];
    if (p.size() % 2 != 0 || p.size() < 6)
      throw InputError::data("dota_evaluate: class '" + cls + "': " + what + " polygon " + std::to_string(i) +
                                  " needs an even number of coordinates and at least 3 vertices");
    out[i] = shape_info(p);
  }
  return out;
}

}  // namespace

VocClassResult dota_evaluate_class(const DotaClassData& data, std::size_t num_images, double iou_threshold) {
  const std::size_t G = data.gt_image.size(), D = data.det_image.size();
  if (data.gt_poly.size() != G || data.gt_difficult.size() != G)
    throw InputError::data("dota_evaluate: class '" + data.name + "': ground-truth arrays differ in length");
  if (data.det_score.size() != D || data.det_poly.size() != D)
    throw InputError::data("dota_evaluate: class '" + data.name + "': detection arrays differ in length");
  const std::vector<ShapeInfo> gt_info = infos(data.gt_poly, data.name, "ground-truth");
  const std::vector<ShapeInfo> det_info = infos(data.det_poly, data.name, "detection");
  const detail::VocClassView view{data.name, data.gt_image, data.gt_difficult, data.det_image, data.det_score};
  return detail::voc_evaluate_class_with(view, num_images, iou_threshold, [&] {
    return [&, scratch = GeometryScratch{}](std::uint32_t d, std::uint32_t g) mutable {
      const ShapeInfo &a = det_info[d], &b = gt_info[g];
      // The devkit's bounding-box prefilter, without its +1: shape_iou would return exactly 0
      // for extents that do not overlap or only touch, only more slowly.
      if (a.xmax <= b.xmin || b.xmax <= a.xmin || a.ymax <= b.ymin || b.ymax <= a.ymin) return 0.0;
      return shape_iou(data.det_poly[d], a, data.gt_poly[g], b, /*crowd=*/false, scratch);
    };
  });
}

VocResult dota_evaluate(const DotaDataset& dataset, double iou_threshold, const EvalOptions& options) {
  return detail::voc_evaluate_classes(dataset.classes.size(), iou_threshold, options, [&](std::size_t k) {
    return dota_evaluate_class(dataset.classes[k], dataset.num_images, iou_threshold);
  });
}

}  // namespace deteval
