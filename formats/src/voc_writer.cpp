#include <nlohmann/json.hpp>

#include <cmath>

#include "deteval/formats/voc.hpp"
#include "number_text.hpp"
#include "report_json.hpp"

namespace deteval {

using detail::format_number;

namespace {
// The reference's NaN (a class without ground truth, or no class in the mean) is null.
nlohmann::ordered_json number_or_null(double v) {
  return std::isnan(v) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(v);
}
// Element text needs only & < > escaped (XML); quotes stay as they are, so that names
// read the same in tools that decode few entities (html_escape would also write &quot;).
std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}
}  // namespace

std::string voc_annotation_xml(const VocAnnotation& a) {
  std::string x = "<annotation>\n";
  if (!a.filename.empty()) x += "\t<filename>" + xml_escape(a.filename) + "</filename>\n";
  if (a.width > 0 && a.height > 0)
    x += "\t<size>\n\t\t<width>" + std::to_string(a.width) + "</width>\n\t\t<height>" + std::to_string(a.height) +
         "</height>\n\t\t<depth>3</depth>\n\t</size>\n";
  for (const VocObject& o : a.objects) {
    x += "\t<object>\n\t\t<name>" + xml_escape(o.name) + "</name>\n";
    x += "\t\t<pose>" + (o.pose.empty() ? std::string("Unspecified") : xml_escape(o.pose)) + "</pose>\n";
    x += std::string("\t\t<truncated>") + (o.truncated ? "1" : "0") + "</truncated>\n";
    x += std::string("\t\t<difficult>") + (o.difficult ? "1" : "0") + "</difficult>\n";
    if (o.iscrowd) x += "\t\t<iscrowd>1</iscrowd>\n";
    x += "\t\t<bndbox>\n\t\t\t<xmin>" + format_number(o.box.x1) + "</xmin>\n\t\t\t<ymin>" + format_number(o.box.y1) +
         "</ymin>\n\t\t\t<xmax>" + format_number(o.box.x2) + "</xmax>\n\t\t\t<ymax>" + format_number(o.box.y2) +
         "</ymax>\n\t\t</bndbox>\n\t</object>\n";
  }
  return x + "</annotation>\n";
}

std::string voc_detection_line(const std::string& image_id, double score, const VocBox& b) {
  return image_id + ' ' + format_number(score) + ' ' + format_number(b.x1) + ' ' + format_number(b.y1) + ' ' +
         format_number(b.x2) + ' ' + format_number(b.y2) + '\n';
}

nlohmann::ordered_json detail::voc_evaluation_doc(const VocResult& r, const std::vector<std::string>& class_names) {
  using json = nlohmann::ordered_json;  // keeps the class order of the evaluation
  json per_class = json::object(), map_classes = json::array();
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const VocClassResult& c = r.classes[k];
    const std::string& name = class_names.at(k);
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
  return doc;
}

std::string voc_evaluation_json(const VocResult& r, const std::vector<std::string>& class_names) {
  return detail::voc_evaluation_doc(r, class_names).dump(1) + "\n";
}

std::string voc_evaluation_json(const VocResult& r, const VocDataset& ds) {
  std::vector<std::string> names;
  names.reserve(ds.classes.size());
  for (const auto& c : ds.classes) names.push_back(c.name);
  return voc_evaluation_json(r, names);
}

}  // namespace deteval
