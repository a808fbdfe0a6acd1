#include <nlohmann/json.hpp>

#include "deteval/formats/coco.hpp"
#include "report_json.hpp"

namespace deteval {

namespace {
nlohmann::ordered_json value_or_null(bool has, double v) {
  return has ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}
}  // namespace

// Ordered: the stats keep pycocotools' order (AP, AP50, ..., ARl), not the alphabet's.
nlohmann::ordered_json detail::coco_evaluation_doc(const Evaluation& e, const Summary& s,
                                                   const std::vector<CategoryMetrics>& cats, const GroundTruth& gt) {
  using json = nlohmann::ordered_json;
  const Params& p = e.params;
  json params = {{"iouType", to_string(p.iou_type)},
                 {"useCats", p.use_cats ? 1 : 0},
                 {"maxDets", p.max_dets},
                 {"iouThrs", p.iou_thrs},
                 {"recThrs", p.rec_thrs}};
  json rng = json::array(), lbl = json::array();
  for (const auto& a : p.area_ranges) {
    rng.push_back({a.lo, a.hi});
    lbl.push_back(a.label);
  }
  params["areaRng"] = rng;
  params["areaRngLbl"] = lbl;
  if (p.iou_type == IouType::keypoints) params["kpt_oks_sigmas"] = p.kpt_oks_sigmas;

  json stats = json::object();
  for (std::size_t i = 0; i < s.stats.size(); ++i) stats[s.names[i]] = s.stats[i];

  json per_cat = json::array();
  for (const auto& c : cats)
    per_cat.push_back({{"id", c.id},
                       {"name", gt.categories[c.category].name},
                       {"AP", c.ap},
                       {"AP50", value_or_null(c.has_ap50, c.ap50)},
                       {"AP75", value_or_null(c.has_ap75, c.ap75)},
                       {"AR100", c.ar}});
  json doc = {{"iou_type", to_string(p.iou_type)},
              {"params", params},
              {"stats", stats},
              {"per_category", per_cat},
              {"device", e.device}};
  return doc;
}

std::string coco_evaluation_json(const Evaluation& e, const Summary& s, const std::vector<CategoryMetrics>& cats,
                                 const GroundTruth& gt) {
  return detail::coco_evaluation_doc(e, s, cats, gt).dump(1) + "\n";
}

}  // namespace deteval
