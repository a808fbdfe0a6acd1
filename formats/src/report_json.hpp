// Internal: the JSON documents shared by the --json writer and the HTML report,
// so that the report shows exactly the numbers the JSON holds (not installed).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "deteval/analysis.hpp"
#include "deteval/dataset.hpp"
#include "deteval/summary.hpp"
#include "deteval/voc.hpp"

namespace deteval::detail {

/// The --json document of `deteval coco` without analyses.
nlohmann::ordered_json coco_evaluation_doc(const Evaluation& e, const Summary& s, const std::vector<CategoryMetrics>& cats,
                                           const GroundTruth& gt);

/// The "analysis" member.
nlohmann::json analysis_doc(const Evaluation& e, const Analysis& a, const std::vector<std::string>& names);

/// The --json document of `deteval voc` / `deteval dota` without analyses (class order kept).
nlohmann::ordered_json voc_evaluation_doc(const VocResult& r, const std::vector<std::string>& class_names);

}  // namespace deteval::detail
