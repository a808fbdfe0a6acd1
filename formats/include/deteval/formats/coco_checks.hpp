// The sanity checks (deteval/sanity.hpp) of COCO results, as one-line messages that
// locate their example in the results file: `dt.json: 568 of 734 boxes ... (e.g. [3].bbox = ...)`.
#pragma once

#include <string>
#include <vector>

#include "deteval/formats/coco.hpp"
#include "deteval/sanity.hpp"

namespace deteval {

struct CocoWarning {
  std::string kind;     ///< to_string(FindingKind), or "unknown-category" for the reader's drops
  std::string message;  ///< "dt.json: ..." (no "warning:" prefix)
};

/// Every warning about results read from `dt_file` with `report`: detections of unknown
/// categories (when some remain) and the findings of `check_results`.
std::vector<CocoWarning> coco_results_warnings(const GroundTruth& gt, const Detections& dt, const Params& params,
                                               const ResultsReport& report, const std::string& dt_file);

}  // namespace deteval
