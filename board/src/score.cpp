#include "score.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "deteval/evaluate.hpp"
#include "deteval/subset.hpp"
#include "deteval/summary.hpp"

namespace deteval::board {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::vector<std::uint8_t> compute_split(const GroundTruth& gt, double fraction, std::uint64_t seed) {
  const std::size_t n = gt.images.size();
  std::vector<std::uint8_t> is_public(n, 0);
  if (n == 0) return is_public;
  std::vector<std::pair<std::uint64_t, std::int64_t>> order(n);  // (hash, id): ids are unique
  for (std::size_t i = 0; i < n; ++i)
    order[i] = {splitmix64(seed ^ splitmix64(static_cast<std::uint64_t>(gt.images[i].id))), static_cast<std::int64_t>(i)};
  std::sort(order.begin(), order.end());
  const auto count = static_cast<std::size_t>(
      std::clamp<long long>(std::llround(fraction * static_cast<double>(n)), 1, static_cast<long long>(n)));
  for (std::size_t k = 0; k < count; ++k) is_public[static_cast<std::size_t>(order[k].second)] = 1;
  return is_public;
}


GroundTruth restrict_gt(const GroundTruth& gt, const std::vector<std::uint8_t>& keep) { return subset_gt(gt, keep); }

Detections restrict_dt(const Detections& dt, const std::vector<std::uint8_t>& keep) { return subset_dt(dt, keep); }

VocDataset to_voc(const GroundTruth& gt, const Detections& dt) {
  VocDataset ds;
  ds.num_images = gt.images.size();
  ds.classes.resize(gt.categories.size());
  for (std::size_t k = 0; k < gt.categories.size(); ++k) ds.classes[k].name = gt.categories[k].name;
  auto corners = [](const Box& b) { return VocBox{b.x + 1, b.y + 1, b.x + b.w, b.y + b.h}; };
  for (std::size_t j = 0; j < gt.size(); ++j) {  // file order: per image, as the annotation lists them
    VocClassData& c = ds.classes[gt.category[j]];
    c.gt_image.push_back(gt.image[j]);
    c.gt_box.push_back(corners(gt.box[j]));
    c.gt_difficult.push_back(gt.iscrowd[j]);
  }
  for (std::size_t j = 0; j < dt.size(); ++j) {
    VocClassData& c = ds.classes[dt.category[j]];
    c.det_image.push_back(dt.image[j]);
    c.det_score.push_back(dt.score[j]);
    c.det_box.push_back(corners(dt.box[j]));
  }
  return ds;
}

SplitScore score_split(const GroundTruth& gt, const Detections& dt, const std::vector<std::uint8_t>& keep,
                       IouType type, ScoreKind kind) {
  SplitScore s;
  if (std::find(keep.begin(), keep.end(), 1) == keep.end()) return s;
  const GroundTruth sub_gt = restrict_gt(gt, keep);
  const Detections sub_dt = restrict_dt(dt, keep);
  s.evaluated = true;
  if (kind != ScoreKind::coco) {
    const VocResult r = voc_evaluate(to_voc(sub_gt, sub_dt), 0.5);
    s.stats = {{"mAP_voc07", r.map_voc07}, {"mAP_area", r.map_area}};
    const double v = kind == ScoreKind::voc07 ? r.map_voc07 : r.map_area;
    if (!std::isnan(v)) s.score = v;
    return s;
  }
  Params params;  // pycocotools' defaults, as `deteval coco` without options
  params.iou_type = type;
  const Evaluation ev = evaluate(sub_gt, sub_dt, params);
  const Summary summary = summarize(ev);
  for (std::size_t i = 0; i < summary.stats.size(); ++i) s.stats.emplace_back(kStatNames[i], summary.stats[i]);
  if (summary.stats[0] > -1) s.score = summary.stats[0];
  return s;
}

}  // namespace deteval::board
