// Semantic segmentation scores over label maps in memory: a pixel confusion matrix with
// integer counts (exact and independent of the order images are added in), and the scores
// ADE20K / Pascal VOC users report from it (per-class IoU and accuracy, mIoU, mAcc, aAcc,
// fwIoU; the definitions are those of mmsegmentation's `mean_iou` / `total_area_to_metrics`,
// worked through in docs/semantic.md). The Cityscapes rules (ignoreInEval classes,
// categories, instance-weighted iIoU) are in cityscapes.hpp.
//
// No file format here: the formats layer decodes PNGs into LabelViews.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "deteval/cancel.hpp"

namespace deteval {

/// A label map in memory: `width * height` row-major samples of `bytes` bytes each
/// (1: uint8, 2: uint16, 4: uint32, native byte order). Not owning.
struct LabelView {
  const void* data = nullptr;
  std::size_t width = 0, height = 0;
  int bytes = 1;

  std::size_t pixels() const { return width * height; }
  std::uint32_t operator[](std::size_t i) const {
    if (bytes == 1) return static_cast<const std::uint8_t*>(data)[i];
    if (bytes == 2) return static_cast<const std::uint16_t*>(data)[i];
    return static_cast<const std::uint32_t*>(data)[i];
  }
};

/// A K x K matrix of pixel counts, `[ground-truth class][predicted class]`.
struct SemanticConfusion {
  std::size_t K = 0;
  std::vector<std::uint64_t> counts;  ///< row-major, K * K

  SemanticConfusion() = default;
  explicit SemanticConfusion(std::size_t k) : K(k), counts(k * k, 0) {}
  std::uint64_t at(std::size_t gt, std::size_t pred) const { return counts[gt * K + pred]; }
  /// Adds another matrix of the same size (integer sums: any order gives the same matrix).
  SemanticConfusion& operator+=(const SemanticConfusion& other);
};

/// A pixel whose value is not a class: the first one in row-major order.
struct LabelIssue {
  bool in_prediction = false;  ///< false: in the ground truth
  std::size_t pixel = 0;       ///< row-major index (x = pixel % width, y = pixel / width)
  std::uint32_t value = 0;
};

/// Counts one image into `confusion`: every pixel whose ground truth is not `ignore_index`
/// (mmsegmentation's rule: with an ignore_index < K, that class is never counted as ground
/// truth). The other ground-truth values and all predicted values must be classes (< K):
/// on the first pixel that breaks this, nothing is counted and the pixel is returned. Both maps must have the same size
/// (InputError otherwise).
std::optional<LabelIssue> add_label_pixels(SemanticConfusion& confusion, LabelView gt, LabelView pred,
                                           std::uint32_t ignore_index = 255);

/// Per-class and overall scores of a confusion matrix. Undefined values (0/0) are NaN.
struct SemanticScores {
  std::vector<double> iou;       ///< TP / (TP + FP + FN); NaN when the class is neither in GT nor predicted
  std::vector<double> accuracy;  ///< TP / (TP + FN) (recall); NaN when the class is not in the GT
  std::vector<std::uint64_t> gt_pixels, pred_pixels, tp;  ///< row sums, column sums, diagonal
  double mean_iou = 0;       ///< mIoU: mean of the defined IoUs, in class order
  double mean_accuracy = 0;  ///< mAcc: mean of the defined accuracies
  double pixel_accuracy = 0; ///< aAcc: sum TP / sum of GT pixels
  double fw_iou = 0;         ///< fwIoU: sum over classes with GT of (GT pixels / all GT pixels) * IoU
};

/// The scores of `confusion`.
SemanticScores semantic_scores(const SemanticConfusion& confusion);

/// One image's ground truth and prediction (same size).
struct LabelPair {
  LabelView gt, pred;
};

/// A labels evaluation over many images, or the first image (index) with an issue.
struct LabelEvaluation {
  SemanticConfusion confusion;
  SemanticScores scores;
  std::optional<std::size_t> issue_image;
  LabelIssue issue;
};

/// Counts every pair (TBB-parallel; `threads` 0 = all cores) and scores the sum. The
/// counts are integers, so the result does not depend on the number of threads. Stops at
/// the first image (in order) with an issue. Throws Cancelled once `cancel` is set.
LabelEvaluation evaluate_labels(std::span<const LabelPair> images, std::size_t num_classes,
                                std::uint32_t ignore_index = 255, int threads = 0,
                                const CancelFlag* cancel = nullptr);

}  // namespace deteval
