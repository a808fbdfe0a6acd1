// The fast path for COCO ground truth: simdjson's DOM, then masks rasterised in
// parallel. Like the results fast path, it declines (returns false) anything unusual
// and the nlohmann reader then accepts the file identically or explains the error.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <vector>

#include "coco_fast.hpp"
#include "deteval/mask.hpp"
#include "limits.hpp"
#include "simdjson_util.hpp"

namespace deteval::detail {

namespace {

namespace dom = simdjson::dom;

// One segmentation, kept as references into the parsed document until rasterised.
struct SegRef {
  enum Kind : std::uint8_t { none, polygons, rle_string, rle_counts } kind = none;
  dom::element value;       // the polygon list, or the RLE's counts list
  std::string_view counts;  // a compressed RLE string
  std::int64_t h = -1, w = -1;
};

// {"size": [h, w], "counts": "..." | [...]}
bool rle_ref(dom::element v, SegRef& seg) {
  dom::object rle;
  if (v.get_object().get(rle) || rle.size() != 2) return false;
  dom::array size;
  if (rle["size"].get_array().get(size) || size.size() != 2 || size.at(0).get_int64().get(seg.h) ||
      size.at(1).get_int64().get(seg.w))
    return false;
  dom::element counts;
  if (rle["counts"].get(counts)) return false;
  if (counts.is_string()) {
    seg.kind = SegRef::rle_string;
    seg.counts = counts.get_string().value_unsafe();
  } else if (counts.is_array()) {
    seg.kind = SegRef::rle_counts;
    seg.value = counts;
  } else {
    return false;
  }
  return true;
}

bool rasterise(const SegRef& seg, std::uint32_t h, std::uint32_t w, Rle& out) {
  std::string error;
  if (seg.kind == SegRef::rle_string) return rle_from_string(seg.counts, h, w, out, error);
  if (seg.kind == SegRef::rle_counts) {
    std::vector<std::uint64_t> runs;
    for (dom::element c : seg.value.get_array()) {
      std::uint64_t u;
      if (c.get_uint64().get(u)) return false;
      runs.push_back(u);
    }
    return rle_from_counts(runs, h, w, out, error);
  }
  std::vector<std::vector<double>> parts;
  for (dom::element poly : seg.value.get_array()) {
    dom::array xy;
    if (poly.get_array().get(xy) || xy.size() == 0 || xy.size() % 2) return false;
    auto& part = parts.emplace_back();
    part.reserve(xy.size());
    for (dom::element v : xy) {
      double d;
      if (!finite(v, d)) return false;
      part.push_back(d);
    }
  }
  if (parts.empty() || parts[0].size() == 4) return false;  // the box quirk: DOM reader
  // Beyond the limits: the DOM reader refuses with the message.
  std::uint64_t columns = 0;
  for (const auto& part : parts) {
    if (part.size() / 2 > kMaxPolygonVertices) return false;
    columns += raster_columns(part, w);
  }
  if (columns > kMaxRasterColumns) return false;
  if (parts.size() == 1) {
    out = rle_from_polygon(parts[0], h, w);
    return true;
  }
  std::vector<std::span<const double>> views(parts.begin(), parts.end());
  out = rle_from_polygons(views, h, w);
  return true;
}

}  // namespace

bool fast_parse_coco_gt(const simdjson::padded_string& text, IouType type, GroundTruth& out, const CancelFlag* cancel) {
  if (type != IouType::bbox && type != IouType::segm) return false;
  const bool segm = type == IouType::segm;
  // Nesting beyond the readers' limit: the DOM reader refuses it with the message.
  dom::parser parser;
  dom::object root;
  if (parser.allocate(text.size(), kMaxJsonDepth) || parser.parse(text).get_object().get(root) ||
      has_repeated_keys(root))
    return false;
  GroundTruth gt;

  dom::array images;
  if (root["images"].get_array().get(images)) return false;
  for (dom::element item : images) {
    // Not `for (dom::object im : images)`: that conversion throws simdjson_error on a
    // non-object, which escaped as an internal error. Declined: the DOM reader explains.
    dom::object im;
    if (item.get_object().get(im) || has_repeated_keys(im)) return false;
    Image img;
    if (im["id"].get_int64().get(img.id)) return false;
    for (auto [key, dst] : {std::pair{"width", &img.width}, std::pair{"height", &img.height}}) {
      std::int64_t v;
      auto field = im[key];
      if (field.error() == simdjson::NO_SUCH_FIELD) {
        if (segm) return false;
        continue;
      }
      if (field.get_int64().get(v) || v < 0 || v > 1000000 || (segm && v == 0)) return false;
      *dst = static_cast<std::int32_t>(v);
    }
    if (segm && static_cast<std::uint64_t>(img.width) * static_cast<std::uint64_t>(img.height) >= (1ull << 32))
      return false;
    std::string_view name;
    if (im["file_name"].get_string().get(name) == simdjson::SUCCESS) img.file_name = name;
    gt.images.push_back(std::move(img));
  }
  // Sorted by id; duplicates are errors the DOM reader reports.
  std::stable_sort(gt.images.begin(), gt.images.end(), [](const Image& a, const Image& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < gt.images.size(); ++i)
    if (gt.images[i].id == gt.images[i - 1].id) return false;

  dom::array cats;
  if (root["categories"].get_array().get(cats)) return false;
  for (dom::element item : cats) {
    dom::object c;
    if (item.get_object().get(c) || has_repeated_keys(c)) return false;
    Category cat;
    if (c["id"].get_int64().get(cat.id)) return false;
    auto name = c["name"];
    if (name.error() != simdjson::NO_SUCH_FIELD) {
      std::string_view n;
      if (name.get_string().get(n)) return false;
      cat.name = n;
    }
    std::string_view sup;
    if (c["supercategory"].get_string().get(sup) == simdjson::SUCCESS) cat.supercategory = sup;
    gt.categories.push_back(std::move(cat));
  }
  std::stable_sort(gt.categories.begin(), gt.categories.end(),
                   [](const Category& a, const Category& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < gt.categories.size(); ++i)
    if (gt.categories[i].id == gt.categories[i - 1].id) return false;

  std::vector<SegRef> segs;
  std::vector<std::uint8_t> has_area, has_box;
  auto anns_field = root["annotations"];
  if (anns_field.error() != simdjson::NO_SUCH_FIELD) {
    dom::array anns;
    if (anns_field.get_array().get(anns)) return false;
    const std::size_t n = anns.size();
    gt.ann_id.reserve(n);
    gt.image.reserve(n);
    gt.category.reserve(n);
    gt.box.reserve(n);
    gt.area.reserve(n);
    gt.iscrowd.reserve(n);
    for (dom::element item : anns) {
      if (gt.ann_id.size() % kCancelEvery == 0) check_cancel(cancel);  // one annotation more each time
      dom::object a;
      if (item.get_object().get(a)) return false;
      std::int64_t id = 0, image_id = 0, cat_id = 0;
      bool seen_id = false, seen_image = false, seen_cat = false, seen_box = false, seen_area = false, crowd = false;
      Box box;
      double area = 0;
      SegRef seg;
      for (dom::key_value_pair f : a) {
        const std::string_view key = f.key;
        if (key == "id") {
          if (f.value.get_int64().get(id)) return false;
          seen_id = true;
        } else if (key == "image_id") {
          if (f.value.get_int64().get(image_id)) return false;
          seen_image = true;
        } else if (key == "category_id") {
          if (f.value.get_int64().get(cat_id)) return false;
          seen_cat = true;
        } else if (key == "bbox") {
          dom::array b;
          if (f.value.get_array().get(b) || b.size() != 4) return false;
          double x[4];
          std::size_t j = 0;
          for (dom::element e : b)
            if (!finite(e, x[j++])) return false;
          box = Box{x[0], x[1], x[2], x[3]};
          seen_box = true;
        } else if (key == "area") {
          if (!finite(f.value, area)) return false;
          seen_area = true;
        } else if (key == "iscrowd") {
          if (!flag(f.value, crowd)) return false;
        } else if (key == "segmentation" && segm) {
          if (f.value.is_array()) {
            dom::array parts = f.value.get_array().value_unsafe();
            if (parts.size() == 0 || !parts.at(0).is_array()) return false;  // flat polygon, RLE list
            seg.kind = SegRef::polygons;
            seg.value = f.value;
          } else if (!rle_ref(f.value, seg)) {
            return false;
          }
        }
      }
      if (!seen_id || !seen_image || !seen_cat) return false;
      if (!seen_box && type == IouType::bbox) return false;
      const std::int64_t image = gt.image_index(image_id), cat = gt.category_index(cat_id);
      if (image < 0 || cat < 0) return false;
      if (segm) {
        const Image& im = gt.images[static_cast<std::size_t>(image)];
        if (seg.kind == SegRef::none) return false;
        if (seg.kind != SegRef::polygons && (seg.h != im.height || seg.w != im.width)) return false;
        segs.push_back(seg);
      } else if (!seen_area) {
        area = box.area();
      }
      gt.ann_id.push_back(id);
      gt.image.push_back(static_cast<std::uint32_t>(image));
      gt.category.push_back(static_cast<std::uint32_t>(cat));
      gt.box.push_back(box);
      gt.area.push_back(area);
      gt.iscrowd.push_back(crowd);
      has_area.push_back(seen_area);
      has_box.push_back(seen_box);
    }
  }
  // Duplicate annotation ids are an error the DOM reader reports.
  {
    std::vector<std::int64_t> ids(gt.ann_id);
    std::sort(ids.begin(), ids.end());
    if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return false;
  }
  if (segm) {
    std::vector<Rle> masks(segs.size());
    std::atomic<bool> ok{true};
    tbb::parallel_for(std::size_t{0}, segs.size(), [&](std::size_t j) {
      if (j % 64 == 0) check_cancel(cancel);  // a polygon's raster can take a while: often
      const Image& im = gt.images[gt.image[j]];
      if (!rasterise(segs[j], static_cast<std::uint32_t>(im.height), static_cast<std::uint32_t>(im.width), masks[j])) {
        ok = false;
        return;
      }
      if (!has_area[j]) gt.area[j] = static_cast<double>(rle_area(masks[j]));
      if (!has_box[j]) gt.box[j] = rle_to_bbox(masks[j]);
    });
    if (!ok) return false;
    std::size_t runs = 0;
    for (const Rle& m : masks) runs += m.counts.size();
    gt.masks.reserve(masks.size(), runs);
    for (const Rle& m : masks) gt.masks.push_back(m);
  }
  out = std::move(gt);
  return true;
}

}  // namespace deteval::detail
