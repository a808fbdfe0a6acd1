// Cityscapes pixel-level semantic labeling scores, exactly as cityscapesScripts'
// evalPixelLevelSemanticLabeling.py computes them: class and category IoU over a 34 x 34
// confusion matrix of label ids (ignoreInEval classes count nowhere as ground truth), and
// the instance-weighted iIoU, where each ground-truth instance's TP and FN pixels are
// weighted by avgClassSize / instance size (docs/semantic.md lists every rule).
//
// Images are counted independently (integer counts, any order, in parallel); the weighted
// sums are then added image by image in the given order, instance ids ascending, the
// reference's floating-point order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "deteval/cancel.hpp"
#include "deteval/semantic.hpp"

namespace deteval::cityscapes {

inline constexpr std::size_t kLabels = 34;     ///< label ids 0..33
inline constexpr std::size_t kCategories = 8;  ///< void, flat, construction, object, nature, sky, human, vehicle

/// One label of the Cityscapes label table (labels.py's facts).
struct LabelInfo {
  std::string_view name;
  std::uint8_t category;   ///< index into categories()
  bool has_instances;
  bool ignore_in_eval;
  double avg_size;         ///< avgClassSize for classes with instances, else 0
};

/// The labels, indexed by id.
const std::array<LabelInfo, kLabels>& labels();
/// The category names, in the reference's order.
const std::array<std::string_view, kCategories>& categories();
/// Categories whose labels all have instances (human, vehicle) get an iIoU: for those, the
/// label ids whose prediction counts as the category's TP (vehicle includes the ignored
/// caravan and trailer); empty for the others.
std::span<const std::uint8_t> category_instance_labels(std::size_t category);

/// One ground-truth instance of one image (an id > 1000 of the instance map).
struct InstanceCount {
  std::uint32_t id = 0;
  std::uint64_t size = 0;         ///< pixels with this id
  std::uint64_t tp = 0;           ///< of those, predicted as id / 1000
  std::uint64_t category_tp = 0;  ///< predicted as any instance label of the label's category
};

/// What one image contributes.
struct ImageCounts {
  std::vector<std::uint64_t> confusion = std::vector<std::uint64_t>(kLabels * kLabels, 0);  ///< [gt][pred]
  std::vector<InstanceCount> instances;  ///< instances scored (ignoreInEval labels left out), ids ascending
};

/// Input the reference refuses, in the order it checks an image.
struct ImageIssue {
  enum class Kind {
    unknown_gt_label,            ///< a GT label id > 33 ("Unknown label with id N")
    pred_label_out_of_range,     ///< a predicted id > 33 (IndexError: index N is out of bounds ...)
    unknown_instance_label,      ///< an instance id whose id / 1000 is not a label (KeyError: N)
    instance_without_class,      ///< an instance of a label without instances, e.g. 7001 (KeyError: 'road')
    instance_size_mismatch,      ///< an instance to score, but the instance map's size differs from the labels'
  };
  Kind kind = Kind::unknown_gt_label;
  std::uint32_t value = 0;  ///< the offending label id (pred, GT) or instance id
  std::size_t pixel = 0;    ///< first pixel (row-major) holding it
};

/// Counts one image: GT label ids, GT instance ids, predicted label ids (the GT label map
/// and the prediction must have the same size: InputError otherwise). Returns
/// the reference's first objection instead, if any: in the confusion counting, the first
/// (GT id, predicted id) pair in ascending order that is not a pair of labels; then the
/// instances in ascending id order.
std::optional<ImageIssue> count_image(LabelView gt, LabelView instances, LabelView pred, ImageCounts& out);

/// Accumulated instance sums of a class or category.
struct InstanceStats {
  std::uint64_t tp = 0, fn = 0;
  double tp_weighted = 0, fn_weighted = 0;
};

/// The evaluation's result. Scores the reference leaves undefined are NaN.
struct Result {
  std::vector<std::uint64_t> confusion = std::vector<std::uint64_t>(kLabels * kLabels, 0);
  std::array<double, kLabels> class_iou{}, class_iiou{};
  std::array<double, kCategories> category_iou{}, category_iiou{};
  double mean_class_iou = 0, mean_class_iiou = 0, mean_category_iou = 0, mean_category_iiou = 0;
  std::array<InstanceStats, kLabels> class_stats{};          ///< meaningful where has_instances && !ignore_in_eval
  std::array<InstanceStats, kCategories> category_stats{};   ///< meaningful where category_instance_labels is not empty
  std::size_t images = 0;

  std::uint64_t at(std::size_t gt, std::size_t pred) const { return confusion[gt * kLabels + pred]; }
};

/// Sums the images in the given order (the weighted sums in the reference's order) and scores.
Result score(std::span<const ImageCounts> images);

/// One image in memory.
struct ImageTriple {
  LabelView gt, instances, pred;
};

/// count_image over every image (TBB-parallel; `threads` 0 = all cores), then score().
/// On an issue, `issue_image` is the first image (in order) with one, and nothing is scored.
struct Evaluation {
  Result result;
  std::optional<std::size_t> issue_image;
  ImageIssue issue;
};
Evaluation evaluate(std::span<const ImageTriple> images, int threads = 0, const CancelFlag* cancel = nullptr);

}  // namespace deteval::cityscapes
