// LabelSet -> YOLO text labels.
#include "convert_util.hpp"
#include "deteval/formats/yolo.hpp"
#include "number_text.hpp"

namespace deteval {

using detail::format_number;

namespace {

void require_size(const LabelImage& im) {
  if (im.width <= 0 || im.height <= 0)
    throw detail::invalid_at(im.origin,
                             "the image size, to normalise its boxes for YOLO (from VOC <size>, COCO width and "
                             "height, or a COCO file with the images' sizes)",
                             "none");
}

std::string line(std::uint32_t cls, const Box& b, const LabelImage& im) {
  const YoloBox y = yolo_box_from_coco(b, im.width, im.height);
  return std::to_string(cls) + ' ' + format_number(y.cx) + ' ' + format_number(y.cy) + ' ' + format_number(y.w) +
         ' ' + format_number(y.h);
}

}  // namespace

std::vector<OutputFile> yolo_output_files(const LabelSet& set, std::vector<std::string>* warnings) {
  detail::check_names(set, "YOLO", /*image_names_without_blanks=*/false, /*class_names_are_file_names=*/false);
  std::vector<OutputFile> files;
  std::string names;
  for (const LabelClass& c : set.classes) names.append(c.name).push_back('\n');
  files.push_back({"classes.txt", std::move(names)});
  files.push_back({"sizes.json", detail::coco_gt_json(set, false)});
  const std::size_t I = set.images.size();
  if (set.has_gt) {
    std::vector<std::string> text(I);
    std::size_t flags_lost = 0;
    for (const LabelObject& o : set.objects) {
      const LabelImage& im = set.images[o.image];
      require_size(im);
      text[o.image] += line(o.cls, o.box, im) + '\n';
      flags_lost += o.difficult || o.iscrowd;
    }
    for (std::size_t i = 0; i < I; ++i) files.push_back({"labels/" + set.images[i].name + ".txt", std::move(text[i])});
    if (flags_lost > 0 && warnings)
      warnings->push_back(std::to_string(flags_lost) +
                          " difficult or crowd objects are written as ordinary boxes (YOLO has no such flag)");
  }
  if (set.has_dt) {
    std::vector<std::string> text(I);
    for (const LabelDetection& d : set.detections) {
      const LabelImage& im = set.images[d.image];
      require_size(im);
      text[d.image] += line(d.cls, d.box, im) + ' ' + format_number(d.score) + '\n';
    }
    for (std::size_t i = 0; i < I; ++i)
      files.push_back({"predictions/" + set.images[i].name + ".txt", std::move(text[i])});
  }
  return files;
}

}  // namespace deteval
