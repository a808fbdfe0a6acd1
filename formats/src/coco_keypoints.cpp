#include "coco_keypoints.hpp"

#include <algorithm>
#include <cstdint>

#include "deteval/formats/error.hpp"

namespace deteval::detail {

std::size_t category_keypoint_count(const json& category, const std::string& file, const std::string& path) {
  auto it = category.find("keypoints");
  if (it == category.end()) return 0;
  if (!it->is_array()) throw InputError::expected(file, path_key(path, "keypoints"), "a list of keypoint names", describe(*it));
  return it->size();
}

std::vector<double> parse_keypoints(const json& v, const std::string& file, const std::string& path,
                                    bool ground_truth, KeypointCount& count, const std::string& source) {
  const char* triple = ground_truth ? "x, y, v" : "x, y, score";
  if (!v.is_array() || v.empty())
    throw InputError::expected(file, path, std::string("a list of keypoints [") + triple + ", ...]", describe(v));
  if (v.size() % 3)
    throw InputError::expected(file, path, std::string("3 numbers (") + triple + ") per keypoint",
                               std::to_string(v.size()) + " numbers");
  if (count.n == 0) count = {v.size() / 3, source};
  if (v.size() != 3 * count.n)
    throw InputError::expected(file, path,
                               std::to_string(3 * count.n) + " numbers (" + std::to_string(count.n) + " keypoints of " +
                                   triple + ", " + count.source + ")",
                               std::to_string(v.size()) + " numbers");
  std::vector<double> xyv(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) xyv[i] = get_number(v[i], file, path_index(path, i));
  if (ground_truth)
    for (std::size_t i = 2; i < xyv.size(); i += 3)
      if (xyv[i] != 0 && xyv[i] != 1 && xyv[i] != 2)
        throw InputError::expected(file, path_index(path, i),
                                   "a visibility flag 0, 1 or 2 (keypoint " + std::to_string(i / 3 + 1) + ")",
                                   v[i].dump());
  return xyv;
}

std::int64_t parse_num_keypoints(const json& v, const std::string& file, const std::string& path) {
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX) ||
      v.get<std::int64_t>() < 0)
    throw InputError::expected(file, path, "a non-negative integer (labelled keypoints)",
                               v.is_number() ? v.dump() : describe(v));
  return v.get<std::int64_t>();
}

Box keypoint_extent(std::span<const double> xyv) {
  double x0 = xyv[0], x1 = xyv[0], y0 = xyv[1], y1 = xyv[1];
  for (std::size_t i = 0; i + 1 < xyv.size(); i += 3) {
    x0 = std::min(x0, xyv[i]);
    x1 = std::max(x1, xyv[i]);
    y0 = std::min(y0, xyv[i + 1]);
    y1 = std::max(y1, xyv[i + 1]);
  }
  return Box{x0, y0, x1 - x0, y1 - y0};
}

}  // namespace deteval::detail
