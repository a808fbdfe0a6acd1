// The COCO report's page (report_page.hpp): its statistics, per-class table and LVIS groups.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include "deteval/summary.hpp"

#include "report_page.hpp"

namespace deteval::report {

// What a headline statistic means, for readers who do not know COCO's names.
std::string describe_stat(const std::string& name, const Evaluation& e) {
  const Params& p = e.params;
  const std::string range = fmt("%.2f", p.iou_thrs.front()) + "–" + fmt("%.2f", p.iou_thrs.back());
  const int md = p.max_dets.back();
  if (p.iou_type == IouType::keypoints) {  // OKS in IoU's place; every statistic at maxDets 20
    if (name == "AP") return "precision averaged over recall and OKS " + range + ", all sizes, 20 detections per image";
    if (name == "AP50" || name == "AP75") return "average precision at OKS 0." + name.substr(2);
    if (name == "AR") return "recall averaged over OKS " + range + ", at most 20 detections per image";
    if (name == "AR50" || name == "AR75") return "recall at OKS 0." + name.substr(2);
  }
  if (name == "AP") return "precision averaged over recall and IoU " + range + ", all sizes";
  if (name == "AP50") return "average precision at IoU 0.50 (PASCAL VOC style)";
  if (name == "AP75") return "average precision at IoU 0.75 (strict localisation)";
  if (name == "APs") return "AP on small objects";
  if (name == "APm") return "AP on medium objects";
  if (name == "APl") return "AP on large objects";
  if (name.rfind("AR", 0) == 0 && name.size() > 2 && std::isdigit(static_cast<unsigned char>(name[2])))
    return "recall averaged over IoU " + range + ", at most " + name.substr(2) + " detections per image";
  if (name == "ARs") return "AR on small objects (" + std::to_string(md) + " detections per image)";
  if (name == "ARm") return "AR on medium objects";
  if (name == "ARl") return "AR on large objects";
  // LVIS (lvis-api's names): frequency groups, and AR keys carrying the per-image cap.
  if (name == "APr") return "AP over rare categories (frequency r)";
  if (name == "APc") return "AP over common categories (frequency c)";
  if (name == "APf") return "AP over frequent categories (frequency f)";
  if (name.size() > 3 && name.rfind("AR", 0) == 0 && name.find('@') != std::string::npos) {
    const std::string n = name.substr(name.find('@') + 1);
    const char c = name[2];
    const std::string size = c == 's' ? "small" : c == 'm' ? "medium" : c == 'l' ? "large" : "";
    return "recall averaged over IoU " + range + (size.empty() ? "" : " on " + size + " objects") + ", at most " + n +
           " detections per image";
  }
  return "";
}

// Per group of categories (LVIS: frequency r/c/f): how many, how many with AP, and the
// mean of the per-class figures over those with a value.
std::string group_view(const ReportInput& in, const std::vector<CategoryMetrics>& cats) {
  std::vector<std::string> labels;
  for (const std::string& g : in.category_groups)
    if (std::find(labels.begin(), labels.end(), g) == labels.end()) labels.push_back(g);
  std::sort(labels.begin(), labels.end(), [](const std::string& x, const std::string& y) {
    const std::string order = "rcf";  // LVIS's bins in their order; other labels after, alphabetically
    const auto px = x.size() == 1 ? order.find(x[0]) : std::string::npos, py = y.size() == 1 ? order.find(y[0]) : std::string::npos;
    return px != py ? px < py : x < y;
  });
  Html h;
  h << "<section id=groups><h2>Per " << esc(in.category_group_title) << "</h2><p class=note>Means over the classes "
       "of each group that have a value (classes without ground truth have none).</p><div class=scroll><table "
       "class=sortable><thead><tr><th data-sort=text>" << esc(in.category_group_title)
    << "</th><th data-sort=num class=num>classes</th><th data-sort=num class=num>with AP</th>"
       "<th data-sort=num class=num>mean AP</th><th data-sort=num class=num>mean AP50</th>"
       "<th data-sort=num class=num>mean AR</th></tr></thead><tbody>";
  for (const std::string& g : labels) {
    std::vector<double> ap, ap50, ar;
    std::size_t n = 0;
    for (const CategoryMetrics& c : cats) {
      if (in.category_groups[c.category] != g) continue;
      ++n;
      ap.push_back(c.ap);
      ap50.push_back(c.has_ap50 ? c.ap50 : -1);
      ar.push_back(c.ar);
    }
    const std::size_t with = static_cast<std::size_t>(std::count_if(ap.begin(), ap.end(), [](double v) { return v > -1; }));
    h << "<tr data-group=\"" << esc(g) << "\"><td>" << esc(g) << "</td><td class=num data-v=\"" << std::to_string(n)
      << "\">" << std::to_string(n) << "</td><td class=num data-v=\"" << std::to_string(with) << "\">"
      << std::to_string(with) << "</td>" << num_td(mean_valid(ap), "AP", f3(mean_valid(ap)))
      << num_td(mean_valid(ap50), "AP50", f3(mean_valid(ap50))) << num_td(mean_valid(ar), "AR", f3(mean_valid(ar)))
      << "</tr>";
  }
  h << "</tbody></table></div></section>\n";
  return h.s;
}

std::string coco_report(const ReportInput& in) {
  const Evaluation& e = *in.eval;
  const Analysis& a = *in.analysis;
  const std::vector<std::string>& names = in.names;
  Spec s;
  s.a = &a;
  s.K = e.K;
  s.use_cats = e.params.use_cats;
  s.iou = fmt("%.2f", e.params.iou_thrs[a.iou_index]);
  // What "overlap" is: object keypoint similarity for keypoints, IoU otherwise.
  const std::string m = e.params.iou_type == IouType::keypoints ? "OKS" : "IoU";
  s.iou_rule = m + " " + s.iou;
  s.op_scope = ", area " + esc(e.params.area_ranges[a.area].label) + ", maxDets " + std::to_string(a.max_dets);
  const std::string thr = fmt("%g", a.options.score_threshold);
  s.has_ci = a.has_bootstrap;
  s.replicates = a.bootstrap.replicates;
  s.seed = a.bootstrap.seed;
  for (const auto& [name, v] : in.summary) {
    const Interval* iv = !a.has_bootstrap ? nullptr
                         : name == "AP" ? &a.bootstrap.ap
                         : (name == "AP50" && a.bootstrap.has_ap50 ? &a.bootstrap.ap50 : nullptr);
    s.stats.push_back({name, v, iv, describe_stat(name, e)});
  }

  const std::vector<CategoryMetrics> none;
  const std::vector<CategoryMetrics>& cats = in.categories ? *in.categories : none;
  if (!cats.empty()) {
    Html h;
    const bool groups = in.category_groups.size() == e.K;
    const std::string ar_head = "AR" + std::to_string(e.params.max_dets.back());
    if (groups) h << group_view(in, cats);
    h << classes_head("Area all, maxDets " + std::to_string(e.params.max_dets.back()) + ". Operating point at " + m + " " +
                          s.iou + ", score ≥ " + esc(thr) + ".",
                      cats.size())
      << "<th data-sort=text>Class</th><th data-sort=num class=num>ID</th>"
      << (groups ? "<th data-sort=text>" + esc(in.category_group_title) + "</th>" : std::string())
      << "<th data-sort=num class=num>GT</th><th data-sort=num class=num>Det</th><th data-sort=num class=num>AP</th>"
         "<th data-sort=num class=num>AP50</th><th data-sort=num class=num>AP75</th><th data-sort=num class=num>"
      << ar_head << "</th>" << kOpHeads << "</tr></thead><tbody>";
    for (const CategoryMetrics& c : cats) {
      const OperatingPoint& op = a.per_category[c.category];
      h << "<tr data-k=\"" << std::to_string(c.category) << "\"><td>" << esc(names[c.category]) << "</td>"
        << "<td class=num data-col=\"id\" data-v=\"" << std::to_string(c.id) << "\">" << std::to_string(c.id) << "</td>"
        << (groups ? "<td data-col=\"group\">" + esc(in.category_groups[c.category]) + "</td>" : std::string())
        << int_td(op.num_gt, "num_gt")
        << int_td(op.num_dt, "num_dt") << num_td(c.ap, "AP", f3(c.ap))
        << num_td(c.has_ap50 ? c.ap50 : -1, "AP50", c.has_ap50 ? f3(c.ap50) : "n/a")
        << num_td(c.has_ap75 ? c.ap75 : -1, "AP75", c.has_ap75 ? f3(c.ap75) : "n/a") << num_td(c.ar, ar_head, f3(c.ar))
        << op_cells(op) << "</tr>";
    }
    h << "</tbody></table></div></section>\n";
    s.classes_html = std::move(h.s);
  }

  {
    Html h;
    h << "<label>Area <select id=area-picker>";
    for (std::size_t i = 0; i < e.A; ++i)
      h << "<option value=\"" << std::to_string(i) << "\"" << (i == a.area ? " selected" : "") << ">"
        << esc(e.params.area_ranges[i].label) << "</option>";
    h << "</select></label>";
    s.area_controls = std::move(h.s);
  }

  s.confusion_note = "COCO matching at " + m + " " + s.iou + ", score ≥ " + esc(thr) +
                     ". A detection matched in its own class lands on the diagonal; an unmatched one counts "
                     "against the ground truth of another class it overlaps most (" + m + " ≥ " +
                     s.iou + ", not found by its own class), else in <i>background</i>. Ground truth left over is "
                     "<i>missed</i>.";
  s.errors_note = "In the spirit of TIDE, at " + m + " " + s.iou + " over all kept detections (AP at " + m + " " +
                  s.iou + " = " +
                  f3(a.errors.ap) +
                  "). ΔAP is the AP gained by fixing only that type of error; see <a href=\"#definitions\">"
                  "definitions</a>.</p>";
  s.errors_ap_col = "AP@" + s.iou;
  s.definitions =
      "<dt>Matching</dt><dd>pycocotools' COCOeval: per image and class, detections in score order take the unmatched "
      "ground truth with the highest " + m + " ≥ the threshold; crowd regions and out-of-range areas are ignored" +
      (m == "OKS" ? std::string(", and so are persons without labelled keypoints (num_keypoints 0)") : std::string()) +
      ".</dd>"
      "<dt>Operating point</dt><dd>Detections with score ≥ the threshold; precision = TP/(TP+FP), recall = TP/GT, "
      "F1 = 2PR/(P+R), each 0 when undefined.</dd>"
      "<dt>Errors</dt><dd>Each false positive gets the first type that applies, with <i>same</i>/<i>other</i> = its "
      "highest " + m + " with ground truth of its own/other classes and b = " +
      fmt("%g", a.options.background_iou) +
      ": <b>localization</b> b ≤ same &lt; t; <b>classification</b> other ≥ t; <b>duplicate</b> same ≥ t "
      "(already matched by a higher-scoring detection); <b>background</b> same and other &lt; b; <b>both</b> "
      "b ≤ other &lt; t. <b>missed</b>: ground truth never matched and not the target of a localization or "
      "classification error. ΔAP: localization/classification errors become the true positive of their target if "
      "it was never matched (else are removed), other false positives are removed, missed ground truth is "
      "removed from the count.</dd>"
      "<dt>Bootstrap</dt><dd>Images drawn with replacement (xoshiro256**), AP re-accumulated from the same "
      "matches; interval = percentiles 2.5 and 97.5.</dd>";

  json& data = s.data;
  data["mode"] = "coco";
  json areas = json::array();
  for (const auto& ar : e.params.area_ranges) areas.push_back(ar.label);
  data["areas"] = areas;
  data["area"] = a.area;
  data["rec_thrs"] = e.params.rec_thrs;
  data["max_dets"] = e.params.max_dets.back();
  data["f1_scope"] = m + " " + s.iou + ", area all";
  data["overlap"] = m;
  json series = json::array(), pr = json::array();
  for (std::size_t i = 0; i < e.A; ++i) pr.push_back(json::object());
  for (const PrCurve& c : a.curves) {
    bool known = false;
    for (const json& x : series) known |= x["key"] == c.iou;
    if (!known) series.push_back({{"key", c.iou}, {"name", m + " " + c.iou}});
    const std::string key = c.category == PrCurve::kOverall ? "all" : std::to_string(c.category);
    pr[c.area][key][c.iou] = rounded(c.precision);
  }
  data["series"] = series;
  data["pr"] = pr;
  return render(in, s);
}

}  // namespace deteval::report
