#include "deteval/selection.hpp"

#include <algorithm>

namespace deteval {

namespace {

std::vector<std::int64_t> sorted_unique(std::span<const std::int64_t> ids) {
  std::vector<std::int64_t> v(ids.begin(), ids.end());
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

Selection select(const GroundTruth& gt, const Detections& dt, std::span<const std::int64_t> image_ids,
              std::span<const std::int64_t> category_ids, bool use_cats) {
  Selection s;
  constexpr std::uint32_t kNone = static_cast<std::uint32_t>(-1);
  std::vector<std::uint32_t> image_map(gt.images.size(), kNone);
  for (std::int64_t id : sorted_unique(image_ids)) {
    const std::int64_t i = gt.image_index(id);
    if (i < 0) continue;
    image_map[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(s.gt.images.size());
    s.gt.images.push_back(gt.images[static_cast<std::size_t>(i)]);
  }
  // Each input category maps to the subset categories (list entries) it appears as.
  std::vector<std::vector<std::uint32_t>> category_map(gt.categories.size());
  const std::vector<std::int64_t> cats =
      use_cats ? sorted_unique(category_ids) : std::vector<std::int64_t>(category_ids.begin(), category_ids.end());
  for (std::size_t j = 0; j < cats.size(); ++j) {
    const std::int64_t k = gt.category_index(cats[j]);
    Category c = k >= 0 ? gt.categories[static_cast<std::size_t>(k)] : Category{cats[j], "", ""};
    if (!use_cats) c.id = static_cast<std::int64_t>(j);  // pooled in list order: ids must sort that way
    if (k >= 0) category_map[static_cast<std::size_t>(k)].push_back(static_cast<std::uint32_t>(j));
    s.gt.categories.push_back(std::move(c));
  }

  for (std::size_t a = 0; a < gt.size(); ++a) {
    const std::uint32_t im = image_map[gt.image[a]];
    if (im == kNone) continue;
    for (std::uint32_t k : category_map[gt.category[a]]) {
      s.gt_source.push_back(static_cast<std::uint32_t>(a));
      s.gt.ann_id.push_back(gt.ann_id[a]);
      s.gt.image.push_back(im);
      s.gt.category.push_back(k);
      s.gt.box.push_back(gt.box[a]);
      s.gt.area.push_back(gt.area[a]);
      s.gt.iscrowd.push_back(gt.iscrowd[a]);
      if (!gt.masks.empty()) s.gt.masks.append(gt.masks, a);
      if (!gt.shapes.empty()) s.gt.shapes.push_back(gt.shapes[a]);
    }
  }
  for (std::size_t d = 0; d < dt.size(); ++d) {
    const std::uint32_t im = image_map[dt.image[d]];
    if (im == kNone) continue;
    for (std::uint32_t k : category_map[dt.category[d]]) {
      s.dt_source.push_back(static_cast<std::uint32_t>(d));
      s.dt.image.push_back(im);
      s.dt.category.push_back(k);
      s.dt.score.push_back(dt.score[d]);
      s.dt.box.push_back(dt.box[d]);
      s.dt.area.push_back(dt.area[d]);
      if (!dt.masks.empty()) s.dt.masks.append(dt.masks, d);
      if (!dt.mask_box.empty()) s.dt.mask_box.push_back(dt.mask_box[d]);
      if (!dt.shapes.empty()) s.dt.shapes.push_back(dt.shapes[d]);
    }
  }
  return s;
}

}  // namespace deteval
