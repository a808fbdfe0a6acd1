// Subsets of images and categories, as COCOeval's `params.imgIds` / `params.catIds`
// select them: annotations and detections outside the subset are left out entirely,
// images and categories keep ascending id order (pycocotools sorts both lists with
// np.unique), so the evaluation's per-category arrays follow the sorted catIds.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "deteval/dataset.hpp"

namespace deteval {

struct Subset {
  std::optional<std::vector<std::int64_t>> img_ids;  ///< absent: every image
  std::optional<std::vector<std::int64_t>> cat_ids;  ///< absent: every category
  bool empty() const { return !img_ids && !cat_ids; }
};

struct SubsetData {
  GroundTruth gt;
  Detections dt;
  /// Image ids of the subset that the ground truth lacks (pycocotools evaluates nothing
  /// for them; they change no number). Ascending, without repeats.
  std::vector<std::int64_t> unknown_img_ids;
};

/// The images and categories whose flag is set (an empty vector keeps all), in their
/// order, with dense indices renumbered; annotations and detections keep file order.
GroundTruth subset_gt(const GroundTruth& gt, const std::vector<std::uint8_t>& keep_images,
                      const std::vector<std::uint8_t>& keep_categories = {});
Detections subset_dt(const Detections& dt, const std::vector<std::uint8_t>& keep_images,
                     const std::vector<std::uint8_t>& keep_categories = {});

/// `gt` and `dt` restricted to `subset`. Throws UsageError for an empty id
/// list, for category ids the ground truth lacks (pycocotools would give each a column
/// of -1) and, with `use_cats` off, for category ids not in ascending order (pycocotools
/// pools the categories in the order given; deteval pools in id order).
SubsetData select_subset(const GroundTruth& gt, const Detections& dt, const Subset& subset, bool use_cats);

}  // namespace deteval
