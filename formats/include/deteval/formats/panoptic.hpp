// COCO-panoptic files (JSON + one RGB PNG per image, id = R + 256 G + 256^2 B) evaluated
// as panopticapi's pq_compute does (lib/panoptic.hpp), with its checks as located errors
// (exit code 3) and the --json document and HTML report of `deteval panoptic`.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "deteval/panoptic.hpp"

namespace deteval {

/// One `annotations` entry: an image's PNG and its segments.
struct PanopticAnnotation {
  std::int64_t image_id = 0;
  std::string file_name;
  std::vector<PanopticSegment> segments;
  std::size_t index = 0;  ///< position in the file's `annotations`
};

/// Ground truth: `categories` (id, isthing, name; an id listed twice keeps its first
/// position and its last values, as panopticapi's dict) and `annotations` in file order.
/// Segments keep `iscrowd` (missing: 0) and `area` (missing: NaN, the PNG's pixel count).
/// `images`, `bbox` and `info` are not read.
struct PanopticGroundTruth {
  std::string file;
  std::vector<PanopticCategory> categories;
  std::vector<PanopticAnnotation> annotations;
};
PanopticGroundTruth read_panoptic_gt(const std::string& path);

/// The prediction entry of each GT annotation, in GT order: looked up by image_id (the last
/// entry of an image wins); entries of other images are not read further. Throws InputError
/// for the first GT image without one (panopticapi: "no prediction for the image").
std::vector<PanopticAnnotation> read_panoptic_predictions(const std::string& path, const PanopticGroundTruth& gt);

/// panopticapi's default folder: the JSON path with every ".json" removed.
std::string panoptic_default_folder(const std::string& json_path);

/// An 8-bit RGB or RGBA PNG (alpha ignored) as segment ids; InputError for other kinds.
std::vector<std::uint32_t> read_panoptic_png(const std::string& path, int& width, int& height);

struct PanopticFiles {
  std::string gt_json, gt_folder, pred_json, pred_folder;  ///< empty folder: the default
  int threads = 0;                                         ///< 0 = all cores; results do not depend on it
  const CancelFlag* cancel = nullptr;  ///< set: Cancelled soon after (checked per image; cancel.hpp)
};

/// Reads, decodes (each PNG once, images in parallel) and evaluates. Errors name the file
/// and entry; when several images are bad, the first in GT order is reported (as the
/// reference would).
PanopticResult evaluate_panoptic_files(const PanopticFiles& files);

/// `deteval panoptic --json`: {"All"|"Things"|"Stuff": {pq, sq, rq, n}, "per_class":
/// {"<id>": {pq, sq, rq, tp, fp, fn, iou_sum}}}; an undefined group has null pq/sq/rq, n 0.
std::string panoptic_json(const PanopticResult& result);

/// The per-class table printed after pq_compute's: id, name, thing/stuff, PQ, SQ, RQ (x100),
/// TP, FP, FN, in category order.
std::string panoptic_class_table(const PanopticResult& result);

/// A self-contained HTML report: the group table and per-class PQ/SQ/RQ bars and table.
std::string panoptic_report_html(const PanopticResult& result,
                                 const std::vector<std::pair<std::string, std::string>>& facts);

}  // namespace deteval
