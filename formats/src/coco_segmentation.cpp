// The region of a COCO object: polygons, RLE dicts and segmentations in every form
// pycocotools reads, as RLEs; rotated boxes and polygons as shapes (coco_read_parts.hpp).
#include <algorithm>
#include <cmath>
#include <vector>

#include "deteval/geometry.hpp"
#include "deteval/mask.hpp"
#include "coco_read_parts.hpp"
#include "limits.hpp"

namespace deteval::detail {

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

namespace {

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

}  // namespace

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

}  // namespace deteval::detail
