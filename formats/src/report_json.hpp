// Internal: the JSON documents shared by the --json writer and the HTML report,
// so that the report shows exactly the numbers the JSON holds (not installed).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "deteval/analysis.hpp"
#include "deteval/dataset.hpp"
#include "deteval/summary.hpp"

namespace deteval::detail {

/// The --json document of `deteval coco` without analyses.
nlohmann::json coco_evaluation_doc(const Evaluation& e, const Summary& s, const std::vector<CategoryMetrics>& cats,
                                   const GroundTruth& gt);

/// The "analysis" member.
nlohmann::json analysis_doc(const Evaluation& e, const Analysis& a, const std::vector<std::string>& names);

}  // namespace deteval::detail
