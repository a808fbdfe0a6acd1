// The fast path for COCO ground truth (coco_fast.hpp): simdjson On-Demand over the padded
// file, then masks rasterised in parallel. Like the results fast path, it declines
// (returns false) anything unusual, and the nlohmann reader then accepts the file
// identically or explains the error.
//
// Why On-Demand and not simdjson's DOM: the program's time follows the memory it touches
// first (on a VM each new page costs microseconds), and the DOM of the whole file (a tape
// of 8 bytes per byte, its strings, its index) was most of the read's peak: 90 MB for the
// 17 MB COCO-scale bbox ground truth, 48 MB now. On-Demand keeps only the structural index
// beside the text, and it is freed before the masks are made. The walk is one pass in
// file order: annotations may come before images and categories, so ids are resolved
// after it, and the segmentations' numbers and strings are gathered into flat arrays (no
// value is kept as a reference into a parsed document). Values not used are read in full
// (validate_json): On-Demand checks nothing it skips, and the DOM reader refuses a bad
// number anywhere.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coco_fast.hpp"
#include "deteval/mask.hpp"
#include "id_lookup.hpp"
#include "limits.hpp"
#include "ondemand_util.hpp"

namespace deteval::detail {

namespace {

namespace od = simdjson::ondemand;

// One segmentation, read into the flat arrays of Segmentations.
struct Seg {
  enum Kind : std::uint8_t { none, polygons, rle_string, rle_counts } kind = none;
  std::int64_t h = -1, w = -1;  // an RLE's size
  // polygons: polygons [begin, end) of Segmentations::poly_at; rle_counts: runs [begin,
  // end); rle_string: the string's characters [begin, end) in Segmentations::chars
  std::size_t begin = 0, end = 0;
};

// Every annotation's segmentation, in file order.
struct Segmentations {
  std::vector<Seg> seg;
  std::vector<double> xy;               // every polygon's coordinates
  std::vector<std::size_t> poly_at{0};  // polygon p is xy[poly_at[p], poly_at[p + 1])
  std::vector<std::uint64_t> runs;      // uncompressed RLEs' counts
  std::string chars;                    // compressed RLEs' strings (the parser is gone by then)

