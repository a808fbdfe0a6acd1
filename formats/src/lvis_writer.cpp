#include <nlohmann/json.hpp>

#include "deteval/formats/lvis.hpp"

namespace deteval {

namespace {
// lvis-api's -1 ("no valid entries") as null.
nlohmann::ordered_json or_null(double v) { return v > -1 ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); }
}  // namespace

std::string lvis_evaluation_json(const LvisEvaluation& e, const LvisSummary& s,
                                 const std::vector<CategoryMetrics>& cats, const LvisGroundTruth& gt) {
  using json = nlohmann::ordered_json;
  const Params& p = e.eval.params;
  json rng = json::array(), lbl = json::array();
  for (const auto& a : p.area_ranges) {
    rng.push_back({a.lo, a.hi});
    lbl.push_back(a.label);
  }
  json params = {{"iou_type", to_string(p.iou_type)}, {"max_dets", p.max_dets[0]},
                 {"iou_thrs", p.iou_thrs},           {"rec_thrs", p.rec_thrs},
                 {"area_rng", rng},                  {"area_rng_lbl", lbl},
                 {"use_cats", 1},                    {"img_count_lbl", {"r", "c", "f"}}};
  const LvisCounts& n = e.counts;
  json counts = {{"images", n.images},
                 {"categories", n.categories},
                 {"gt", n.gt},
                 {"dt", n.dt},
                 {"dt_after_cap", n.dt_after_cap},
                 {"gt_evaluated", n.gt_evaluated},
                 {"dt_evaluated", n.dt_evaluated},
                 {"categories_with_ap", n.categories_with_ap}};
  json results = json::object();
  for (const auto& [key, value] : s.results) results[key] = value;
  const std::string ar_key = "AR@" + std::to_string(p.max_dets[0]);
  json per_cat = json::array();
  for (const auto& c : cats)
    per_cat.push_back({{"id", c.id},
                       {"name", gt.gt.categories[c.category].name},
                       {"frequency", to_string(gt.frequency[c.category])},
                       {"AP", or_null(c.ap)},
                       {"AP50", or_null(c.has_ap50 ? c.ap50 : -1)},
                       {"AP75", or_null(c.has_ap75 ? c.ap75 : -1)},
                       {ar_key, or_null(c.ar)}});
  json doc = {{"iou_type", to_string(p.iou_type)},
              {"effective_params", params},
              {"counts", counts},
              {"results", results},
              {"per_category", per_cat},
              {"device", e.eval.device}};
  return doc.dump(1) + "\n";
}

}  // namespace deteval
