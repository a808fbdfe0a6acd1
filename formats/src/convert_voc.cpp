// VOC <-> LabelSet.
#include <filesystem>
#include <unordered_map>

#include "convert_util.hpp"
#include "deteval/formats/convert.hpp"
#include "deteval/formats/voc.hpp"
#include "number_text.hpp"
#include "text_util.hpp"

namespace deteval {

using detail::invalid_at;
using detail::quote;

LabelSet read_voc_labels(const VocPaths& paths) {
  const VocInput in = load_voc(paths);
  LabelSet s;
  s.has_gt = true;
  s.has_dt = !paths.detections.empty();
  const std::filesystem::path dir(paths.annotations_dir);
  const std::size_t I = in.images.ids.size();
  s.images.resize(I);
  for (std::size_t i = 0; i < I; ++i) {
    LabelImage& im = s.images[i];
    const VocAnnotation& a = in.annotations[i];
    im.id = static_cast<std::int64_t>(i) + 1;
    im.name = in.images.ids[i];
    // <filename> is kept when it names this image (000005.jpg for 000005), so that a COCO
    // file_name maps back to the same VOC id.
    im.file_name = !a.filename.empty() && image_stem(a.filename) == im.name ? a.filename : im.name;
    im.width = a.width;
    im.height = a.height;
    im.origin = (dir / (im.name + ".xml")).string();
  }
  std::unordered_map<std::string, std::uint32_t> class_index;
  s.classes.resize(in.dataset.classes.size());
  for (std::size_t k = 0; k < s.classes.size(); ++k) {
    s.classes[k].id = static_cast<std::int64_t>(k) + 1;
    s.classes[k].name = in.dataset.classes[k].name;
    s.classes[k].origin = paths.classes.empty() ? "class " + quote(s.classes[k].name) + " of the annotations"
                                                : "class " + quote(s.classes[k].name) + " of the class list";
    class_index.emplace(s.classes[k].name, static_cast<std::uint32_t>(k));
  }
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < I; ++i)
    for (const VocObject& o : in.annotations[i].objects) {
      const auto it = class_index.find(o.name);
      if (it == class_index.end()) {
        ++dropped;
        continue;
      }
      LabelObject obj;
      obj.image = static_cast<std::uint32_t>(i);
      obj.cls = it->second;
      obj.box = coco_box_from_voc(o.box);
      // A crowd region is written to VOC as a difficult object marked <iscrowd>; it comes back
      // as a crowd alone.
      obj.iscrowd = o.iscrowd;
      obj.difficult = o.difficult && !o.iscrowd;
      obj.origin = s.images[i].origin + ": line " + std::to_string(o.line);
      s.objects.push_back(std::move(obj));
    }
  if (dropped > 0)
    s.warnings.push_back(std::to_string(dropped) + " objects of classes not in the class list were left out");
  for (std::size_t k = 0; k < in.dataset.classes.size(); ++k) {
    const VocClassData& c = in.dataset.classes[k];
    for (std::size_t j = 0; j < c.det_score.size(); ++j)
      s.detections.push_back({c.det_image[j], static_cast<std::uint32_t>(k), c.det_score[j], coco_box_from_voc(c.det_box[j])});
  }
  for (const std::string& c : in.classes_without_file)
    s.warnings.push_back(voc_detection_path(paths.detections, c) + ": no such file; class '" + c +
                         "' has no detections");
  return s;
}

std::vector<OutputFile> voc_output_files(const LabelSet& set, const std::string& set_name) {
  detail::check_file_name(set_name, "the image set name", "a file name", true);
  detail::check_names(set, "VOC", /*image_names_without_blanks=*/true, /*class_names_are_file_names=*/set.has_dt);
  std::vector<OutputFile> files;
  if (set.has_gt) {
    std::vector<VocAnnotation> ann(set.images.size());
    for (std::size_t i = 0; i < set.images.size(); ++i) {
      const LabelImage& im = set.images[i];
      ann[i].filename = im.file_name.empty() ? im.name : im.file_name;
      ann[i].width = im.width;
      ann[i].height = im.height;
    }
    for (const LabelObject& o : set.objects) {
      VocObject v;
      v.name = set.classes[o.cls].name;
      v.difficult = o.difficult || o.iscrowd;  // the devkit ignores detections on it, as COCO on a crowd
      v.iscrowd = o.iscrowd;
      v.box = voc_box_from_coco(o.box);
      if (!(v.box.x2 >= v.box.x1 && v.box.y2 >= v.box.y1))
        throw invalid_at(o.origin,
                         "a box at least 1 pixel wide and high for VOC's inclusive corners (xmax = x + w >= xmin = x + 1)",
                         "width " + detail::format_number(o.box.w) + ", height " + detail::format_number(o.box.h));
      ann[o.image].objects.push_back(std::move(v));
    }
    for (std::size_t i = 0; i < set.images.size(); ++i)
      files.push_back({"Annotations/" + set.images[i].name + ".xml", voc_annotation_xml(ann[i])});
  }
  std::string list;
  for (const LabelImage& im : set.images) list.append(im.name).push_back('\n');
  files.push_back({"ImageSets/Main/" + set_name + ".txt", std::move(list)});
  if (set.has_dt) {
    std::vector<std::string> per_class(set.classes.size());
    for (const LabelDetection& d : set.detections)
      per_class[d.cls] += voc_detection_line(set.images[d.image].name, d.score, voc_box_from_coco(d.box));
    for (std::size_t k = 0; k < set.classes.size(); ++k)
      files.push_back({"results/comp4_det_test_" + set.classes[k].name + ".txt", std::move(per_class[k])});
  }
  return files;
}

}  // namespace deteval
