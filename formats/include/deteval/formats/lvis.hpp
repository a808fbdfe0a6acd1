// LVIS files: ground truth (COCO's layout plus `frequency`, `neg_category_ids`,
// `not_exhaustive_category_ids`, `ignore`), results (COCO's results list) and the
// `deteval lvis --json` document.
//
// Readers throw InputError (`file: JSON path: expected X, got Y`) or IoError.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "deteval/lvis.hpp"
#include "deteval/params.hpp"
#include "deteval/summary.hpp"

namespace deteval {

/// Reads LVIS ground truth for a bbox or segm evaluation. Required beyond COCO's fields:
/// each image's `neg_category_ids` and `not_exhaustive_category_ids` (lists of category
/// ids listed in `categories`) and each category's `frequency` ("r", "c" or "f").
/// `iscrowd` is not read (LVIS has no crowds); `ignore` (0/1/true/false) is.
LvisGroundTruth read_lvis_gt(const std::string& path, IouType type);
LvisGroundTruth parse_lvis_gt(std::string_view text, const std::string& name, IouType type);

/// Reads results as LVISResults takes them: every detection in file order, those of
/// categories the GT lacks kept with kUnknownCategory (they count against the cap).
/// Detections on images the GT lacks are an error.
Detections read_lvis_results(const std::string& path, const LvisGroundTruth& gt, IouType type);
Detections parse_lvis_results(std::string_view text, const std::string& name, const LvisGroundTruth& gt,
                              IouType type);

/// `deteval lvis --json`: iou_type, effective params (lvis-api's names), "counts",
/// "results" (LVISEval.results' names and order) and "per_category": [{id, name, frequency,
/// AP, AP50, AP75, AR@N}] with null where lvis-api has -1.
std::string lvis_evaluation_json(const LvisEvaluation& e, const LvisSummary& s,
                                 const std::vector<CategoryMetrics>& cats, const LvisGroundTruth& gt);

}  // namespace deteval
