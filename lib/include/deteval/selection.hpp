// Restricting an evaluation to some images and categories, as COCOeval's
// `params.imgIds` and `params.catIds` do.
//
// pycocotools' rules: images are `np.unique(imgIds)` (sorted; ids the ground truth lacks
// select nothing). With useCats, categories are `np.unique(catIds)` and an id the ground
// truth lacks is still a category (without annotations: its precision and recall are -1).
// Without useCats, catIds is used as given: the ground truths and detections of each
// listed category are pooled in the list's order (then file order), a repeated id
// repeating them; here entry j of the list becomes category j of the subset (id j).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "deteval/dataset.hpp"

namespace deteval {

struct Selection {
  GroundTruth gt;
  Detections dt;
  std::vector<std::uint32_t> gt_source;  ///< subset annotation j is annotation gt_source[j] of the input
  std::vector<std::uint32_t> dt_source;  ///< subset detection j is detection dt_source[j] of the input
};

/// The ground truth and detections of `image_ids` and `category_ids` (see above).
/// `dt` must refer to `gt`'s dense indices.
Selection select(const GroundTruth& gt, const Detections& dt, std::span<const std::int64_t> image_ids,
              std::span<const std::int64_t> category_ids, bool use_cats);

}  // namespace deteval
