// Writing the analyses (analysis.hpp): the "analysis" member of the --json
// document, PR-curve exports (CSV/JSON) and the self-contained HTML report.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "deteval/analysis.hpp"
#include "deteval/dataset.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/summary.hpp"

namespace deteval {

/// Display names of the evaluation's categories (dense order): the GT's names, or
/// "all" when categories are not used.
std::vector<std::string> category_names(const Evaluation& e, const GroundTruth& gt);

/// `deteval coco --json` with an "analysis" member: operating points, the overall
/// F1-vs-threshold curve, confusion matrix, errors and (if run) bootstrap intervals.
std::string coco_evaluation_json(const Evaluation& e, const Summary& s, const std::vector<CategoryMetrics>& cats,
                                 const GroundTruth& gt, const Analysis& a);

/// PR curves as CSV, one row per (curve, recall threshold):
/// `category_id,category,iou,area,max_dets,recall,precision,score`; the overall curve
/// has an empty category_id and category "all"; score is empty for averaged curves.
/// Numbers are written with 17 significant digits (they read back exactly).
std::string curves_csv(const Evaluation& e, const std::vector<PrCurve>& curves, const std::vector<std::string>& names);
/// The same as JSON: {"max_dets", "rec_thrs", "curves": [{category_id|null, category,
/// iou, area, precision, score?}]}.
std::string curves_json(const Evaluation& e, const std::vector<PrCurve>& curves, const std::vector<std::string>& names);

/// What the report shows. VOC or other evaluations fill `summary` with their own
/// statistics; everything else comes from the Evaluation and its Analysis.
struct ReportInput {
  std::string title;                                        ///< e.g. "COCO bbox evaluation"
  std::vector<std::pair<std::string, std::string>> facts;   ///< shown under the title (files, counts)
  std::vector<std::pair<std::string, double>> summary;      ///< headline statistics; -1 = undefined
  const Evaluation* eval = nullptr;
  const std::vector<CategoryMetrics>* categories = nullptr;  ///< per-category table (may be empty)
  std::vector<std::string> names;                            ///< category names, dense order
  const Analysis* analysis = nullptr;
};

/// One self-contained HTML file (inline CSS, SVG and script; no network access).
/// Numbers shown in tables carry their exact value in a `data-v` attribute.
std::string report_html(const ReportInput& in);

}  // namespace deteval
