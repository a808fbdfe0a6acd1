// YOLO text labels (ultralytics / darknet): one <name>.txt per image, a line per box,
//   ground truth:  `class cx cy w h`         detections: `class cx cy w h score`
// with the class index into the names file (classes.txt, one name per line) and the box
// centre and size divided by the image width and height. YOLO files carry no image size,
// so reading and writing need one (a COCO file's images: YoloPaths::sizes).
//
// Lines: fields separated by spaces or tabs, CRLF and blank lines accepted; the class is a
// non-negative integer below the number of names; the numbers are finite, w and h >= 0.
// Every problem is an InputError `labels/x.txt: line N: expected X, got Y`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deteval/formats/convert.hpp"

namespace deteval {

/// One line of a YOLO label file.
struct YoloBox {
  std::uint32_t cls = 0;
  double cx = 0, cy = 0, w = 0, h = 0;  ///< normalised by the image size
  double score = 0;                     ///< detections only
  std::size_t line = 0;
};

/// Parses one label file: 5 fields per line, or 6 with `with_score`.
std::vector<YoloBox> parse_yolo_labels(std::string_view text, const std::string& file, std::size_t num_classes,
                                       bool with_score);

/// Class names, one per line (CR stripped; trailing blank lines ignored). An empty name
/// before the end, or a name listed twice, is an InputError.
std::vector<std::string> parse_yolo_names(std::string_view text, const std::string& file);

/// The COCO box of a YOLO box in an image of `width` x `height` pixels, and back.
Box coco_box_from_yolo(const YoloBox& b, std::int32_t width, std::int32_t height);
YoloBox yolo_box_from_coco(const Box& b, std::int32_t width, std::int32_t height);

/// Where one YOLO dataset is.
struct YoloPaths {
  std::string labels;       ///< directory of <name>.txt ground truth, `class cx cy w h`; empty: none
  std::string predictions;  ///< directory of <name>.txt detections, `class cx cy w h score`; empty: none
  std::string names;        ///< class names, one per line (classes.txt); line k is class index k
  std::string sizes;        ///< COCO JSON whose images give ids, file names and sizes
  std::string image_set;    ///< optional: the image names to read, one per line (default: all of `sizes`)
};

/// YOLO. Images, their ids and sizes come from `paths.sizes` (matched by image_stem of
/// file_name); category ids are the ids of the same-named categories of `sizes` when it has
/// categories, else 1..K. An image without a label file has no objects.
LabelSet read_yolo_labels(const YoloPaths& paths);

/// YOLO: classes.txt, labels/<name>.txt per image (ground truth), predictions/<name>.txt
/// per image (detections), and sizes.json (a COCO file of the images and categories, the
/// `sizes` that reads the directory back with the same ids). Throws InputError for an image
/// with boxes but no known size. Difficult and crowd flags cannot be written; a note about
/// them goes to `warnings`.
std::vector<OutputFile> yolo_output_files(const LabelSet& set, std::vector<std::string>* warnings = nullptr);

}  // namespace deteval
