#include "deteval/subset.hpp"

#include <algorithm>
#include "deteval/error.hpp"
#include <string>

namespace deteval {

namespace {

// Which of `all` (sorted by id) are in `ids` (sorted, unique); all when there is no list.
template <class T>
std::vector<std::uint8_t> flags(const std::vector<T>& all, const std::optional<std::vector<std::int64_t>>& ids) {
  std::vector<std::uint8_t> keep(all.size(), 1);
  if (ids)
    for (std::size_t i = 0; i < all.size(); ++i) keep[i] = std::binary_search(ids->begin(), ids->end(), all[i].id);
  return keep;
}

// Old dense index -> new dense index, or -1; an empty `keep` keeps all.
std::vector<std::int64_t> new_index(const std::vector<std::uint8_t>& keep, std::size_t n) {
  std::vector<std::int64_t> map(n, -1);
  std::int64_t next = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (keep.empty() || (i < keep.size() && keep[i])) map[i] = next++;
  return map;
}

std::vector<std::int64_t> sorted_unique(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

GroundTruth subset_gt(const GroundTruth& gt, const std::vector<std::uint8_t>& keep_images,
                      const std::vector<std::uint8_t>& keep_categories) {
  const auto img = new_index(keep_images, gt.images.size()), cat = new_index(keep_categories, gt.categories.size());
  GroundTruth g;
  g.iou_type = gt.iou_type;
  for (std::size_t i = 0; i < gt.images.size(); ++i)
    if (img[i] >= 0) g.images.push_back(gt.images[i]);
  for (std::size_t k = 0; k < gt.categories.size(); ++k)
    if (cat[k] >= 0) g.categories.push_back(gt.categories[k]);
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
    if (!gt.keypoints.empty()) g.keypoints.push_back(gt.keypoints[j]);
    if (!gt.num_keypoints.empty()) g.num_keypoints.push_back(gt.num_keypoints[j]);
  }
  return g;
}

Detections subset_dt(const Detections& dt, const std::vector<std::uint8_t>& keep_images,
                     const std::vector<std::uint8_t>& keep_categories) {
  // Detections carry no image or category count: the largest index bounds the maps.
  std::size_t ni = keep_images.size(), nk = keep_categories.size();
  for (std::size_t j = 0; j < dt.size(); ++j) {
    ni = std::max<std::size_t>(ni, dt.image[j] + std::size_t{1});
    nk = std::max<std::size_t>(nk, dt.category[j] + std::size_t{1});
  }
  const auto img = new_index(keep_images, ni), cat = new_index(keep_categories, nk);
  Detections d;
  d.iou_type = dt.iou_type;
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
    if (!dt.keypoints.empty()) d.keypoints.push_back(dt.keypoints[j]);
  }
  return d;
}

SubsetData select_subset(const GroundTruth& gt, const Detections& dt, const Subset& subset, bool use_cats) {
  Subset s;
  if (subset.img_ids) {
    if (subset.img_ids->empty()) throw UsageError("imgIds: expected at least one image id");
    s.img_ids = sorted_unique(*subset.img_ids);
  }
  if (subset.cat_ids) {
    if (subset.cat_ids->empty()) throw UsageError("catIds: expected at least one category id");
    if (!use_cats && !std::is_sorted(subset.cat_ids->begin(), subset.cat_ids->end()))
      throw UsageError(
          "catIds: with useCats 0, pycocotools pools categories in the order of catIds; deteval needs them in "
          "ascending order");
    for (std::size_t i = 1; !use_cats && i < subset.cat_ids->size(); ++i)
      if ((*subset.cat_ids)[i] == (*subset.cat_ids)[i - 1])
        throw UsageError("catIds: with useCats 0, a repeated id (" + std::to_string((*subset.cat_ids)[i]) +
                                    ") would pool its objects twice in pycocotools; give each id once");
    s.cat_ids = sorted_unique(*subset.cat_ids);
    for (std::int64_t id : *s.cat_ids)
      if (gt.category_index(id) < 0)
        throw UsageError("catIds: category id " + std::to_string(id) + " is not in the ground truth");
  }

  SubsetData out;
  if (s.img_ids)
    for (std::int64_t id : *s.img_ids)
      if (gt.image_index(id) < 0) out.unknown_img_ids.push_back(id);
  const auto keep_images = flags(gt.images, s.img_ids), keep_categories = flags(gt.categories, s.cat_ids);
  out.gt = subset_gt(gt, keep_images, keep_categories);
  out.dt = subset_dt(dt, keep_images, keep_categories);
  return out;
}

}  // namespace deteval
