// The sanity checks (deteval/sanity.hpp) of COCO results, as one-line messages that
// locate their example in the results file: `dt.json: 568 of 734 boxes ... (e.g. [3].bbox = ...)`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "deteval/formats/coco.hpp"
#include "deteval/sanity.hpp"

namespace deteval {

struct CocoWarning {
  std::string kind;     ///< to_string(FindingKind), or "unknown-category" for the reader's drops
  std::string message;  ///< "dt.json: ..." (no "warning:" prefix)
};

/// A front end's name for a parameter a message suggests changing ("imgIds" -> "--img-ids").
using ParameterName = std::function<std::string(const std::string& parameter)>;

/// Every warning about results read from `dt_file` with `report`: detections of unknown
/// categories (when some remain) and the findings of `check_results`. A parameter a
/// message suggests is named by `parameter_name` (empty: as Finding::parameter).
std::vector<CocoWarning> coco_results_warnings(const GroundTruth& gt, const Detections& dt, const Params& params,
                                               const ResultsReport& report, const std::string& dt_file,
                                               const ParameterName& parameter_name = {});

}  // namespace deteval
