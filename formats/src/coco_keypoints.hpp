// Internal: reading the `keypoints` of COCO ground truth and results, with located errors
// (not installed).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "deteval/box.hpp"
#include "json_util.hpp"

namespace deteval::detail {

/// How many keypoints every object must have, and why (for messages); 0 until known.
struct KeypointCount {
  std::size_t n = 0;
  std::string source;  ///< e.g. "as category 1 lists", "as annotations[0] has"
};

/// The number of names in a category's `keypoints` list, or 0 when it has none.
std::size_t category_keypoint_count(const json& category, const std::string& file, const std::string& path);

/// One object's `keypoints` [x1, y1, v1, ...]: 3 * count.n finite numbers (sets count from
/// `v` when count.n is 0, with `source`). For ground truth each v must be 0, 1 or 2.
std::vector<double> parse_keypoints(const json& v, const std::string& file, const std::string& path,
                                    bool ground_truth, KeypointCount& count, const std::string& source);

/// A ground truth's `num_keypoints`: a non-negative integer.
std::int64_t parse_num_keypoints(const json& v, const std::string& file, const std::string& path);

/// pycocotools' loadRes for keypoint results without a box or mask: the extent of every
/// keypoint (whatever its confidence, 0,0 included) as [x0, y0, x1 - x0, y1 - y0].
Box keypoint_extent(std::span<const double> xyv);

}  // namespace deteval::detail
