// Conversion between Pascal VOC, COCO and YOLO files (`deteval convert`).
//
// Every reader fills one neutral LabelSet and every writer takes one, so each pair of
// formats goes through the same two steps. Boxes are kept in COCO's convention: [x, y, w, h]
// in 0-based continuous pixel coordinates. The VOC mapping is detectron2's and mmdetection's:
//   x = xmin - 1, y = ymin - 1, w = xmax - xmin + 1, h = ymax - ymin + 1
//   xmin = x + 1, ymin = y + 1, xmax = x + w,     ymax = y + h
// under which a VOC box's +1-pixel IoU equals the COCO IoU of its image. YOLO is the COCO box
// normalised by the image size: cx = (x + w/2) / W, cy = (y + h/2) / H, w / W, h / H.
// See docs/convert.md for the ids, names and flags each direction keeps or maps.
//
// Readers validate everything and throw InputError / IoError (never half a set); writers
// build every file in memory and throw InputError when the data cannot be written in the
// target format (naming where the offending value came from). Nothing is written to disk
// here except by write_directory_atomic (formats/file.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deteval/box.hpp"
#include "deteval/formats/file.hpp"  // OutputFile
#include "deteval/formats/voc.hpp"  // VocPaths
#include "deteval/voc.hpp"

namespace deteval {

struct LabelImage {
  std::int64_t id = 0;                 ///< COCO image id
  std::string name;                    ///< VOC image id / YOLO label-file stem
  std::string file_name;               ///< COCO file_name / VOC <filename>; may be empty
  std::int32_t width = 0, height = 0;  ///< 0 when unknown
  std::string origin;                  ///< where it was read, for messages (`gt.json: images[3]`)
};

struct LabelClass {
  std::int64_t id = 0;  ///< COCO category id
  std::string name;
  std::string supercategory;
  std::string origin;
};

struct LabelObject {
  std::uint32_t image = 0, cls = 0;  ///< indices into LabelSet::images / classes
  Box box;                           ///< COCO [x, y, w, h]
  bool difficult = false;            ///< VOC <difficult>; COCO extra field "difficult": 1
  bool iscrowd = false;              ///< COCO iscrowd; VOC difficult + <iscrowd>1</iscrowd>
  std::string origin;                ///< `Annotations/000005.xml: line 12`, `gt.json: annotations[4]`
};

struct LabelDetection {
  std::uint32_t image = 0, cls = 0;
  double score = 0;
  Box box;
};

/// One dataset in transit: images and classes in output order (VOC image-set order, COCO
/// ids ascending; class order = COCO category order = YOLO class index).
struct LabelSet {
  std::vector<LabelImage> images;
  std::vector<LabelClass> classes;
  bool has_gt = false;  ///< ground truth was read (it may have no objects)
  bool has_dt = false;  ///< detections were read
  std::vector<LabelObject> objects;        ///< input order
  std::vector<LabelDetection> detections;  ///< input order (ties in score rank in this order)
  std::vector<std::string> warnings;       ///< things the conversion did without refusing
};

/// The box mapping between VOC's 1-based inclusive corners and COCO's [x, y, w, h].
Box coco_box_from_voc(const VocBox& b);
VocBox voc_box_from_coco(const Box& b);

/// The name a COCO file_name gives an image in VOC and YOLO: its base name without the
/// extension when that is a common image extension (.jpg .jpeg .png .bmp .gif .tif .tiff
/// .webp, any case): "val2014/x_42.jpg" -> "x_42", "2008_000.1" -> "2008_000.1".
std::string image_stem(std::string_view file_name);

// ---- readers ----

/// VOC: the image set, its annotations and (when `paths.detections` is set) one devkit file
/// per class. Image ids 1..N in image-set order (the VOC id becomes `name`; `file_name` is
/// <filename> when its stem is the id, else the id); category ids 1..K in class order
/// (`paths.classes`, default: the object names, sorted). Objects of classes not listed are
/// dropped with a warning.
LabelSet read_voc_labels(const VocPaths& paths);

/// COCO: ground truth (boxes only; masks are not read) and optionally a results file.
/// `name` is image_stem(file_name), or the id when file_name is empty.
LabelSet read_coco_labels(const std::string& gt_path, const std::string& dt_path = {});

// read_yolo_labels: formats/yolo.hpp

/// Fills unknown image sizes from a COCO file's images (matched by name). A size that
/// differs from one already known is an InputError.
void apply_image_sizes(LabelSet& set, const std::string& coco_path);

// ---- writers (in memory) ----

/// COCO ground truth: images (id, file_name, width/height when known), categories,
/// annotations (ids 1..M in object order, bbox, area = w*h, iscrowd, "difficult": 1 on
/// difficult objects).
std::string coco_gt_json(const LabelSet& set);
/// COCO results: [{"image_id", "category_id", "bbox", "score"}] in detection order.
std::string coco_results_json(const LabelSet& set);

/// VOC: Annotations/<name>.xml per image (ground truth), ImageSets/Main/<set_name>.txt,
/// results/comp4_det_test_<class>.txt per class (detections). Throws InputError for names
/// that cannot be VOC ids or class file names, and for ground-truth boxes under one pixel
/// (VOC's inclusive corners would have xmax < xmin).
std::vector<OutputFile> voc_output_files(const LabelSet& set, const std::string& set_name = "test");

// yolo_output_files: formats/yolo.hpp

}  // namespace deteval
