// Writing the analyses (analysis.hpp): the "analysis" member of the --json
// document, PR-curve exports (CSV/JSON) and the self-contained HTML report.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deteval/analysis.hpp"
#include "deteval/dataset.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/summary.hpp"
#include "deteval/voc.hpp"
#include "deteval/voc_analysis.hpp"

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

/// `deteval voc --json` (and `deteval dota --json`) with an "analysis" member: what
/// coco_evaluation_json's holds (operating_point, f1_curve, confusion_matrix, errors with
/// "ap" = the area mAP; categories identified by name only), "iou_threshold" instead of
/// iou/area/maxDets, and "bootstrap" {replicates, seed, confidence, mAP_voc07, mAP_area:
/// {value, lo, hi}} when run. The rest of the document is voc_evaluation_json's.
std::string voc_evaluation_json(const VocResult& result, const std::vector<std::string>& class_names,
                                const VocAnalysis& analysis);

/// VOC's curves as CSV, one row per ranked detection of each class with ground truth
/// (classes without are left out: their recall is undefined):
/// `class,rank,image,score,outcome,recall,precision` (outcome tp, fp or ignored; rank from
/// 1). recall/precision are VocClassResult's arrays, 17 significant digits (exact).
/// `image_ids[i]` names image i.
std::string voc_curves_csv(const VocResult& result, const std::vector<std::string>& class_names,
                           const std::vector<VocClassRef>& classes, const std::vector<std::string>& image_ids);
/// The same as JSON: {"iou_threshold", "curves": [{class, npos, ap_voc07, ap_area,
/// recall, precision, score, image, outcome}]} with arrays in rank order.
std::string voc_curves_json(const VocResult& result, const std::vector<std::string>& class_names,
                            const std::vector<VocClassRef>& classes, const std::vector<std::string>& image_ids);

/// What the report shows. A COCO report takes `eval`, `categories` and `analysis`; a
/// VOC-style one (`deteval voc`, `deteval dota`) `voc` and `voc_analysis` instead. Either
/// fills `summary` with its own headline statistics.
struct ReportInput {
  std::string title;                                        ///< e.g. "COCO bbox evaluation"
  std::vector<std::pair<std::string, std::string>> facts;   ///< shown under the title (files, counts)
  std::vector<std::pair<std::string, double>> summary;      ///< headline statistics; -1 = undefined
  const Evaluation* eval = nullptr;
  const std::vector<CategoryMetrics>* categories = nullptr;  ///< per-category table (may be empty)
  std::vector<std::string> names;                            ///< category names, dense order
  const Analysis* analysis = nullptr;
  /// Optional, COCO-style reports: a group label per category (dense order), e.g. LVIS's
  /// frequency bin. Adds a sortable column to the per-class table and a per-group view.
  std::vector<std::string> category_groups;
  std::string category_group_title;  ///< the column's heading, e.g. "frequency"
  /// A VOC-style evaluation: per-class table (npos, TP, FP, ignored, both APs), VOC's own
  /// curves, the analyses of voc_analysis.hpp. `summary` should hold "mAP_voc07" and
  /// "mAP_area" (their bootstrap intervals are shown next to them).
  const VocResult* voc = nullptr;
  const VocAnalysis* voc_analysis = nullptr;
  std::string voc_matching;  ///< whose rules, with which IoU (for the definitions); empty: VOC's
};

/// One self-contained HTML file (inline CSS, SVG and script; no network access).
/// Numbers shown in tables carry their exact value in a `data-v` attribute.
std::string report_html(const ReportInput& in);

/// A semantic segmentation report (`deteval semantic --report`): headline scores, per-class
/// scores with bars for the first of them, the pixel confusion matrix as a heat map.
struct SemanticReportInput {
  std::string title;
  std::vector<std::pair<std::string, std::string>> facts;
  struct Stat {
    std::string name;
    double value;  ///< NaN: undefined
    std::string meaning;
  };
  std::vector<Stat> summary;
  std::vector<std::string> classes;                                ///< rows of the per-class table
  std::vector<std::pair<std::string, std::vector<double>>> scores;  ///< per-class columns (the first gets bars)
  std::vector<std::string> matrix_names;                           ///< K names of the matrix's rows and columns
  std::vector<std::uint64_t> confusion;                            ///< K x K pixels, [gt][pred]
  std::string definitions;                                         ///< HTML: <dt>/<dd> pairs
};

/// One self-contained HTML file, like report_html's.
std::string semantic_report_html(const SemanticReportInput& in);

/// Text made safe for HTML content and quoted attributes (& < > " ').
std::string html_escape(std::string_view text);

}  // namespace deteval
