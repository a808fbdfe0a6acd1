#include <nlohmann/json.hpp>

#include <cmath>

#include "deteval/formats/voc.hpp"

namespace deteval {

namespace {
// The reference's NaN (a class without ground truth, or no class in the mean) is null.
nlohmann::ordered_json number_or_null(double v) {
  return std::isnan(v) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
}
}  // namespace

std::string voc_evaluation_json(const VocResult& r, const VocDataset& ds) {
  using json = nlohmann::ordered_json;  // keeps the class order of the evaluation
  json per_class = json::object(), map_classes = json::array();
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const VocClassResult& c = r.classes[k];
    const std::string& name = ds.classes[k].name;
    if (c.npos > 0) map_classes.push_back(name);
    per_class[name] = {{"npos", c.npos},
                       {"num_detections", c.num_detections},
                       {"tp", c.tp},
                       {"fp", c.fp},
                       {"ignored", c.ignored},
                       {"ap_voc07", number_or_null(c.ap_voc07)},
                       {"ap_area", number_or_null(c.ap_area)}};
  }
  json doc = {{"iou_threshold", r.iou_threshold},
              {"mAP_voc07", number_or_null(r.map_voc07)},
              {"mAP_area", number_or_null(r.map_area)},
              {"map_classes", map_classes},
              {"per_class", per_class}};
  return doc.dump(1) + "\n";
}

}  // namespace deteval
