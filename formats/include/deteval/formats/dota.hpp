// DOTA text inputs: one label file per image, one Task 1 result file per class.
//
//  * label file `<image>.txt`: optional header lines `imagesource:...` and `gsd:...` before
//    the objects, then per line `x1 y1 x2 y2 x3 y3 x4 y4 <class> [<difficult>]`: 8 finite
//    numbers forming a simple quadrilateral of non-zero area, a class name, and an optional
//    integer (absent = 0, non-zero = difficult).
//  * result file `Task1_<class>.txt`: per line `<image> <score> x1 y1 x2 y2 x3 y3 x4 y4`;
//    the image must be one of the evaluated images and the quadrilateral valid as above.
//  * fields are separated by runs of spaces or tabs, CRLF and blank lines are accepted,
//    numbers are read as Python's float() reads them.
// Every problem is an InputError `file: line N: expected X, got Y`.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "deteval/dota.hpp"
#include "deteval/formats/voc.hpp"  // VocImageSet, voc_detection_path, voc_evaluation_json

namespace deteval {

struct DotaObject {
  std::array<double, 8> quad{};  ///< x1, y1, ..., x4, y4 as written
  std::string name;
  bool difficult = false;
  std::size_t line = 0;          ///< line in its file
};

/// One label file.
struct DotaAnnotation {
  std::string imagesource, gsd;    ///< header values (text after the colon), empty when absent
  std::vector<DotaObject> objects;  ///< file order
};

DotaAnnotation parse_dota_annotation(std::string_view text, const std::string& file);
DotaAnnotation read_dota_annotation(const std::string& path);

/// The images of a label directory: the stems of its `*.txt` regular files, sorted
/// bytewise. Throws IoError when the directory cannot be listed.
VocImageSet dota_images_from_directory(const std::string& dir);

/// Appends the detections of one Task 1 result file to `out` (det_* arrays).
/// `images_source` names where the valid image ids come from, for messages.
void parse_dota_detections(std::string_view text, const std::string& file, const VocImageSet& images,
                           const std::string& images_source, DotaClassData& out);

/// Where one evaluation's files are.
struct DotaPaths {
  std::string annotations_dir;       ///< holds <image>.txt
  std::string image_set;             ///< optional: the image ids, one per line; empty = every label file
  std::string detections;            ///< path pattern; every "{class}" is replaced by the class name
  std::vector<std::string> classes;  ///< empty: the class names found in the labels, sorted
};

struct DotaInput {
  VocImageSet images;
  std::vector<DotaAnnotation> annotations;  ///< one per image, in image order
  DotaDataset dataset;                      ///< classes in the requested (or sorted) order
  /// Classes whose result file does not exist; they are evaluated with no detections.
  std::vector<std::string> classes_without_file;
};

/// Reads the labels and one result file per class (in parallel; the error of the first
/// file in list order is reported). Throws UsageError when `detections` has no "{class}",
/// InputError / IoError on bad files, and IoError when no class has a result file.
DotaInput load_dota(const DotaPaths& paths);

/// `deteval dota`'s --json document: the same schema as voc_evaluation_json.
std::string dota_evaluation_json(const VocResult& result, const DotaDataset& dataset);

}  // namespace deteval