  std::span<const double> polygon(std::size_t p) const { return {xy.data() + poly_at[p], poly_at[p + 1] - poly_at[p]}; }
  std::string_view string(const Seg& seg) const {
    return std::string_view(chars).substr(seg.begin, seg.end - seg.begin);
  }
};

// Nesting levels (the root object is level 1): fields of the root are read at level 2,
// of an image, category or annotation at level 4. validate_json takes the level less one.
constexpr std::size_t kRootField = 1, kItemField = 3;

bool read_int(od::value v, std::int64_t& out) { return v.get_int64().get(out) == simdjson::SUCCESS; }

// A string field copied, or validated and ignored when not a string (the DOM reader
// ignores it too).
bool optional_string(od::value v, std::string& out) {
  od::json_type t;
  if (v.type().get(t)) return false;
  if (t != od::json_type::string) return validate_json(v, kItemField);
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out = s;
  return true;
}

bool read_image(od::value v, bool segm, Image& img) {
  od::object o;
  if (v.get_object().get(o)) return false;
  KeySet keys;  // repeated keys: the DOM reader keeps the last, decided there
  bool seen_id = false, seen_width = false, seen_height = false;
  for (auto f : o) {
    std::string_view key;
    od::value fv;
    if (!json_field(f, key, fv) || !keys.insert(key)) return false;
    if (key == "id") {
      if (!read_int(fv, img.id)) return false;
      seen_id = true;
    } else if (key == "width" || key == "height") {
      std::int64_t x;
      if (!read_int(fv, x) || x < 0 || x > 1000000 || (segm && x == 0)) return false;
      (key == "width" ? img.width : img.height) = static_cast<std::int32_t>(x);
      (key == "width" ? seen_width : seen_height) = true;
    } else if (key == "file_name") {
      if (!optional_string(fv, img.file_name)) return false;
    } else if (!validate_json(fv, kItemField)) {
      return false;
    }
  }
  if (!seen_id) return false;
  if (segm && (!seen_width || !seen_height ||
               static_cast<std::uint64_t>(img.width) * static_cast<std::uint64_t>(img.height) >= (1ull << 32)))
    return false;
  return true;
}

bool read_category(od::value v, Category& cat) {
  od::object o;
  if (v.get_object().get(o)) return false;
  KeySet keys;
  bool seen_id = false;
  for (auto f : o) {
    std::string_view key;
    od::value fv;
    if (!json_field(f, key, fv) || !keys.insert(key)) return false;
    if (key == "id") {
      if (!read_int(fv, cat.id)) return false;
      seen_id = true;
    } else if (key == "name") {  // optional, but a string when present
      std::string_view n;
      if (fv.get_string().get(n)) return false;
      cat.name = n;
    } else if (key == "supercategory") {
      if (!optional_string(fv, cat.supercategory)) return false;
    } else if (!validate_json(fv, kItemField)) {
      return false;
    }
  }
  return seen_id;
}

// {"size": [h, w], "counts": "..." | [...]}, those two keys once each.
bool read_rle(od::value v, Segmentations& s, Seg& seg) {
  od::object o;
  if (v.get_object().get(o)) return false;
  bool seen_size = false, seen_counts = false;
  for (auto f : o) {
    std::string_view key;
    od::value fv;
    if (!json_field(f, key, fv)) return false;
    if (key == "size" && !seen_size) {
      od::array size;
      if (fv.get_array().get(size)) return false;
      std::size_t n = 0;
      for (auto e : size) {
        std::int64_t x;
        if (n == 2 || e.get_int64().get(x)) return false;
        (n++ ? seg.w : seg.h) = x;
      }
      if (n != 2) return false;
      seen_size = true;
    } else if (key == "counts" && !seen_counts) {
      od::json_type t;
      if (fv.type().get(t)) return false;
      if (t == od::json_type::string) {
        std::string_view counts;
        if (fv.get_string().get(counts)) return false;
        seg.begin = s.chars.size();
        s.chars += counts;
        seg.end = s.chars.size();
        seg.kind = Seg::rle_string;
      } else if (t == od::json_type::array) {
        od::array counts;
        if (fv.get_array().get(counts)) return false;
        seg.begin = s.runs.size();
        for (auto e : counts) {
          std::uint64_t u;
          if (e.get_uint64().get(u)) return false;  // nlohmann's unsigned integers only
          s.runs.push_back(u);
        }
        seg.end = s.runs.size();
        seg.kind = Seg::rle_counts;
      } else {
        return false;
      }
      seen_counts = true;
    } else {
      return false;
    }
  }
  return seen_size && seen_counts;
}

// A list of polygons, or an RLE object; a flat polygon, a list of RLEs, a box list (the
// first polygon of 4 numbers) and polygons beyond the vertex limit are the DOM reader's.
bool read_segmentation(od::value v, Segmentations& s, Seg& seg) {
  od::json_type t;
  if (v.type().get(t)) return false;
  if (t != od::json_type::array) return read_rle(v, s, seg);
  od::array parts;
  if (v.get_array().get(parts)) return false;
  seg.kind = Seg::polygons;
  seg.begin = s.poly_at.size() - 1;
  for (auto part : parts) {
    od::array xy;
    if (part.get_array().get(xy)) return false;
    const std::size_t start = s.xy.size();
    for (auto e : xy) {
      od::value ev;
      double d;
      if (e.get(ev) || !json_finite(ev, d)) return false;
      s.xy.push_back(d);
    }
    const std::size_t n = s.xy.size() - start;
    if (n == 0 || n % 2 || n / 2 > kMaxPolygonVertices) return false;
    if (n == 4 && start == s.poly_at[seg.begin]) return false;  // the box quirk
    s.poly_at.push_back(s.xy.size());
  }
  seg.end = s.poly_at.size() - 1;
  return seg.end > seg.begin;
}

// What an annotation gives before its ids are resolved.
struct Annotations {
  std::vector<std::int64_t> id, image_id, category_id;
  std::vector<Box> box;
  std::vector<double> area;
  std::vector<std::uint8_t> iscrowd, has_box, has_area;
};

bool read_annotation(od::value v, bool segm, Annotations& out, Segmentations& s) {
  od::object o;
  if (v.get_object().get(o)) return false;
  std::int64_t id = 0, image_id = 0, cat_id = 0;
  bool seen_id = false, seen_image = false, seen_cat = false, seen_box = false, seen_area = false, crowd = false;
  Box box;
  double area = 0;
  Seg seg;
  // Repeated keys: the last wins, as in the DOM reader (a segmentation twice is declined:
  // its numbers are already gathered).
  for (auto f : o) {
    std::string_view key;
    od::value fv;
    if (!json_field(f, key, fv)) return false;
    if (key == "id") {
      if (!read_int(fv, id)) return false;
      seen_id = true;
    } else if (key == "image_id") {
      if (!read_int(fv, image_id)) return false;
      seen_image = true;
    } else if (key == "category_id") {
      if (!read_int(fv, cat_id)) return false;
      seen_cat = true;
    } else if (key == "bbox") {
      double x[4];
      std::size_t n = 0;
      if (!json_box_numbers(fv, x, n) || n != 4) return false;
      box = Box{x[0], x[1], x[2], x[3]};
      seen_box = true;
    } else if (key == "area") {
      if (!json_finite(fv, area)) return false;
      seen_area = true;
    } else if (key == "iscrowd") {
      if (!json_flag(fv, crowd)) return false;
    } else if (key == "segmentation" && segm) {
      if (seg.kind != Seg::none || !read_segmentation(fv, s, seg)) return false;
    } else if (!validate_json(fv, kItemField)) {
      return false;
    }
  }
  if (!seen_id || !seen_image || !seen_cat) return false;
  if (!seen_box && !segm) return false;
  if (segm && seg.kind == Seg::none) return false;
  if (!segm && !seen_area) area = box.area();
  out.id.push_back(id);
  out.image_id.push_back(image_id);
  out.category_id.push_back(cat_id);
  out.box.push_back(box);
  out.area.push_back(area);
  out.iscrowd.push_back(crowd);
  out.has_box.push_back(seen_box);
  out.has_area.push_back(seen_area);
  if (segm) s.seg.push_back(seg);
  return true;
}

// The whole document in one pass, images and categories sorted by id.
bool read_document(const simdjson::padded_string& text, od::parser& parser, bool segm, GroundTruth& gt,
                   Annotations& anns, Segmentations& segs, const CancelFlag* cancel) {
  od::document doc;
  od::object root;
  if (parser.iterate(text).get(doc) || doc.get_object().get(root)) return false;
  KeySet keys;
  bool seen_images = false, seen_categories = false;
  for (auto f : root) {
    std::string_view key;
    od::value v;
    if (!json_field(f, key, v) || !keys.insert(key)) return false;
    if (key == "images") {
      od::array a;
      if (v.get_array().get(a)) return false;
      for (auto item : a) {
        od::value iv;
        Image img;
        if (item.get(iv) || !read_image(iv, segm, img)) return false;
        gt.images.push_back(std::move(img));
      }
      seen_images = true;
    } else if (key == "categories") {
      od::array a;
      if (v.get_array().get(a)) return false;
      for (auto item : a) {
        od::value cv;
        Category cat;
        if (item.get(cv) || !read_category(cv, cat)) return false;
        gt.categories.push_back(std::move(cat));
      }
      seen_categories = true;
    } else if (key == "annotations") {
      od::array a;
      if (v.get_array().get(a)) return false;
      std::size_t i = 0;
      for (auto item : a) {
        if (i++ % kCancelEvery == 0) check_cancel(cancel);
        od::value av;
        if (item.get(av) || !read_annotation(av, segm, anns, segs)) return false;
      }
    } else if (!validate_json(v, kRootField)) {
      return false;
    }
  }
  // Nothing may follow the root object.
  const char* end = nullptr;
  if (!seen_images || !seen_categories || doc.current_location().get(end) != simdjson::OUT_OF_BOUNDS) return false;

  // Sorted by id; duplicates are errors the DOM reader reports.
  std::stable_sort(gt.images.begin(), gt.images.end(), [](const Image& a, const Image& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < gt.images.size(); ++i)
    if (gt.images[i].id == gt.images[i - 1].id) return false;
  std::stable_sort(gt.categories.begin(), gt.categories.end(),
                   [](const Category& a, const Category& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < gt.categories.size(); ++i)
    if (gt.categories[i].id == gt.categories[i - 1].id) return false;
  return true;
}

// A segmentation's mask at its image's size (checked: an RLE's size, the raster limit).
bool rasterise(const Segmentations& s, const Seg& seg, std::uint32_t h, std::uint32_t w, Rle& out) {
  std::string error;
  if (seg.kind == Seg::rle_string) return rle_from_string(s.string(seg), h, w, out, error);
  if (seg.kind == Seg::rle_counts)
    return rle_from_counts(std::span<const std::uint64_t>(s.runs.data() + seg.begin, seg.end - seg.begin), h, w, out,
                           error);
  if (seg.end - seg.begin == 1) {
    out = rle_from_polygon(s.polygon(seg.begin), h, w);
    return true;
  }
  std::vector<std::span<const double>> views;
  views.reserve(seg.end - seg.begin);
  for (std::size_t p = seg.begin; p < seg.end; ++p) views.push_back(s.polygon(p));
  out = rle_from_polygons(views, h, w);
  return true;
}

// The masks rasterised in parallel, a round at a time, and appended to `gt.masks` in file
// order: the masks are held once (in the store), plus one round's. Boxes and areas the
// file does not give are taken from the masks.
bool rasterise_all(const Segmentations& s, const Annotations& anns, GroundTruth& gt, const CancelFlag* cancel) {
  const std::size_t n = s.seg.size();
  // Check what needs no raster first (an RLE's size, the raster limit), and reserve about
  // the runs the masks will have: untouched reserved pages cost nothing, so a generous
  // estimate is free where a short one would copy the store as it grows.
  std::size_t runs = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const Seg& seg = s.seg[j];
    const Image& im = gt.images[gt.image[j]];
    if (seg.kind == Seg::rle_string) {
      if (seg.h != im.height || seg.w != im.width) return false;
      runs += seg.end - seg.begin;  // at most one count per character
    } else if (seg.kind == Seg::rle_counts) {
      if (seg.h != im.height || seg.w != im.width) return false;
      runs += seg.end - seg.begin;
    } else {
      std::uint64_t columns = 0;
      for (std::size_t p = seg.begin; p < seg.end; ++p)
        columns += raster_columns(s.polygon(p), static_cast<std::uint32_t>(im.width));
      if (columns > kMaxRasterColumns) return false;  // the DOM reader refuses with the message
      runs += 2 * columns + 2 * (seg.end - seg.begin) + 1;
    }
  }
  gt.masks.reserve(n, runs);
  constexpr std::size_t kRound = 4096;
  std::vector<Rle> masks(std::min(n, kRound));
  for (std::size_t r0 = 0; r0 < n; r0 += kRound) {
    const std::size_t r1 = std::min(n, r0 + kRound);
    std::atomic<bool> ok{true};
    tbb::parallel_for(r0, r1, [&](std::size_t j) {
      if (j % 64 == 0) check_cancel(cancel);  // a polygon's raster can take a while: often
      const Image& im = gt.images[gt.image[j]];
      Rle& m = masks[j - r0];
      if (!rasterise(s, s.seg[j], static_cast<std::uint32_t>(im.height), static_cast<std::uint32_t>(im.width), m)) {
        ok = false;
        return;
      }
      if (!anns.has_area[j]) gt.area[j] = static_cast<double>(rle_area(m));
      if (!anns.has_box[j]) gt.box[j] = rle_to_bbox(m);
    });
    if (!ok) return false;
    for (std::size_t j = r0; j < r1; ++j) gt.masks.push_back(masks[j - r0]);
  }
  return true;
}

}  // namespace

bool fast_parse_coco_gt(const simdjson::padded_string& text, IouType type, GroundTruth& out, const CancelFlag* cancel) {
  if (type != IouType::bbox && type != IouType::segm) return false;
  // A polygon is at nesting level 5: a lower limit refuses every segm file (the DOM reader
  // explains), and the walk below assumes its own containers are within the limit.
  if (kMaxJsonDepth < 5) return false;
  const bool segm = type == IouType::segm;
  GroundTruth gt;
  Annotations anns;
  Segmentations segs;
  {
    od::parser parser;  // its index (4 bytes per structural) is freed before the masks are made
    if (!read_document(text, parser, segm, gt, anns, segs, cancel)) return false;
  }

  // Ids resolved now that images and categories are known, wherever they were in the file.
  const std::size_t n = anns.id.size();
  gt.image.resize(n);
  gt.category.resize(n);
  const IdLookup image_of(gt.images), category_of(gt.categories);
  for (std::size_t j = 0; j < n; ++j) {
    const std::int64_t image = image_of(anns.image_id[j]), cat = category_of(anns.category_id[j]);
    if (image < 0 || cat < 0) return false;
    gt.image[j] = static_cast<std::uint32_t>(image);
    gt.category[j] = static_cast<std::uint32_t>(cat);
  }
  // Duplicate annotation ids are an error the DOM reader reports.
  {
    std::vector<std::int64_t> ids(anns.id);
    std::sort(ids.begin(), ids.end());
    if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return false;
  }
  gt.ann_id = std::move(anns.id);
  gt.box = std::move(anns.box);
  gt.area = std::move(anns.area);
  gt.iscrowd = std::move(anns.iscrowd);
  if (segm && !rasterise_all(segs, anns, gt, cancel)) return false;
  out = std::move(gt);
  return true;
}

}  // namespace deteval::detail
