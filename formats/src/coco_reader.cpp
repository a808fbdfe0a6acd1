// COCO JSON -> GroundTruth / Detections / Params, with located errors.
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
#include "json_util.hpp"
#include "limits.hpp"

namespace deteval {

using detail::describe;
using detail::get_flag;
using detail::get_id;
using detail::get_number;
using detail::json;
using detail::path_index;
using detail::path_key;

namespace {

const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json& require(const json& obj, const char* key, const std::string& file, const std::string& path,
                    const char* what) {
  const json* v = member(obj, key);
  if (!v) throw InputError::expected(file, path_key(path, key), what, "nothing (the field is missing)");
  return *v;
}

void require_object(const json& v, const std::string& file, const std::string& path) {
  if (!v.is_object()) throw InputError::expected(file, path, "an object", describe(v));
}

Box parse_box(const json& v, const std::string& file, const std::string& path) {
  if (!v.is_array() || v.size() != 4)
    throw InputError::expected(file, path, "4 numbers [x, y, width, height]", describe(v));
  return Box{get_number(v[0], file, path_index(path, 0)), get_number(v[1], file, path_index(path, 1)),
             get_number(v[2], file, path_index(path, 2)), get_number(v[3], file, path_index(path, 3))};
}

std::vector<double> parse_polygon(const json& v, const std::string& file, const std::string& path) {
  if (!v.is_array() || v.empty()) throw InputError::expected(file, path, "a polygon [x1, y1, x2, y2, ...]", describe(v));
  if (v.size() % 2) throw InputError::expected(file, path, "an even number of polygon coordinates", describe(v));
  if (v.size() / 2 > detail::kMaxPolygonVertices)
    throw InputError::at(file, path,
                         "polygon of " + std::to_string(v.size() / 2) + " vertices, more than the limit of " +
                             std::to_string(detail::kMaxPolygonVertices) + " (DETEVAL_MAX_POLYGON_VERTICES)");
  std::vector<double> xy(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) xy[i] = get_number(v[i], file, path_index(path, i));
  return xy;
}

struct ImageSize {
  std::uint32_t height, width;
  std::int64_t id;
};

// Rasterises one polygon unless its edges cross more pixel columns than the limit allows
// (`budget` is what the segmentation's other parts have left).
Rle rasterise(const std::vector<double>& xy, const ImageSize& img, std::uint64_t& budget, const std::string& file,
              const std::string& path) {
  const std::uint64_t cols = detail::raster_columns(xy, img.width);
  if (cols > budget)
    throw InputError::at(file, path,
                         "polygons whose edges cross more than " + std::to_string(detail::kMaxRasterColumns) +
                             " pixel columns in all, the limit (DETEVAL_MAX_RASTER_COLUMNS)");
  budget -= cols;
  return rle_from_polygon(xy, img.height, img.width);
}

// One RLE dict {"size": [h, w], "counts": "..." | [...]}, which must be at the image's size.
Rle parse_rle(const json& v, const std::string& file, const std::string& path, const ImageSize& img) {
  const json& size = require(v, "size", file, path, "[height, width]");
  if (!size.is_array() || size.size() != 2 || !size[0].is_number_integer() || !size[1].is_number_integer())
    throw InputError::expected(file, path_key(path, "size"), "[height, width]", describe(size));
  const std::int64_t h = size[0].get<std::int64_t>(), w = size[1].get<std::int64_t>();
  if (h != img.height || w != img.width)
    throw InputError::expected(file, path_key(path, "size"),
                               "the size of image " + std::to_string(img.id) + ", [" + std::to_string(img.height) +
                                   ", " + std::to_string(img.width) + "]",
                               size.dump());
  const json& counts = require(v, "counts", file, path, "RLE counts");
  Rle rle;
  std::string error;
  if (counts.is_string()) {
    if (!rle_from_string(counts.get_ref<const std::string&>(), img.height, img.width, rle, error))
      throw InputError::at(file, path_key(path, "counts"), "invalid compressed RLE: " + error);
  } else if (counts.is_array()) {
    std::vector<std::uint64_t> runs(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const json& c = counts[i];
      if (!c.is_number_unsigned())  // nlohmann keeps every integer >= 0 as unsigned
        throw InputError::expected(file, path_index(path_key(path, "counts"), i), "a non-negative integer",
                                   describe(c));
      runs[i] = c.get<std::uint64_t>();
    }
    if (!rle_from_counts(runs, img.height, img.width, rle, error))
      throw InputError::at(file, path_key(path, "counts"), "invalid RLE: " + error);
  } else {
    throw InputError::expected(file, path_key(path, "counts"), "a string or a list of run lengths", describe(counts));
  }
  return rle;
}

// A segmentation in any form pycocotools' annToRLE takes: polygons (merged), an RLE
// dict, or a list of RLE dicts (merged). pycocotools reads a polygon list whose first
// polygon has exactly 4 numbers as boxes [x, y, w, h]; so do we.
Rle parse_segmentation(const json& v, const std::string& file, const std::string& path, const ImageSize& img) {
  // COCO's RLE counts are 32-bit: a mask can have at most 2^32 - 1 pixels.
  if (std::uint64_t{img.height} * img.width >= (std::uint64_t{1} << 32))
    throw InputError::at(file, path,
                         "image " + std::to_string(img.id) + " (" + std::to_string(img.width) + " x " +
                             std::to_string(img.height) + ") too large for masks: width * height must be below 2^32");
  std::uint64_t budget = detail::kMaxRasterColumns;
  if (v.is_object()) return parse_rle(v, file, path, img);
  if (!v.is_array() || v.empty())
    throw InputError::expected(file, path, "polygons or an RLE object", describe(v));
  if (v[0].is_number()) {  // a single flat polygon
    std::vector<double> xy = parse_polygon(v, file, path);
    if (xy.size() == 4) return rle_from_box(Box{xy[0], xy[1], xy[2], xy[3]}, img.height, img.width);
    return rasterise(xy, img, budget, file, path);
  }
  std::vector<Rle> parts;
  parts.reserve(v.size());
  const bool boxes = v[0].is_array() && v[0].size() == 4;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string p = path_index(path, i);
    if (v[i].is_object()) {
      parts.push_back(parse_rle(v[i], file, p, img));
    } else {
      std::vector<double> xy = parse_polygon(v[i], file, p);
      if (boxes) {
        if (xy.size() != 4) throw InputError::expected(file, p, "4 numbers (a box, like the first entry)", describe(v[i]));
        parts.push_back(rle_from_box(Box{xy[0], xy[1], xy[2], xy[3]}, img.height, img.width));
      } else {
        parts.push_back(rasterise(xy, img, budget, file, p));
      }
    }
  }
  if (parts.size() == 1) return std::move(parts[0]);
  std::vector<RleView> views(parts.begin(), parts.end());
  return rle_merge(views, false);
}

bool needs_image_size(IouType type) { return type == IouType::segm; }

ImageSize image_size(const GroundTruth& gt, std::uint32_t index) {
  const Image& im = gt.images[index];
  return {static_cast<std::uint32_t>(im.height), static_cast<std::uint32_t>(im.width), im.id};
}

bool is_shape_type(IouType type) { return type == IouType::rotated || type == IouType::polygon; }

// `rbox: [cx, cy, w, h, theta]` (as corners) or `poly: [x1, y1, ...]`, validated.
std::vector<double> parse_shape(const json& obj, const std::string& file, const std::string& path, IouType type,
                                const CocoReadOptions& opt) {
  if (type == IouType::rotated) {
    const json& v = require(obj, "rbox", file, path, "a rotated box [cx, cy, w, h, theta]");
    const std::string p = path_key(path, "rbox");
    if (!v.is_array() || v.size() != 5) throw InputError::expected(file, p, "5 numbers [cx, cy, w, h, theta]", describe(v));
    double x[5];
    for (std::size_t i = 0; i < 5; ++i) x[i] = get_number(v[i], file, path_index(p, i));
    if (!(x[2] > 0) || !(x[3] > 0))
      throw InputError::expected(file, p, "a positive width and height", "[" + v[2].dump() + ", " + v[3].dump() + "]");
    const double theta = opt.degrees ? x[4] * (3.14159265358979323846 / 180.0) : x[4];
    std::vector<double> corners(8);
    rbox_corners(x[0], x[1], x[2], x[3], theta, corners.data());
    // Finite numbers near the double range can still give infinite corners or area.
    if (!std::all_of(corners.begin(), corners.end(), [](double c) { return std::isfinite(c); }) ||
        !std::isfinite(polygon_area(corners)))
      throw InputError::at(file, p, "rotated box too large: its corners or area overflow");
    return corners;
  }
  const json& v = require(obj, "poly", file, path, "a polygon [x1, y1, x2, y2, ...]");
  const std::string p = path_key(path, "poly");
  std::vector<double> xy = parse_polygon(v, file, p);
  std::string why;
  if (!polygon_is_valid(xy, why)) throw InputError::at(file, p, "invalid polygon: " + why);
  return xy;
}

}  // namespace

