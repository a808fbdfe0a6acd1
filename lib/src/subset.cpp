#include "deteval/subset.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace deteval {

namespace {

// Old dense index -> new dense index (or -1), for `ids` (sorted, unique) within `all`.
template <class T>
std::vector<std::int64_t> keep_map(const std::vector<T>& all, const std::optional<std::vector<std::int64_t>>& ids) {
  std::vector<std::int64_t> map(all.size(), -1);
  std::int64_t next = 0;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (!ids || std::binary_search(ids->begin(), ids->end(), all[i].id)) map[i] = next++;
  return map;
}

std::vector<std::int64_t> sorted_unique(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

SubsetData select_subset(const GroundTruth& gt, const Detections& dt, const Subset& subset, bool use_cats) {
  Subset s;
  if (subset.img_ids) {
    if (subset.img_ids->empty()) throw std::invalid_argument("imgIds: expected at least one image id");
    s.img_ids = sorted_unique(*subset.img_ids);
  }
  if (subset.cat_ids) {
    if (subset.cat_ids->empty()) throw std::invalid_argument("catIds: expected at least one category id");
    if (!use_cats && !std::is_sorted(subset.cat_ids->begin(), subset.cat_ids->end()))
      throw std::invalid_argument(
          "catIds: with useCats 0, pycocotools pools categories in the order of catIds; deteval needs them in "
          "ascending order");
    for (std::size_t i = 1; !use_cats && i < subset.cat_ids->size(); ++i)
      if ((*subset.cat_ids)[i] == (*subset.cat_ids)[i - 1])
        throw std::invalid_argument("catIds: with useCats 0, a repeated id (" + std::to_string((*subset.cat_ids)[i]) +
                                    ") would pool its objects twice in pycocotools; give each id once");
    s.cat_ids = sorted_unique(*subset.cat_ids);
    for (std::int64_t id : *s.cat_ids)
      if (gt.category_index(id) < 0)
        throw std::invalid_argument("catIds: category id " + std::to_string(id) + " is not in the ground truth");
  }

  SubsetData out;
  if (s.img_ids)
    for (std::int64_t id : *s.img_ids)
      if (gt.image_index(id) < 0) out.unknown_img_ids.push_back(id);
  const std::vector<std::int64_t> img = keep_map(gt.images, s.img_ids), cat = keep_map(gt.categories, s.cat_ids);
  for (std::size_t i = 0; i < gt.images.size(); ++i)
    if (img[i] >= 0) out.gt.images.push_back(gt.images[i]);
  for (std::size_t k = 0; k < gt.categories.size(); ++k)
    if (cat[k] >= 0) out.gt.categories.push_back(gt.categories[k]);

  GroundTruth& g = out.gt;
  for (std::size_t j = 0; j < gt.size(); ++j) {
    if (img[gt.image[j]] < 0 || cat[gt.category[j]] < 0) continue;
    g.ann_id.push_back(gt.ann_id[j]);
    g.image.push_back(static_cast<std::uint32_t>(img[gt.image[j]]));
    g.category.push_back(static_cast<std::uint32_t>(cat[gt.category[j]]));
    g.box.push_back(gt.box[j]);
    g.area.push_back(gt.area[j]);
    g.iscrowd.push_back(gt.iscrowd[j]);
    if (!gt.masks.empty()) g.masks.append(gt.masks, j);
    if (!gt.shapes.empty()) g.shapes.push_back(gt.shapes[j]);
  }
  Detections& d = out.dt;
  for (std::size_t j = 0; j < dt.size(); ++j) {
    if (img[dt.image[j]] < 0 || cat[dt.category[j]] < 0) continue;
    d.image.push_back(static_cast<std::uint32_t>(img[dt.image[j]]));
    d.category.push_back(static_cast<std::uint32_t>(cat[dt.category[j]]));
    d.score.push_back(dt.score[j]);
    d.box.push_back(dt.box[j]);
    d.area.push_back(dt.area[j]);
    if (!dt.masks.empty()) d.masks.append(dt.masks, j);
    if (!dt.mask_box.empty()) d.mask_box.push_back(dt.mask_box[j]);
    if (!dt.shapes.empty()) d.shapes.push_back(dt.shapes[j]);
  }
  return out;
}

}  // namespace deteval
