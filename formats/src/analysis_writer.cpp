// The analyses as JSON and CSV.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

#include "deteval/formats/report.hpp"
#include "report_json.hpp"

namespace deteval {

using nlohmann::json;

std::vector<std::string> category_names(const Evaluation& e, const GroundTruth& gt) {
  if (!e.params.use_cats) return {"all"};
  std::vector<std::string> out;
  for (const auto& c : gt.categories) out.push_back(c.name);
  return out;
}

namespace {

json counts_doc(const Counts& c) {
  return {{"tp", c.tp}, {"fp", c.fp}, {"fn", c.fn},
          {"precision", c.precision}, {"recall", c.recall}, {"f1", c.f1}};
}

json operating_doc(const OperatingPoint& op) {
  json j = {{"num_gt", op.num_gt}, {"num_dt", op.num_dt}, {"at_threshold", counts_doc(op.at_threshold)}};
  if (op.has_best) {
    json b = counts_doc(op.best);
    b["threshold"] = op.best_threshold;
    j["best_f1"] = b;
  } else {
    j["best_f1"] = nullptr;
  }
  return j;
}

// Category identity fields: {"id", "name"} (id null without use_cats).
void identify(json& j, const Evaluation& e, std::size_t k, const std::vector<std::string>& names) {
  j["id"] = e.params.use_cats ? json(e.category_ids[k]) : json(nullptr);
  j["name"] = names[k];
}

// An AP-like value: null where undefined (NaN, or the -1 marker of pycocotools' arrays).
json defined_or_null(double v) { return std::isnan(v) || v <= -1 ? json(nullptr) : json(v); }

json interval_doc(const Interval& i) {
  return {{"value", defined_or_null(i.value)}, {"lo", defined_or_null(i.lo)}, {"hi", defined_or_null(i.hi)}};
}

std::string g17(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

namespace {

// The members both evaluations share: operating_point, f1_curve, confusion_matrix, errors.
// `identify(j, k)` writes the identity fields of category k.
template <class Identify>
void analysis_body(json& doc, const Analysis& a, const std::vector<std::string>& names, Identify identify) {

  json per_cat = json::array();
  for (std::size_t k = 0; k < a.per_category.size(); ++k) {
    json j = operating_doc(a.per_category[k]);
    identify(j, k);
    per_cat.push_back(j);
  }
  doc["operating_point"] = {{"overall", operating_doc(a.overall)}, {"per_category", per_cat}};
  doc["f1_curve"] = {{"thresholds", a.f1_thresholds},
                     {"precision", a.overall.f1_precision},
                     {"recall", a.overall.f1_recall},
                     {"f1", a.overall.f1}};

  const ConfusionMatrix& cm = a.confusion;
  json labels = names, rows = json::array();
  for (std::size_t r = 0; r <= cm.K; ++r) {
    json row = json::array();
    for (std::size_t c = 0; c <= cm.K; ++c) row.push_back(cm.at(r, c));
    rows.push_back(row);
  }
  doc["confusion_matrix"] = {{"categories", labels},
                             {"rows", "ground-truth category; last row: background (no ground truth)"},
                             {"columns", "predicted category; last column: missed (no detection)"},
                             {"counts", rows}};

  const ErrorBreakdown& eb = a.errors;
  json types = json::object();
  for (std::size_t t = 0; t < kErrorTypes; ++t)
    types[kErrorNames[t]] = {{"count", eb.count[t]}, {"delta_ap", eb.delta_ap[t]}};
  json err_cat = json::array();
  for (std::size_t k = 0; k < eb.per_category.size(); ++k) {
    const auto& pc = eb.per_category[k];
    json j;
    identify(j, k);
    j["ap"] = defined_or_null(pc.ap);
    for (std::size_t t = 0; t < kErrorTypes; ++t)
      j[kErrorNames[t]] = {{"count", pc.count[t]}, {"delta_ap", pc.delta_ap[t]}};  // NaN -> null
    err_cat.push_back(j);
  }
  doc["errors"] = {{"ap", defined_or_null(eb.ap)},
                   {"types", types},
                   {"false_positives", {{"delta_ap", eb.delta_ap_false_positives}}},
                   {"false_negatives", {{"delta_ap", eb.delta_ap_false_negatives}}},
                   {"per_category", err_cat}};
}

}  // namespace

json detail::analysis_doc(const Evaluation& e, const Analysis& a, const std::vector<std::string>& names) {
  const AnalysisOptions& o = a.options;
  json doc = {{"iou", e.params.iou_thrs[a.iou_index]},
              {"area", e.params.area_ranges[a.area].label},
              {"maxDets", a.max_dets},
              {"score_threshold", o.score_threshold},
              {"background_iou", o.background_iou}};
  analysis_body(doc, a, names, [&](json& j, std::size_t k) { identify(j, e, k, names); });

  if (a.has_bootstrap) {
    const Bootstrap& b = a.bootstrap;
    const auto iv = interval_doc;
    json bj = {{"replicates", b.replicates}, {"seed", b.seed}, {"confidence", 0.95}, {"AP", iv(b.ap)}};
    bj["AP50"] = b.has_ap50 ? iv(b.ap50) : json(nullptr);
    doc["bootstrap"] = bj;
  }
  return doc;
}

std::string coco_evaluation_json(const Evaluation& e, const Summary& s, const std::vector<CategoryMetrics>& cats,
                                 const GroundTruth& gt, const Analysis& a) {
  nlohmann::ordered_json doc = detail::coco_evaluation_doc(e, s, cats, gt);
  // Through text: an ordered document cannot hold a plain one directly; doubles round-trip.
  doc["analysis"] = nlohmann::ordered_json::parse(detail::analysis_doc(e, a, category_names(e, gt)).dump());
  return doc.dump(1) + "\n";
}

std::string curves_csv(const Evaluation& e, const std::vector<PrCurve>& curves, const std::vector<std::string>& names) {
  std::string out = "category_id,category,iou,area,max_dets,recall,precision,score\n";
  const std::string md = std::to_string(e.params.max_dets.back());
  for (const PrCurve& c : curves) {
    const bool overall = c.category == PrCurve::kOverall;
    const std::string head = (overall || !e.params.use_cats ? std::string() : std::to_string(e.category_ids[c.category])) +
                             "," + csv_field(overall ? "all" : names[c.category]) + "," + c.iou + "," +
                             csv_field(e.params.area_ranges[c.area].label) + "," + md + ",";
    for (std::size_t r = 0; r < c.precision.size(); ++r) {
      out += head;
      out += g17(e.params.rec_thrs[r]) + "," + g17(c.precision[r]) + ",";
      if (!c.score.empty()) out += g17(c.score[r]);
      out += "\n";
    }
  }
  return out;
}

std::string curves_json(const Evaluation& e, const std::vector<PrCurve>& curves, const std::vector<std::string>& names) {
  json list = json::array();
  for (const PrCurve& c : curves) {
    const bool overall = c.category == PrCurve::kOverall;
    json j = {{"category_id", overall || !e.params.use_cats ? json(nullptr) : json(e.category_ids[c.category])},
              {"category", overall ? "all" : names[c.category]},
              {"iou", c.iou},
              {"area", e.params.area_ranges[c.area].label},
              {"precision", c.precision}};
    if (!c.score.empty()) j["score"] = c.score;
    list.push_back(j);
  }
  json doc = {{"max_dets", e.params.max_dets.back()}, {"rec_thrs", e.params.rec_thrs}, {"curves", list}};
  return doc.dump(1) + "\n";
}

// ---- VOC-style evaluations ------------------------------------------------------------

std::string voc_evaluation_json(const VocResult& r, const std::vector<std::string>& names, const VocAnalysis& va) {
  const Analysis& a = va.analysis;
  json an = {{"iou_threshold", va.iou_threshold},
             {"score_threshold", a.options.score_threshold},
             {"background_iou", a.options.background_iou}};
  analysis_body(an, a, names, [&](json& j, std::size_t k) { j["name"] = names.at(k); });
  if (va.has_bootstrap) {
    const VocBootstrap& b = va.bootstrap;
    const auto iv = interval_doc;
    an["bootstrap"] = {{"replicates", b.replicates},
                       {"seed", b.seed},
                       {"confidence", 0.95},
                       {"mAP_voc07", iv(b.map_voc07)},
                       {"mAP_area", iv(b.map_area)}};
  }
  nlohmann::ordered_json doc = detail::voc_evaluation_doc(r, names);
  // Through text: an ordered document cannot hold a plain one directly; doubles round-trip.
  doc["analysis"] = nlohmann::ordered_json::parse(an.dump());
  return doc.dump(1) + "\n";
}

namespace {

const char* outcome_name(Outcome o) {
  return o == Outcome::tp ? "tp" : o == Outcome::fp ? "fp" : "ignored";
}

}  // namespace

std::string voc_curves_csv(const VocResult& r, const std::vector<std::string>& names,
                           const std::vector<VocClassRef>& classes, const std::vector<std::string>& image_ids) {
  std::string out = "class,rank,image,score,outcome,recall,precision\n";
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const VocClassResult& c = r.classes[k];
    if (c.npos == 0) continue;
    const std::string name = csv_field(names.at(k)) + ",";
    for (std::size_t i = 0; i < c.ranked.size(); ++i) {
      const VocRankedDetection& d = c.ranked[i];
      out += name;
      out += std::to_string(i + 1);
      out += ',';
      out += csv_field(image_ids.at(classes[k].det_image[d.detection]));
      out += ',';
      out += g17(classes[k].det_score[d.detection]);
      out += ',';
      out += outcome_name(d.outcome);
      out += ',';
      out += g17(c.recall[i]);
      out += ',';
      out += g17(c.precision[i]);
      out += '\n';
    }
  }
  return out;
}

std::string voc_curves_json(const VocResult& r, const std::vector<std::string>& names,
                            const std::vector<VocClassRef>& classes, const std::vector<std::string>& image_ids) {
  json list = json::array();
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const VocClassResult& c = r.classes[k];
    if (c.npos == 0) continue;
    json score = json::array(), image = json::array(), outcome = json::array();
    for (const VocRankedDetection& d : c.ranked) {
      score.push_back(classes[k].det_score[d.detection]);
      image.push_back(image_ids.at(classes[k].det_image[d.detection]));
      outcome.push_back(outcome_name(d.outcome));
    }
    json j;
    j["class"] = names.at(k);
    j["npos"] = c.npos;
    j["ap_voc07"] = c.ap_voc07;
    j["ap_area"] = c.ap_area;
    j["recall"] = c.recall;
    j["precision"] = c.precision;
    j["score"] = score;
    j["image"] = image;
    j["outcome"] = outcome;
    list.push_back(j);
  }
  json doc = {{"iou_threshold", r.iou_threshold}, {"curves", list}};
  return doc.dump(1) + "\n";
}

}  // namespace deteval