namespace detail {

GroundTruth parse_gt_dom(std::string_view text, const std::string& file, IouType type, const CocoReadOptions& opt) {
  const json root = detail::parse_json(text, file);
  if (!root.is_object())
    throw InputError::expected(file, "(root)", "an object with images, categories and annotations",
                               describe(root) + (root.is_array() ? " (a results list? ground truth and results swapped?)" : ""));
  GroundTruth gt;

  // images, sorted by id (pycocotools iterates sorted(getImgIds())).
  const json& images = require(root, "images", file, "", "a list of images");
  if (!images.is_array()) throw InputError::expected(file, "images", "a list of images", describe(images));
  gt.images.resize(images.size());
  std::vector<std::size_t> image_pos(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::string p = path_index("images", i);
    const json& im = images[i];
    require_object(im, file, p);
    Image& out = gt.images[i];
    out.id = get_id(require(im, "id", file, p, "an integer id"), file, path_key(p, "id"));
    for (auto [key, dst] : {std::pair{"width", &out.width}, std::pair{"height", &out.height}}) {
      const json* v = member(im, key);
      if (!v) {
        if (needs_image_size(type))
          throw InputError::expected(file, path_key(p, key), "the image size (masks are rasterised at it)",
                                     "nothing (the field is missing)");
        continue;
      }
      if (!v->is_number_integer() || v->get<std::int64_t>() < 0 || v->get<std::int64_t>() > 1000000)
        throw InputError::expected(file, path_key(p, key), "an integer from 0 to 1000000", describe(*v));
      *dst = static_cast<std::int32_t>(v->get<std::int64_t>());
      if (needs_image_size(type) && *dst == 0)
        throw InputError::expected(file, path_key(p, key), "a positive image size for masks", "0");
    }
    if (needs_image_size(type) &&
        static_cast<std::uint64_t>(out.width) * static_cast<std::uint64_t>(out.height) >= (std::uint64_t(1) << 32))
      throw InputError::at(file, p, "image too large for masks: width * height must be below 2^32");
    if (const json* fn = member(im, "file_name"); fn && fn->is_string()) out.file_name = fn->get<std::string>();
    image_pos[i] = i;
  }
  std::stable_sort(image_pos.begin(), image_pos.end(),
                   [&](std::size_t a, std::size_t b) { return gt.images[a].id < gt.images[b].id; });
  for (std::size_t j = 1; j < image_pos.size(); ++j)
    if (gt.images[image_pos[j]].id == gt.images[image_pos[j - 1]].id)
      throw InputError::at(file, path_key(path_index("images", image_pos[j]), "id"),
                           "duplicate image id " + std::to_string(gt.images[image_pos[j]].id) + " (also at images[" +
                               std::to_string(image_pos[j - 1]) + "])");
  {
    std::vector<Image> sorted;
    sorted.reserve(gt.images.size());
    for (std::size_t j : image_pos) sorted.push_back(std::move(gt.images[j]));
    gt.images = std::move(sorted);
  }

  // categories, sorted by id.
  const json& cats = require(root, "categories", file, "", "a list of categories");
  if (!cats.is_array()) throw InputError::expected(file, "categories", "a list of categories", describe(cats));
  std::vector<std::pair<Category, std::size_t>> cat_pos;
  std::vector<std::size_t> listed_keypoints(cats.size());  // keypoints: names each category lists
  for (std::size_t i = 0; i < cats.size(); ++i) {
    const std::string p = path_index("categories", i);
    const json& c = cats[i];
    require_object(c, file, p);
    if (type == IouType::keypoints) listed_keypoints[i] = detail::category_keypoint_count(c, file, p);
    Category out;
    out.id = get_id(require(c, "id", file, p, "an integer id"), file, path_key(p, "id"));
    if (const json* n = member(c, "name")) {
      if (!n->is_string()) throw InputError::expected(file, path_key(p, "name"), "a string", describe(*n));
      out.name = n->get<std::string>();
    }
    if (const json* s = member(c, "supercategory"); s && s->is_string()) out.supercategory = s->get<std::string>();
    cat_pos.emplace_back(std::move(out), i);
  }
  std::stable_sort(cat_pos.begin(), cat_pos.end(), [](const auto& a, const auto& b) { return a.first.id < b.first.id; });
  for (std::size_t j = 1; j < cat_pos.size(); ++j)
    if (cat_pos[j].first.id == cat_pos[j - 1].first.id)
      throw InputError::at(file, path_key(path_index("categories", cat_pos[j].second), "id"),
                           "duplicate category id " + std::to_string(cat_pos[j].first.id));
  for (auto& [c, pos] : cat_pos) gt.categories.push_back(std::move(c));

  // annotations, in file order.
  const json* anns = member(root, "annotations");
  if (anns && !anns->is_array()) throw InputError::expected(file, "annotations", "a list of annotations", describe(*anns));
  const std::size_t n = anns ? anns->size() : 0;
  gt.ann_id.reserve(n);
  gt.image.reserve(n);
  gt.category.reserve(n);
  gt.box.reserve(n);
  gt.area.reserve(n);
  gt.iscrowd.reserve(n);
  detail::KeypointCount keypoint_count;  // keypoints: every annotation has as many
  for (std::size_t i = 0; i < n; ++i) {
    const std::string p = path_index("annotations", i);
    const json& a = (*anns)[i];
    require_object(a, file, p);
    const std::int64_t id = get_id(require(a, "id", file, p, "an integer id"), file, path_key(p, "id"));
    const std::int64_t image_id = get_id(require(a, "image_id", file, p, "an image id"), file, path_key(p, "image_id"));
    const std::int64_t image = gt.image_index(image_id);
    if (image < 0)
      throw InputError::expected(file, path_key(p, "image_id"), "an id listed in images", std::to_string(image_id));
    const std::int64_t cat_id =
        get_id(require(a, "category_id", file, p, "a category id"), file, path_key(p, "category_id"));
    const std::int64_t cat = gt.category_index(cat_id);
    if (cat < 0)
      throw InputError::expected(file, path_key(p, "category_id"), "an id listed in categories", std::to_string(cat_id));
    Box box;
    const json* bbox = member(a, "bbox");
    if (bbox) box = parse_box(*bbox, file, path_key(p, "bbox"));
    else if (type == IouType::bbox || type == IouType::keypoints)  // OKS reads it too
      throw InputError::expected(file, path_key(p, "bbox"), "4 numbers [x, y, width, height]",
                                 "nothing (the field is missing)");
    bool crowd = false;
    if (const json* c = member(a, "iscrowd")) crowd = get_flag(*c, file, path_key(p, "iscrowd"));

    double area = 0;
    const json* area_v = member(a, "area");
    if (area_v) area = get_number(*area_v, file, path_key(p, "area"));

    if (type == IouType::segm) {
      const json& seg = require(a, "segmentation", file, p, "a segmentation (polygons or RLE)");
      Rle rle = parse_segmentation(seg, file, path_key(p, "segmentation"),
                                   image_size(gt, static_cast<std::uint32_t>(image)));
      if (!area_v) area = static_cast<double>(rle_area(rle));
      if (!bbox) box = rle_to_bbox(rle);
      gt.masks.push_back(rle);
    } else if (is_shape_type(type)) {
      const std::vector<double> shape = parse_shape(a, file, p, type, opt);
      if (!area_v) area = polygon_area(shape);  // the shape's area when the GT gives none
      gt.shapes.push_back(shape);
    } else if (!area_v) {
      area = box.area();  // pycocotools requires `area`; without it, the box's area is the natural stand-in
    }
    if (type == IouType::keypoints) {
      const std::size_t c = cat_pos[static_cast<std::size_t>(cat)].second;
      if (keypoint_count.n == 0 && listed_keypoints[c] > 0)
        keypoint_count = {listed_keypoints[c], "as categories[" + std::to_string(c) + "] lists"};
      gt.keypoints.push_back(detail::parse_keypoints(
          require(a, "keypoints", file, p, "a list of keypoints [x, y, v, ...]"), file, path_key(p, "keypoints"), true,
          keypoint_count, "as " + p + " has"));
      gt.num_keypoints.push_back(detail::parse_num_keypoints(
          require(a, "num_keypoints", file, p, "the number of labelled keypoints"), file, path_key(p, "num_keypoints")));
    }
    gt.ann_id.push_back(id);
    gt.image.push_back(static_cast<std::uint32_t>(image));
    gt.category.push_back(static_cast<std::uint32_t>(cat));
    gt.box.push_back(box);
    gt.area.push_back(area);
    gt.iscrowd.push_back(crowd);
  }
  // pycocotools keys annotations by id; duplicates would silently alias. Refuse them.
  std::vector<std::size_t> order(gt.ann_id.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return gt.ann_id[x] != gt.ann_id[y] ? gt.ann_id[x] < gt.ann_id[y] : x < y;
  });
  for (std::size_t j = 1; j < order.size(); ++j)
    if (gt.ann_id[order[j]] == gt.ann_id[order[j - 1]])
      throw InputError::at(file, path_key(path_index("annotations", order[j]), "id"),
                           "duplicate annotation id " + std::to_string(gt.ann_id[order[j]]) + " (also at annotations[" +
                               std::to_string(order[j - 1]) + "])");
  return gt;
}

}  // namespace detail

