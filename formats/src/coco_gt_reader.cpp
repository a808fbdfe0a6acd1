// COCO ground truth JSON -> GroundTruth, with located errors (the DOM reader; the fast
// path is coco_fast_gt.cpp).
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
    if (i % kCancelEvery == kCancelEvery - 1) check_cancel(opt.cancel);
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
  if (!detail::fast_parse_coco_gt(text, type, gt, opt.cancel))
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
  read_file_into(path, data.data(), data.size(), opt.cancel);
  return parse_gt(data, path, type, opt);
}

}  // namespace deteval
