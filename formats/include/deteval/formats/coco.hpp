// COCO files: ground truth ("instances" JSON), detection results, COCOeval parameters.
//
// Readers validate everything the evaluation depends on and throw InputError
// (`file: JSON path: expected X, got Y`) or IoError; they never return half a dataset.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "deteval/dataset.hpp"
#include "deteval/params.hpp"

namespace deteval {

/// How to read shapes.
struct CocoReadOptions {
  bool degrees = false;  ///< `rbox` angles are in degrees (default: radians)
  /// Results: keep detections of categories the GT lacks, with category kUnknownCategory,
  /// instead of dropping them (LVIS counts them against its per-image cap).
  bool keep_unknown_categories = false;
};

/// Reads ground truth for an evaluation of `type`: masks are built only for segm,
/// shapes (`rbox` corners, `poly`) only for rotated/polygon.
GroundTruth read_coco_gt(const std::string& path, IouType type, const CocoReadOptions& opt = {});
GroundTruth parse_coco_gt(std::string_view text, const std::string& name, IouType type,
                          const CocoReadOptions& opt = {});

/// What reading results noticed without refusing the file.
struct ResultsReport {
  std::size_t dropped_unknown_category = 0;  ///< detections of categories the GT lacks
};

/// Reads detection results (a JSON list, as `COCO.loadRes` takes). Detections on
/// images the ground truth lacks are an error; unknown categories are dropped and
/// counted in `report`.
Detections read_coco_results(const std::string& path, const GroundTruth& gt, IouType type,
                             ResultsReport* report = nullptr, const CocoReadOptions& opt = {});
Detections parse_coco_results(std::string_view text, const std::string& name, const GroundTruth& gt, IouType type,
                              ResultsReport* report = nullptr, const CocoReadOptions& opt = {});

/// Applies overrides in pycocotools' attribute names (`useCats`, `maxDets`, `iouThrs`,
/// `recThrs`, `areaRng`, `areaRngLbl`, `iouType`) from a JSON object onto `params`.
void read_coco_params(const std::string& path, Params& params);
void parse_coco_params(std::string_view text, const std::string& name, Params& params);

}  // namespace deteval

#include <vector>

#include "deteval/evaluate.hpp"
#include "deteval/summary.hpp"

namespace deteval {

/// The `--json` document of `deteval coco`: iou_type, effective params (pycocotools'
/// names), the 12 stats by name, per-category figures (with names from `gt`).
std::string coco_evaluation_json(const Evaluation& e, const Summary& s, const std::vector<CategoryMetrics>& cats,
                                 const GroundTruth& gt);

}  // namespace deteval
