// Pascal VOC inputs: XML annotations, image-set lists and devkit detection files.
//
// What is required, and how it differs from the reference (py-faster-rcnn voc_eval.py):
//  * annotation: per direct <object> child of the root, <name> (non-empty, surrounding
//    white space trimmed) and <bndbox> with <xmin> <ymin> <xmax> <ymax>, finite numbers with
//    xmin <= xmax and ymin <= ymax. <difficult> and <truncated> are optional (absent or
//    empty = 0; any other integer, non-zero = set). <pose> and <size> are optional. The
//    reference requires pose/truncated/difficult and integer coordinates (it calls int());
//    decimal coordinates are accepted here as they are, without truncation.
//  * image set: one id per line; surrounding white space and blank lines are ignored; a
//    repeated id is an error (the reference would count its objects twice).
//  * detection file: `<image_id> <score> <xmin> <ymin> <xmax> <ymax>` per line, fields
//    separated by spaces or tabs, CRLF accepted, blank lines ignored; numbers as Python's
//    float() reads them but finite; the image id must be in the image set.
// Every problem is an InputError `file: line N: expected X, got Y`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "deteval/voc.hpp"

namespace deteval {

struct VocObject {
  std::string name;
  std::string pose;        ///< empty when absent
  bool truncated = false;
  bool difficult = false;
  VocBox box;
  std::size_t line = 0;    ///< line of <object> in its file
};

/// One annotation file.
struct VocAnnotation {
  std::string filename;            ///< <filename>, empty when absent
  std::int32_t width = 0, height = 0;  ///< <size>, 0 when absent
  std::vector<VocObject> objects;  ///< file order
};

VocAnnotation parse_voc_annotation(std::string_view xml, const std::string& file);
VocAnnotation read_voc_annotation(const std::string& path);

/// The evaluated image ids, in file order, and their dense indices.
struct VocImageSet {
  std::string file;  ///< for messages
  std::vector<std::string> ids;
  std::unordered_map<std::string, std::uint32_t> index;
};

VocImageSet parse_voc_image_set(std::string_view text, const std::string& file);
VocImageSet read_voc_image_set(const std::string& path);

/// Appends the detections of one devkit results file to `out` (det_* arrays).
void parse_voc_detections(std::string_view text, const std::string& file, const VocImageSet& images,
                          VocClassData& out);

/// Where one evaluation's files are.
struct VocPaths {
  std::string annotations_dir;     ///< holds <image_id>.xml
  std::string image_set;           ///< e.g. ImageSets/Main/test.txt
  std::string detections;          ///< path pattern; every "{class}" is replaced by the class name
  std::vector<std::string> classes;  ///< empty: the object names found in the listed annotations, sorted
};

/// Everything read for one evaluation.
struct VocInput {
  VocImageSet images;
  std::vector<VocAnnotation> annotations;  ///< one per image, image-set order
  VocDataset dataset;                      ///< classes in the requested (or sorted) order
  /// Classes whose detection file does not exist; they are evaluated with no detections.
  std::vector<std::string> classes_without_file;
};

/// Reads the image set, the listed annotations and one detection file per class (in
/// parallel; errors are reported deterministically, the first file in list order wins).
/// Throws UsageError when `detections` has no "{class}", InputError / IoError on bad files,
/// and IoError when no class has a detection file (most likely a wrong pattern).
VocInput load_voc(const VocPaths& paths);

/// `pattern` with every "{class}" replaced by `cls`.
std::string voc_detection_path(const std::string& pattern, const std::string& cls);

/// The `--json` document of `deteval voc`:
///   {"iou_threshold", "mAP_voc07", "mAP_area", "map_classes": [...],
///    "per_class": {"<class>": {"npos", "num_detections", "tp", "fp", "ignored", "ap_voc07", "ap_area"}}}
/// in class order; NaN (undefined) is written as null.
std::string voc_evaluation_json(const VocResult& result, const VocDataset& dataset);

}  // namespace deteval
