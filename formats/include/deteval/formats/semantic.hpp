// Semantic segmentation from label-map PNGs: the Cityscapes layout (cityscapesScripts'
// evalPixelLevelSemanticLabeling.py) and plain label maps matched by file stem (ADE20K,
// VOC, ...). Each image is decoded once, images in parallel; every refusal is an
// InputError naming the file and the pixel or property at fault.
#pragma once

#include <string>
#include <vector>

#include "deteval/cityscapes.hpp"
#include "deteval/semantic.hpp"

namespace deteval {

/// The image pairs of a Cityscapes evaluation, in the reference's order (sorted GT paths).
struct CityscapesFiles {
  std::vector<std::string> gt_labels;     ///< <split>/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png
  std::vector<std::string> gt_instances;  ///< the same with instanceIds
  std::vector<std::string> predictions;   ///< the one file <city>_<seq>_<frame>*.png under the prediction folder
};

/// Finds `gt_root/<split>/*/*_gtFine_labelIds.png` (or, when `gt_root/<split>` is not a
/// folder, `gt_root/gtFine/<split>/...`: the dataset root) and each one's prediction,
/// searched recursively under `pred_dir`. Throws InputError for a GT file name that is not
/// `<city>_<seq>_<frame>_<type>[_<type2>].png`, no GT file, or zero or several predictions.
CityscapesFiles find_cityscapes_files(const std::string& gt_root, const std::string& pred_dir,
                                      const std::string& split = "val");

/// Decodes and counts every image (TBB-parallel; `threads` 0 = all cores), then scores
/// (cityscapes::score, fixed order). Throws the first image's (in order) InputError: a
/// file that is not a PNG, sizes that differ, a multi-channel map, an id that is not a
/// label, an instance the reference cannot score. Cancelled once `cancel` is set.
cityscapes::Result evaluate_cityscapes_files(const CityscapesFiles& files, int threads = 0,
                                             const CancelFlag* cancel = nullptr);

/// The reference's class and category tables, byte for byte as it prints them (from
/// "classes          IoU      nIoU" to the blank line after the category averages).
std::string cityscapes_tables_text(const cityscapes::Result& r);

/// JSON with the reference's result keys (classScores, classInstScores, categoryScores,
/// categoryInstScores, averageScore*; NaN as null), "confMatrix" (34 x 34, [gt][pred]),
/// "instanceStats" and "images" ([prediction, ground truth] in evaluation order).
std::string cityscapes_json(const cityscapes::Result& r, const CityscapesFiles& files);

/// The pairs of a labels evaluation: every `*.png` under `gt_dir` (recursively) with the
/// prediction of the same stem under `pred_dir`, sorted by stem.
struct LabelFiles {
  std::vector<std::string> stems, gt, predictions;
  std::size_t unmatched_predictions = 0;  ///< predictions without a GT file (not evaluated)
};

/// Throws InputError for a stem found twice in one folder, a GT file without prediction,
/// or no GT file at all.
LabelFiles find_label_files(const std::string& gt_dir, const std::string& pred_dir);

/// Decodes and counts every pair (parallel; integer counts). Throws the first pair's
/// InputError: not a PNG, sizes that differ, multiple channels, a value that is not a
/// class (GT: < num_classes or ignore_index; prediction: < num_classes). Cancelled once
/// `cancel` is set.
SemanticConfusion evaluate_label_files(const LabelFiles& files, std::size_t num_classes,
                                       std::uint32_t ignore_index = 255, int threads = 0,
                                       const CancelFlag* cancel = nullptr);

/// Class names, one per line (blank lines and a trailing newline ignored).
std::vector<std::string> read_class_names(const std::string& path);

/// The labels evaluation as text: a per-class table (IoU, Acc) and the four summary scores.
std::string labels_table_text(const SemanticScores& s, const std::vector<std::string>& names);

/// {"num_classes", "ignore_index", "images", "mIoU", "mAcc", "aAcc", "fwIoU", "classes":
/// [{"name", "iou", "acc", "gt_pixels", "pred_pixels", "tp"}], "confusion_matrix"} (NaN as null).
std::string labels_json(const SemanticConfusion& c, const SemanticScores& s, const std::vector<std::string>& names,
                        std::uint32_t ignore_index, std::size_t images);

}  // namespace deteval