namespace {

GroundTruth parse_gt(const simdjson::padded_string& text, const std::string& file, IouType type,
                     const CocoReadOptions& opt) {
  GroundTruth gt;
  if (!detail::fast_parse_coco_gt(text, type, gt))
    gt = detail::parse_gt_dom(std::string_view(text.data(), text.size()), file, type, opt);
  gt.iou_type = type;  // evaluate() refuses another type (check_iou_type)
  return gt;
}

}  // namespace

GroundTruth parse_coco_gt(std::string_view text, const std::string& file, IouType type, const CocoReadOptions& opt) {
  return parse_gt(simdjson::padded_string(text), file, type, opt);
}

GroundTruth read_coco_gt(const std::string& path, IouType type, const CocoReadOptions& opt) {
  simdjson::padded_string data(regular_file_size(path));
  read_file_into(path, data.data(), data.size());
  return parse_gt(data, path, type, opt);
}

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
  if (detail::fast_parse_coco_results(text, gt, type, dt, local, 0, opt.area_from, opt.keep_unknown_categories)) {
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
  // Read straight into the parser's padded buffer: one copy of a file that may be 200 MB.
  detail::JsonBuffer data(regular_file_size(path));  // refuses directories, devices, oversized files
  read_file_into(path, data.data(), data.size());
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

void parse_coco_params(std::string_view text, const std::string& file, Params& params, Subset* subset) {
  const json root = detail::parse_json(text, file);
  if (!root.is_object()) throw InputError::expected(file, "(root)", "an object of COCOeval parameters", describe(root));
  auto numbers = [&](const json& v, const std::string& path) {
    if (!v.is_array() || v.empty()) throw InputError::expected(file, path, "a non-empty list of numbers", describe(v));
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(get_number(v[i], file, path_index(path, i)));
    return out;
  };
  std::vector<std::string> labels;
  std::vector<std::pair<double, double>> ranges;
  bool have_ranges = false, have_labels = false;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "useCats") {
      params.use_cats = get_flag(v, file, key);
    } else if (key == "iouThrs") {
      params.iou_thrs = numbers(v, key);
    } else if (key == "recThrs") {
      params.rec_thrs = numbers(v, key);
    } else if (key == "maxDets") {
      if (!v.is_array() || v.empty()) throw InputError::expected(file, key, "a non-empty list of integers", describe(v));
      params.max_dets.clear();
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_number_integer() || v[i].get<std::int64_t>() < 1 || v[i].get<std::int64_t>() > 1000000000)
          throw InputError::expected(file, path_index(key, i), "a positive integer", describe(v[i]));
        params.max_dets.push_back(static_cast<int>(v[i].get<std::int64_t>()));
      }
    } else if (key == "areaRng") {
      if (!v.is_array() || v.empty()) throw InputError::expected(file, key, "a list of [lo, hi] pairs", describe(v));
      for (std::size_t i = 0; i < v.size(); ++i) {
        std::vector<double> pair = numbers(v[i], path_index(key, i));
        if (pair.size() != 2) throw InputError::expected(file, path_index(key, i), "[lo, hi]", describe(v[i]));
        ranges.emplace_back(pair[0], pair[1]);
      }
      have_ranges = true;
    } else if (key == "areaRngLbl") {
      if (!v.is_array()) throw InputError::expected(file, key, "a list of labels", describe(v));
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) throw InputError::expected(file, path_index(key, i), "a string", describe(v[i]));
        labels.push_back(v[i].get<std::string>());
      }
      have_labels = true;
    } else if (key == "iouType") {
      try {
        if (!v.is_string()) throw UsageError("iou_type", "expected a string");
        params.iou_type = parse_iou_type(v.get<std::string>());
      } catch (const UsageError&) {
        throw InputError::expected(file, key, "one of bbox, segm, rotated, polygon, keypoints", describe(v));
      }
    } else if (key == "kpt_oks_sigmas") {
      params.kpt_oks_sigmas = numbers(v, key);
      for (std::size_t i = 0; i < params.kpt_oks_sigmas.size(); ++i)
        if (!(params.kpt_oks_sigmas[i] > 0))
          throw InputError::expected(file, path_index(key, i), "a positive sigma", v[i].dump());
    } else if (key == "imgIds" || key == "catIds") {
      if (!subset) throw InputError::at(file, key, "subsets of images or categories are not supported here");
      if (!v.is_array() || v.empty()) throw InputError::expected(file, key, "a non-empty list of ids", describe(v));
      std::vector<std::int64_t> ids;
      for (std::size_t i = 0; i < v.size(); ++i) ids.push_back(get_id(v[i], file, path_index(key, i)));
      (key == "imgIds" ? subset->img_ids : subset->cat_ids) = std::move(ids);
    } else {
      throw InputError::expected(file, key,
                                 "one of useCats, iouThrs, recThrs, maxDets, areaRng, areaRngLbl, iouType, "
                                 "kpt_oks_sigmas, imgIds, catIds",
                                 "an unknown parameter");
    }
  }
  if (have_ranges || have_labels) {
    if (!have_ranges) for (const auto& a : params.area_ranges) ranges.emplace_back(a.lo, a.hi);
    if (!have_labels) for (const auto& a : params.area_ranges) labels.push_back(a.label);
    if (labels.size() != ranges.size())
      throw InputError::expected(file, "areaRngLbl", "one label per area range (" + std::to_string(ranges.size()) + ")",
                                 std::to_string(labels.size()) + " labels");
    params.area_ranges.clear();
    for (std::size_t i = 0; i < ranges.size(); ++i)
      params.area_ranges.push_back({labels[i], ranges[i].first, ranges[i].second});
  }
  try {
    check_params(params);
  } catch (const UsageError& e) {
    throw InputError::whole(file, e.what());
  }
}

void read_coco_params(const std::string& path, Params& params, Subset* subset) {
  parse_coco_params(read_file(path), path, params, subset);
}

}  // namespace deteval
