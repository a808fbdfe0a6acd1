// Internal: what the COCO readers (coco_gt_reader.cpp, coco_results_reader.cpp,
// coco_params_reader.cpp) share: field access with located errors, and the decoding of
// an object's region (coco_segmentation.cpp: polygons, RLEs, segmentations, shapes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/mask.hpp"
#include "json_util.hpp"

namespace deteval::detail {

inline const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

inline const json& require(const json& obj, const char* key, const std::string& file, const std::string& path,
                           const char* what) {
  const json* v = member(obj, key);
  if (!v) throw InputError::expected(file, path_key(path, key), what, "nothing (the field is missing)");
  return *v;
}

inline void require_object(const json& v, const std::string& file, const std::string& path) {
  if (!v.is_object()) throw InputError::expected(file, path, "an object", describe(v));
}

inline Box parse_box(const json& v, const std::string& file, const std::string& path) {
  if (!v.is_array() || v.size() != 4)
    throw InputError::expected(file, path, "4 numbers [x, y, width, height]", describe(v));
  return Box{get_number(v[0], file, path_index(path, 0)), get_number(v[1], file, path_index(path, 1)),
             get_number(v[2], file, path_index(path, 2)), get_number(v[3], file, path_index(path, 3))};
}

struct ImageSize {
  std::uint32_t height, width;
  std::int64_t id;
};

inline bool needs_image_size(IouType type) { return type == IouType::segm; }

inline ImageSize image_size(const GroundTruth& gt, std::uint32_t index) {
  const Image& im = gt.images[index];
  return {static_cast<std::uint32_t>(im.height), static_cast<std::uint32_t>(im.width), im.id};
}

inline bool is_shape_type(IouType type) { return type == IouType::rotated || type == IouType::polygon; }

/// A polygon [x1, y1, x2, y2, ...]: an even number (>= 2) of numbers, within the vertex limit.
std::vector<double> parse_polygon(const json& v, const std::string& file, const std::string& path);
/// A segmentation in any form pycocotools' annToRLE takes (polygons, an RLE dict, a list of
/// RLE dicts), as one RLE at the image's size.
Rle parse_segmentation(const json& v, const std::string& file, const std::string& path, const ImageSize& img);
/// `rbox: [cx, cy, w, h, theta]` (as corners) or `poly: [x1, y1, ...]`, validated.
std::vector<double> parse_shape(const json& obj, const std::string& file, const std::string& path, IouType type,
                                const CocoReadOptions& opt);

}  // namespace deteval::detail
