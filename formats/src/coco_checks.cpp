#include "deteval/formats/coco_checks.hpp"

namespace deteval {

std::vector<CocoWarning> coco_results_warnings(const GroundTruth& gt, const Detections& dt, const Params& params,
                                               const ResultsReport& report, const std::string& dt_file,
                                               const ParameterName& parameter_name) {
  std::vector<CocoWarning> out;
  const std::string first_dropped =
      report.dropped_positions.empty() ? "" : "[" + std::to_string(report.dropped_positions.front()) + "].category_id";
  if (report.dropped_unknown_category > 0 && dt.size() > 0)
    out.push_back({"unknown-category", dt_file + ": ignored " + std::to_string(report.dropped_unknown_category) +
                                           " detections of categories not in the ground truth" +
                                           (first_dropped.empty() ? "" : " (e.g. " + first_dropped + ")") +
                                           "; pycocotools ignores them too, but they usually mean the model's "
                                           "class ids differ from the ground truth's `categories` ids"});
  SanityOptions so;
  so.dropped_unknown_category = report.dropped_unknown_category;
  so.boxes_from_masks = dt.size() > 0 && report.boxes_from_masks == dt.size();
  so.first_dropped = report.dropped_positions.empty() ? -1 : static_cast<std::int64_t>(report.dropped_positions[0]);
  for (const Finding& f : check_results(gt, dt, params, so)) {
    std::string at;
    if (f.detection >= 0)
      at = "[" + std::to_string(result_position(report, static_cast<std::size_t>(f.detection))) + "]";
    else if (f.position >= 0)
      at = "[" + std::to_string(f.position) + "]";
    if (!at.empty() && !f.field.empty()) at += "." + f.field;
    out.push_back({to_string(f.kind),
                   dt_file + ": " + (parameter_name ? f.text(at, parameter_name(f.parameter)) : f.text(at))});
  }
  return out;
}

}  // namespace deteval
