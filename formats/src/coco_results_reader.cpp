// COCO results JSON -> Detections, with located errors (the DOM reader; the fast path is
// coco_fast_results.cpp).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/geometry.hpp"
#include "deteval/mask.hpp"
#include "coco_fast.hpp"
#include "coco_keypoints.hpp"
#include "coco_read_parts.hpp"
#include "json_util.hpp"
#include "limits.hpp"

namespace deteval {

using namespace detail;  // the readers' shared parts: coco_read_parts.hpp, json_util.hpp

namespace detail {

// The DOM reader: every shape of input, every located error message.
Detections parse_results_dom(std::string_view text, const std::string& file, const GroundTruth& gt, IouType type,
                             ResultsReport* report, const CocoReadOptions& opt) {
  const json root = detail::parse_json(text, file);
  if (!root.is_array()) {
    std::string hint;
    if (const json* anns = root.is_object() ? member(root, "annotations") : nullptr; anns && anns->is_array()) {
      if (member(root, "images"))
        hint = " with images and annotations (ground truth? ground truth and results swapped?)";
      else
        hint = " with an `annotations` list; pass the list under `annotations`: jq .annotations " + file +
               " > results.json, or in Python json.dump(json.load(f)[\"annotations\"], out)";
    }
    throw InputError::expected(file, "(root)", "a list of detection results", describe(root) + hint);
  }
  Detections dt;
  const std::size_t n = root.size();
  dt.image.reserve(n);
  dt.category.reserve(n);
  dt.score.reserve(n);
  dt.box.reserve(n);
  dt.area.reserve(n);
  // pycocotools' loadRes picks its branch from the first result: with a non-empty
  // `bbox` there, a result's area is w*h of its box; otherwise the mask's pixel count.
  bool box_mode = false;
  if (n > 0 && root[0].is_object())
    if (const json* b = member(root[0], "bbox"); b && !(b->is_array() && b->empty())) box_mode = true;
  if (type == IouType::segm && opt.area_from != AreaFrom::first_result) box_mode = opt.area_from == AreaFrom::bbox;
  // Keypoint results without box mode: from the first result's segmentation, or else from
  // the extent of the keypoints (loadRes' keypoints branch).
  const bool seg_mode = !box_mode && n > 0 && root[0].is_object() && member(root[0], "segmentation");
  detail::KeypointCount keypoint_count;
  if (gt.keypoints.per_object() > 0) keypoint_count = {gt.keypoints.per_object(), "as in the ground truth"};
  ResultsReport local;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % kCancelEvery == kCancelEvery - 1) check_cancel(opt.cancel);
    const std::string p = path_index("", i);
    const json& r = root[i];
    require_object(r, file, p);
    const std::int64_t image_id = get_id(require(r, "image_id", file, p, "an image id"), file, path_key(p, "image_id"));
    const std::int64_t image = gt.image_index(image_id);
    if (image < 0)
      throw InputError::expected(file, path_key(p, "image_id"), "an image id of the ground truth",
                                 std::to_string(image_id));
    const std::int64_t cat_id =
        get_id(require(r, "category_id", file, p, "a category id"), file, path_key(p, "category_id"));
    const std::int64_t cat = gt.category_index(cat_id);
    const double score = get_number(require(r, "score", file, p, "a score"), file, path_key(p, "score"));
    const json* bbox = member(r, "bbox");
    if (bbox && bbox->is_array() && bbox->empty()) bbox = nullptr;
    const json* seg = member(r, "segmentation");
    Box box;
    if (bbox) box = parse_box(*bbox, file, path_key(p, "bbox"));
    std::vector<double> keypoints;
    if (type == IouType::keypoints)
      keypoints = detail::parse_keypoints(require(r, "keypoints", file, p, "a list of keypoints [x, y, score, ...]"),
                                          file, path_key(p, "keypoints"), false, keypoint_count, "as " + p + " has");
    if (cat < 0 && !opt.keep_unknown_categories) {  // evaluated nowhere (pycocotools filters by the GT's category ids)
      ++local.dropped_unknown_category;
      local.dropped_positions.push_back(i);
      continue;
    }
    double area = box.area();
    if (is_shape_type(type)) {
      const std::vector<double> shape = parse_shape(r, file, p, type, opt);
      area = polygon_area(shape);  // detections: always the shape's area
      dt.shapes.push_back(shape);
    }
    if (type == IouType::keypoints) {
      if (box_mode && !bbox)
        throw InputError::expected(file, path_key(p, "bbox"),
                                   "a bbox, as the first result has one (pycocotools then takes every area from the box)",
                                   "nothing");
      if (!box_mode && !seg_mode) {
        box = detail::keypoint_extent(keypoints);
        area = box.area();
      }
      dt.keypoints.push_back(keypoints);
    }
    // Without box mode, pycocotools takes every area from the mask, box or not.
    const bool need_mask = type == IouType::segm || (type == IouType::bbox && (!bbox || !box_mode)) ||
                           (type == IouType::keypoints && seg_mode);
    if (need_mask) {
      if (!seg)
        throw InputError::expected(file, path_key(p, "segmentation"),
                                   type == IouType::segm        ? "a segmentation for a segm evaluation"
                                   : type == IouType::keypoints ? "a segmentation, as the first result has one"
                                                                : "a bbox or a segmentation",
                                   "nothing (the field is missing)");
      const ImageSize size = image_size(gt, static_cast<std::uint32_t>(image));
      if (size.height == 0 || size.width == 0)
        throw InputError::at(file, path_key(p, "segmentation"),
                             "image " + std::to_string(image_id) + " has no size in the ground truth to read a mask at");
      Rle rle = parse_segmentation(*seg, file, path_key(p, "segmentation"), size);
      if (!box_mode || !bbox) area = static_cast<double>(rle_area(rle));
      if (!bbox) {
        box = rle_to_bbox(rle);
        ++local.boxes_from_masks;
      }
      if (type == IouType::segm) dt.masks.push_back(rle);
    }
    dt.image.push_back(static_cast<std::uint32_t>(image));
    dt.category.push_back(cat < 0 ? kUnknownCategory : static_cast<std::uint32_t>(cat));
    dt.score.push_back(score);
    dt.box.push_back(box);
    dt.area.push_back(area);
  }
  if (report) *report = local;
  return dt;
}

}  // namespace detail

