// COCO files: ground truth ("instances" JSON), detection results, COCOeval parameters.
//
// Readers validate everything the evaluation depends on and throw InputError
// (`file: JSON path: expected X, got Y`) or IoError; they never return half a dataset.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "deteval/cancel.hpp"
#include "deteval/dataset.hpp"
#include "deteval/params.hpp"
#include "deteval/subset.hpp"

namespace deteval {

/// Where a segm result's area (for the area ranges) comes from.
enum class AreaFrom {
  first_result,  ///< pycocotools' loadRes: the box's w*h for every result when the first has a `bbox`
  bbox,          ///< the box's w*h whenever the result has a `bbox`, else the mask's pixel count
  mask,          ///< always the mask's pixel count (detectron2 drops `bbox` from segm results)
};

/// Which segm masks a results reader keeps (CocoReadOptions::masks_kept).
enum class MasksKept { all, by_category, by_image };

/// How to read shapes.
struct CocoReadOptions {
  bool degrees = false;  ///< `rbox` angles are in degrees (default: radians)
  AreaFrom area_from = AreaFrom::first_result;  ///< segm results only
  /// Results: keep detections of categories the GT lacks, with category kUnknownCategory,
  /// instead of dropping them (LVIS counts them against its per-image cap).
  bool keep_unknown_categories = false;
  /// segm results: the masks kept. pycocotools computes a detection's IoUs only with the
  /// ground truth of its cell, so an evaluation never reads the masks of detections in an
  /// image without ground truth of their category (`by_category`, useCats 1) or without
  /// any (`by_image`, useCats 0). With either, a reader may leave those masks out (checked,
  /// their areas taken, and their boxes for results without a bbox; then held empty, with
  /// the empty box as `mask_box`), which saves their memory: only an
  /// evaluation with the matching useCats may then read the results (not the analyses,
  /// which compare a detection with every object of its image). Default: every mask kept.
  MasksKept masks_kept = MasksKept::all;
  /// Set to stop reading: the reader throws Cancelled soon after (between parts of the
  /// file, every thousand or so elements; cancel.hpp). nullptr: reads to the end.
  const CancelFlag* cancel = nullptr;
};

/// Reads ground truth for an evaluation of `type`: masks are built only for segm,
/// shapes (`rbox` corners, `poly`) only for rotated/polygon, keypoints (with `bbox` and
/// `num_keypoints`, required then) only for keypoints. Every annotation has as many
/// keypoints as the first (or as its category's `keypoints` names list), flags 0, 1 or 2.
GroundTruth read_coco_gt(const std::string& path, IouType type, const CocoReadOptions& opt = {});
GroundTruth parse_coco_gt(std::string_view text, const std::string& name, IouType type,
                          const CocoReadOptions& opt = {});

/// What reading results noticed without refusing the file.
struct ResultsReport {
  std::size_t dropped_unknown_category = 0;  ///< detections of categories the GT lacks
  std::vector<std::size_t> dropped_positions;  ///< their positions in the file's list, ascending
  std::size_t boxes_from_masks = 0;  ///< kept detections without a `bbox` (their box is their mask's)
};

/// The position in the results file's list of detection `j` (they differ after dropped ones).
std::size_t result_position(const ResultsReport& report, std::size_t j);

/// Reads detection results (a JSON list, as `COCO.loadRes` takes). Detections on
/// images the ground truth lacks are an error; unknown categories are dropped and
/// counted in `report`. keypoints results need `keypoints` (as many as the ground
/// truth's); their area follows loadRes, which decides from the first result: its box
/// (w*h) when it has a non-empty `bbox`, else its mask when it has a `segmentation`,
/// else the extent of all the keypoints (confidences not read).
Detections read_coco_results(const std::string& path, const GroundTruth& gt, IouType type,
                             ResultsReport* report = nullptr, const CocoReadOptions& opt = {});
Detections parse_coco_results(std::string_view text, const std::string& name, const GroundTruth& gt, IouType type,
                              ResultsReport* report = nullptr, const CocoReadOptions& opt = {});

/// Applies overrides in pycocotools' attribute names (`useCats`, `maxDets`, `iouThrs`,
/// `recThrs`, `areaRng`, `areaRngLbl`, `iouType`, `kpt_oks_sigmas`) from a JSON object onto
/// `params`; `imgIds` / `catIds` go to `subset` (refused when it is null).
void read_coco_params(const std::string& path, Params& params, Subset* subset = nullptr);
void parse_coco_params(std::string_view text, const std::string& name, Params& params, Subset* subset = nullptr);

}  // namespace deteval

#include <vector>

#include "deteval/evaluate.hpp"
#include "deteval/summary.hpp"

namespace deteval {

/// A COCO evaluation from files: the datasets it read and the result.
struct CocoEvaluation {
  GroundTruth gt;
  Detections dt;
  ResultsReport report;
  Evaluation eval;
};

/// Reads `gt_path` and `dt_path` for params.iou_type and evaluates them: the IoU type is
/// given once. Throws what the readers and evaluate() throw (deteval::Error).
CocoEvaluation evaluate_coco(const std::string& gt_path, const std::string& dt_path, const Params& params = {},
                             const EvalOptions& options = {}, const CocoReadOptions& read_options = {});

/// The `--json` document of `deteval coco`: iou_type, effective params (pycocotools'
/// names), the 12 stats by name, per-category figures (with names from `gt`).
std::string coco_evaluation_json(const Evaluation& e, const Summary& s, const std::vector<CategoryMetrics>& cats,
                                 const GroundTruth& gt);

}  // namespace deteval
