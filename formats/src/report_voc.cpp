// The VOC-style report's page (deteval voc, deteval dota; report_page.hpp): mAPs, per-class
// table, and the curves with lib's envelope and 11 points (voc.hpp).
#include <algorithm>
#include <cmath>

#include "deteval/voc.hpp"

#include "report_page.hpp"

namespace deteval::report {

json xy(const std::vector<double>& x, const std::vector<double>& y) { return {{"x", rounded(x)}, {"y", rounded(y)}}; }

// The chart series of one class with ground truth: its curve (only the corners of its saw
// teeth: the same polyline), the envelope whose area is the area AP, and the 11 points.
json voc_class_series(const VocClassResult& c) {
  const std::size_t n = c.recall.size();
  std::vector<double> rx, ry;
  for (std::size_t i = 0; i < n; ++i)
    if (i == 0 || i + 1 == n || c.recall[i] != c.recall[i - 1] || c.recall[i + 1] != c.recall[i]) {
      rx.push_back(c.recall[i]);
      ry.push_back(c.precision[i]);
    }
  // The area AP's envelope (lib's, the one voc_ap_area sums), drawn as steps.
  const VocEnvelope env = voc_envelope(c.recall, c.precision);
  const std::vector<double>&mrec = env.recall, &mpre = env.precision;
  std::vector<double> ex, ey;
  for (std::size_t i = 0; i + 1 < mrec.size(); ++i)
    if (mrec[i + 1] != mrec[i]) {  // the area AP adds (mrec[i+1] - mrec[i]) * mpre[i+1]
      ex.push_back(mrec[i]);
      ey.push_back(mpre[i + 1]);
      ex.push_back(mrec[i + 1]);
      ey.push_back(mpre[i + 1]);
    }
  std::vector<double> px, py;
  for (int k = 0; k <= 10; ++k) {  // the 11 points, at numpy.arange(0., 1.1, 0.1)'s k * 0.1
    px.push_back(k * 0.1);
    py.push_back(voc_precision_at_recall(c.recall, c.precision, k * 0.1));
  }
  json out = {{"interp", xy(ex, ey)}, {"p11", xy(px, py)}};
  if (!rx.empty()) out["raw"] = xy(rx, ry);
  return out;
}

std::string voc_report(const ReportInput& in) {
  const VocResult& r = *in.voc;
  const VocAnalysis& va = *in.voc_analysis;
  const Analysis& a = va.analysis;
  const std::vector<std::string>& names = in.names;
  const std::size_t K = r.classes.size();
  Spec s;
  s.a = &a;
  s.K = K;
  s.iou = fmt("%g", r.iou_threshold);
  s.iou_rule = "IoU > " + s.iou;
  const std::string thr = fmt("%g", a.options.score_threshold);
  const std::string n_map = std::to_string(r.num_map_classes) + " class" + (r.num_map_classes == 1 ? "" : "es");
  s.has_ci = va.has_bootstrap;
  s.replicates = va.bootstrap.replicates;
  s.seed = va.bootstrap.seed;
  for (const auto& [name, v] : in.summary) {
    const Interval* iv = !va.has_bootstrap ? nullptr
                         : name == "mAP_voc07" ? &va.bootstrap.map_voc07
                         : name == "mAP_area" ? &va.bootstrap.map_area
                                              : nullptr;
    std::string meaning;
    if (name == "mAP_voc07")
      meaning = "mean over the " + n_map + " with ground truth of the 11-point AP (VOC2007)";
    else if (name == "mAP_area")
      meaning = "mean over the " + n_map + " with ground truth of the area AP (VOC2010+)";
    s.stats.push_back({name, v, iv, meaning});
  }

  if (K > 0) {
    Html h;
    h << classes_head("Matching at IoU > " + s.iou + "; ignored = detections on difficult objects (neither TP nor "
                      "FP). Operating point at score ≥ " + esc(thr) + ".",
                      K)
      << "<th data-sort=text>Class</th><th data-sort=num class=num>GT (npos)</th><th data-sort=num class=num>Det</th>"
         "<th data-sort=num class=num>TP</th><th data-sort=num class=num>FP</th>"
         "<th data-sort=num class=num>ignored</th><th data-sort=num class=num>AP 11-point</th>"
         "<th data-sort=num class=num>AP area</th>"
      << kOpHeads << "</tr></thead><tbody>";
    for (std::size_t k = 0; k < K; ++k) {
      const VocClassResult& c = r.classes[k];
      const bool gt = c.npos > 0;
      // data-v holds what --json holds: ap_voc07 0 and ap_area NaN (null) or 0 without ground truth.
      h << "<tr data-k=\"" << std::to_string(k) << "\"><td>" << esc(names[k]) << "</td>" << int_td(c.npos, "npos")
        << int_td(c.num_detections, "num_detections") << int_td(c.tp, "tp") << int_td(c.fp, "fp")
        << int_td(c.ignored, "ignored") << num_td(c.ap_voc07, "ap_voc07", gt ? f3(c.ap_voc07) : "–")
        << num_td(c.ap_area, "ap_area", gt ? f3(c.ap_area) : "–") << op_cells(a.per_category[k]) << "</tr>";
    }
    h << "</tbody></table></div></section>\n";
    s.classes_html = std::move(h.s);
  }

  const std::string matching =
      in.voc_matching.empty() ? std::string("the VOC devkit's voc_eval.py, with the +1 pixel box IoU")
                              : in.voc_matching;
  s.confusion_note = "VOC matching at IoU &gt; " + s.iou + ", score ≥ " + esc(thr) +
                     ". A true positive lands on the diagonal; a false positive counts against the non-difficult "
                     "ground truth of another class it overlaps most (IoU &gt; " +
                     s.iou + ", not found by its own class), else in <i>background</i>. Ground truth left over is "
                     "<i>missed</i>. Difficult objects and the detections VOC ignores on them are not counted.";
  s.errors_note = "In the spirit of TIDE, at IoU &gt; " + s.iou +
                  " over all detections that VOC does not ignore (mAP, area = " + f3(a.errors.ap) +
                  "). ΔAP is the area mAP gained by fixing only that type of error; see <a href=\"#definitions\">"
                  "definitions</a>.</p>";
  s.errors_ap_col = "AP area";
  const std::string b = fmt("%g", a.options.background_iou);
  s.definitions =
      "<dt>Matching</dt><dd>As " + esc(matching) +
      ": per class, detections in descending score order take the object of their image with the highest IoU "
      "(difficult ones included) when it is &gt; the threshold: a difficult object makes the detection "
      "<i>ignored</i> (neither TP nor FP), an object already taken makes it a false positive (duplicate, no "
      "fall-back), else it is a true positive. Recall = TP/npos (non-difficult objects), precision = TP/(TP+FP) "
      "after each ranked detection.</dd>"
      "<dt>AP</dt><dd>11-point (VOC2007): mean over recall t = 0, 0.1, …, 1 of the highest precision at recall ≥ t. "
      "Area (VOC2010+): the area under the precision envelope. mAP: the mean over the classes with npos &gt; 0.</dd>"
      "<dt>Operating point</dt><dd>Detections (not ignored) with score ≥ the threshold; precision = TP/(TP+FP), "
      "recall = TP/npos, F1 = 2PR/(P+R), each 0 when undefined.</dd>"
      "<dt>Errors</dt><dd>Each false positive gets the first type that applies, with <i>same</i> = VOC's highest IoU "
      "with an object of its class, <i>other</i> = its highest IoU with an object of another class (difficult "
      "objects included in both) and b = " + b +
      ": <b>localization</b> b ≤ same ≤ t; <b>classification</b> other &gt; t; <b>duplicate</b> same &gt; t "
      "(the object was taken by a higher-scoring detection); <b>background</b> same and other &lt; b; <b>both</b> "
      "b ≤ other ≤ t. <b>missed</b>: non-difficult objects never matched and not the target of a localization or "
      "classification error. ΔAP (area mAP): localization/classification errors become the true positive of their "
      "target if it is non-difficult and was never matched (else are removed: VOC would ignore them on a difficult "
      "object), other false positives are removed, missed objects are removed from npos.</dd>"
      "<dt>Bootstrap</dt><dd>Images drawn with replacement (xoshiro256**); a drawn image's detections and objects "
      "count as often as drawn; both APs recomputed per class from the same decisions; interval = percentiles 2.5 "
      "and 97.5.</dd>";

  json& data = s.data;
  data["mode"] = "voc";
  data["areas"] = json::array({"all"});
  data["area"] = 0;
  data["rec_thrs"] = json::array();
  data["f1_scope"] = "IoU > " + s.iou;
  data["series"] = json::array({json{{"key", "raw"}, {"name", "Precision"}},
                                json{{"key", "interp"}, {"name", "Interpolated (area AP)"}},
                                json{{"key", "p11"}, {"name", "11-point (VOC2007 AP)"}, {"dots", true}}});
  json curves = json::object();
  // "All classes": the means over the classes with ground truth of the envelope (at 101 recall
  // points) and of the 11 points (whose mean is the VOC2007 mAP).
  std::vector<double> gx, gy(101, 0.), px, py(11, 0.);
  for (int i = 0; i <= 100; ++i) gx.push_back(i / 100.0);
  for (int k = 0; k <= 10; ++k) px.push_back(k * 0.1);  // numpy.arange(0., 1.1, 0.1), as the 11 points
  std::size_t with_gt = 0;
  for (std::size_t k = 0; k < K; ++k) {
    const VocClassResult& c = r.classes[k];
    if (c.npos == 0) continue;
    ++with_gt;
    curves[std::to_string(k)] = voc_class_series(c);
    for (int i = 0; i <= 100; ++i) gy[i] += voc_precision_at_recall(c.recall, c.precision, gx[i]);
    for (int j = 0; j <= 10; ++j) py[j] += voc_precision_at_recall(c.recall, c.precision, j * 0.1);
  }
  if (with_gt) {
    for (double& v : gy) v /= static_cast<double>(with_gt);
    for (double& v : py) v /= static_cast<double>(with_gt);
    curves["all"] = {{"interp", xy(gx, gy)}, {"p11", xy(px, py)}};
  }
  data["pr"] = json::array({curves});
  return render(in, s);
}

}  // namespace deteval::report