namespace {

// Valid files in the common shapes take the simdjson path; anything it declines is
// read again by the DOM reader, which accepts it identically or explains what is wrong.
Detections parse_results(detail::JsonBuffer& text, const std::string& file, const GroundTruth& gt, IouType type,
                         ResultsReport* report, const CocoReadOptions& opt) {
  Detections dt;
  ResultsReport local;
  if (detail::fast_parse_coco_results(text, gt, type, dt, local, 0, opt.area_from, opt.keep_unknown_categories,
                                      opt.cancel)) {
    if (report) *report = local;
  } else {
    dt = detail::parse_results_dom(text.view(), file, gt, type, report, opt);
  }
  dt.iou_type = type;  // evaluate() refuses another type (check_iou_type)
  return dt;
}

}  // namespace

Detections parse_coco_results(std::string_view text, const std::string& file, const GroundTruth& gt, IouType type,
                              ResultsReport* report, const CocoReadOptions& opt) {
  detail::JsonBuffer buffer(text);
  return parse_results(buffer, file, gt, type, report, opt);
}

Detections read_coco_results(const std::string& path, const GroundTruth& gt, IouType type, ResultsReport* report,
                             const CocoReadOptions& opt) {
  const detail::FileReader file(path);  // refuses directories, devices, oversized files
  {
    Detections dt;
    ResultsReport local;
    if (detail::fast_stream_coco_results(file, gt, type, dt, local, 0, opt.area_from, opt.keep_unknown_categories,
                                         opt.cancel, opt.masks_kept)) {
      if (report) *report = local;
      dt.iou_type = type;
      return dt;
    }
  }
  // Read straight into the parser's padded buffer: one copy of a file that may be 200 MB.
  detail::JsonBuffer data(file.size());
  read_file_into(path, data.data(), data.size(), opt.cancel);
  return parse_results(data, path, gt, type, report, opt);
}

std::size_t result_position(const ResultsReport& report, std::size_t j) {
  std::size_t pos = j;
  for (std::size_t d : report.dropped_positions) {
    if (d > pos) break;
    ++pos;
  }
  return pos;
}

}  // namespace deteval
