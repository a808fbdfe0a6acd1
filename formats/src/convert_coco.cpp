// COCO <-> LabelSet.
#include <nlohmann/json.hpp>

#include "convert_util.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/convert.hpp"
#include "deteval/formats/file.hpp"
#include "json_util.hpp"

namespace deteval {

LabelSet read_coco_labels(const std::string& gt_path, const std::string& dt_path) {
  const std::string text = read_file(gt_path);
  const GroundTruth g = parse_coco_gt(text, gt_path, IouType::bbox);
  LabelSet s;
  s.has_gt = true;
  s.images.resize(g.images.size());
  for (std::size_t i = 0; i < g.images.size(); ++i) {
    const Image& in = g.images[i];
    LabelImage& im = s.images[i];
    im.id = in.id;
    im.name = in.file_name.empty() ? std::to_string(in.id) : image_stem(in.file_name);
    im.file_name = in.file_name;
    im.width = in.width;
    im.height = in.height;
    im.origin = gt_path + ": image " + std::to_string(in.id);
  }
  s.classes.resize(g.categories.size());
  for (std::size_t k = 0; k < g.categories.size(); ++k) {
    s.classes[k] = {g.categories[k].id, g.categories[k].name, g.categories[k].supercategory,
                    gt_path + ": category " + std::to_string(g.categories[k].id)};
  }
  // "difficult" is not part of the evaluation's data model; read it from the same text.
  // The reader above keeps annotations in file order, so index j is annotations[j].
  const detail::json root = detail::parse_json(text, gt_path);
  const detail::json* anns = root.contains("annotations") ? &root["annotations"] : nullptr;
  s.objects.resize(g.size());
  for (std::size_t j = 0; j < g.size(); ++j) {
    LabelObject& o = s.objects[j];
    o.image = g.image[j];
    o.cls = g.category[j];
    o.box = g.box[j];
    o.iscrowd = g.iscrowd[j] != 0;
    const std::string path = detail::path_index("annotations", j);
    if (const auto& a = (*anns)[j]; a.contains("difficult"))
      o.difficult = detail::get_flag(a["difficult"], gt_path, detail::path_key(path, "difficult"));
    o.origin = gt_path + ": " + path;
  }
  if (!dt_path.empty()) {
    ResultsReport report;
    const Detections d = read_coco_results(dt_path, g, IouType::bbox, &report);
    s.has_dt = true;
    s.detections.resize(d.size());
    for (std::size_t j = 0; j < d.size(); ++j) s.detections[j] = {d.image[j], d.category[j], d.score[j], d.box[j]};
    if (report.dropped_unknown_category > 0)
      s.warnings.push_back(dt_path + ": " + std::to_string(report.dropped_unknown_category) +
                           " detections of categories not in " + gt_path + " were left out");
  }
  return s;
}

namespace detail {

std::string coco_gt_json(const LabelSet& set, bool annotations) {
  using ojson = nlohmann::ordered_json;
  ojson images = ojson::array(), cats = ojson::array(), anns = ojson::array();
  for (const LabelImage& im : set.images) {
    ojson j = {{"id", im.id}, {"file_name", im.file_name.empty() ? im.name : im.file_name}};
    if (im.width > 0 && im.height > 0) {
      j["width"] = im.width;
      j["height"] = im.height;
    }
    images.push_back(std::move(j));
  }
  for (const LabelClass& c : set.classes)
    cats.push_back({{"id", c.id}, {"name", c.name}, {"supercategory", c.supercategory}});
  if (annotations)
    for (std::size_t j = 0; j < set.objects.size(); ++j) {
      const LabelObject& o = set.objects[j];
      ojson a = {{"id", j + 1},
                 {"image_id", set.images[o.image].id},
                 {"category_id", set.classes[o.cls].id},
                 {"bbox", {o.box.x, o.box.y, o.box.w, o.box.h}},
                 {"area", o.box.w * o.box.h},
                 {"iscrowd", o.iscrowd ? 1 : 0}};
      if (o.difficult) a["difficult"] = 1;  // not COCO: pycocotools ignores the field
      anns.push_back(std::move(a));
    }
  ojson doc = {{"images", std::move(images)}, {"annotations", std::move(anns)}, {"categories", std::move(cats)}};
  return doc.dump() + "\n";
}

}  // namespace detail

std::string coco_gt_json(const LabelSet& set) { return detail::coco_gt_json(set, true); }

std::string coco_results_json(const LabelSet& set) {
  using ojson = nlohmann::ordered_json;
  ojson out = ojson::array();
  for (const LabelDetection& d : set.detections)
    out.push_back({{"image_id", set.images[d.image].id},
                   {"category_id", set.classes[d.cls].id},
                   {"bbox", {d.box.x, d.box.y, d.box.w, d.box.h}},
                   {"score", d.score}});
  return out.dump() + "\n";
}

}  // namespace deteval
