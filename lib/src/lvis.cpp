// lvis-api's evaluation as a selection in front of the COCO engine.
//
// LVISEval matches and accumulates exactly as COCOeval does once three things are settled,
// and they are settled here: which detections take part (the per-image cap, the area
// filter, the federated filter), which GT takes part (the area filter), and LVIS's two
// extra ignore rules. Those rules apply in every area range, and the engine already
// ignores a GT, or an unmatched detection, whose area lies outside the range: so an
// ignored GT (`ignore: 1`) and a detection of a not-exhaustive category are handed to the
// engine with the area -inf, which lies outside every range (area ranges must start
// above -inf). An area has no other use in the engine. LVIS has no crowds: `iscrowd` is 0.
#include "deteval/lvis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include "deteval/error.hpp"

namespace deteval {

const char* to_string(Frequency f) {
  switch (f) {
    case Frequency::rare: return "r";
    case Frequency::common: return "c";
    case Frequency::frequent: return "f";
  }
  return "?";
}

bool CategoryLists::contains(std::size_t image, std::uint32_t category) const {
  const auto list = of(image);
  return std::binary_search(list.begin(), list.end(), category);
}

Params lvis_params(IouType type, int max_dets) {
  Params p;  // IoU 0.50:0.05:0.95, 101 recall points, all/small/medium/large: as lvis-api
  p.iou_type = type;
  p.max_dets = {max_dets};
  return p;
}

std::vector<std::uint8_t> lvis_cap(const Detections& dt, std::size_t num_images, int max_dets) {
  const std::size_t n = dt.size();
  std::vector<std::uint8_t> keep(n, 1);
  if (max_dets < 0) return keep;
  const auto cap = static_cast<std::size_t>(max_dets);
  std::vector<std::uint64_t> count(num_images + 1, 0);
  for (std::size_t d = 0; d < n; ++d) ++count[dt.image[d] + 1];
  bool over = false;
  for (std::size_t i = 0; i < num_images; ++i) over |= count[i + 1] > cap;
  if (!over) return keep;
  // The detections of each image over the cap, in file order (a stable counting sort).
  for (std::size_t i = 0; i < num_images; ++i) count[i + 1] = count[i] + (count[i + 1] > cap ? count[i + 1] : 0);
  std::vector<std::uint32_t> idx(count[num_images]);
  std::vector<std::uint64_t> pos(count.begin(), count.end() - 1);
  for (std::size_t d = 0; d < n; ++d) {
    const std::uint32_t i = dt.image[d];
    if (count[i + 1] > count[i]) idx[pos[i]++] = static_cast<std::uint32_t>(d);
  }
  // Python's sorted(key=score, reverse=True) is stable: ties keep file order.
  for (std::size_t i = 0; i < num_images; ++i) {
    auto b = idx.begin() + static_cast<std::ptrdiff_t>(count[i]), e = idx.begin() + static_cast<std::ptrdiff_t>(count[i + 1]);
    if (b == e) continue;
    std::stable_sort(b, e, [&](std::uint32_t x, std::uint32_t y) { return dt.score[x] > dt.score[y]; });
    for (auto it = b + static_cast<std::ptrdiff_t>(cap); it < e; ++it) keep[*it] = 0;
  }
  return keep;
}

namespace {

bool loaded_area(double a) { return a > 0 && a < std::numeric_limits<double>::infinity(); }

// Per image, the categories of its evaluated GT (LVISEval's img_pl).
CategoryLists positive_lists(const GroundTruth& gt, const std::vector<std::uint32_t>& selected) {
  const std::size_t I = gt.images.size();
  CategoryLists out;
  out.offset.assign(I + 1, 0);
  for (std::uint32_t j : selected) ++out.offset[gt.image[j] + 1];
  for (std::size_t i = 0; i < I; ++i) out.offset[i + 1] += out.offset[i];
  out.items.resize(selected.size());
  std::vector<std::uint64_t> pos(out.offset.begin(), out.offset.end() - 1);
  for (std::uint32_t j : selected) out.items[pos[gt.image[j]]++] = gt.category[j];
  // Sort and drop repeats per image, compacting in place.
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < I; ++i) {
    auto b = out.items.begin() + static_cast<std::ptrdiff_t>(out.offset[i]);
    auto e = out.items.begin() + static_cast<std::ptrdiff_t>(out.offset[i + 1]);
    std::sort(b, e);
    e = std::unique(b, e);
    out.offset[i] = w;
    for (auto it = b; it != e; ++it) out.items[w++] = *it;
  }
  out.offset[I] = w;
  out.items.resize(w);
  return out;
}

void check_lists(const CategoryLists& l, std::size_t I, const char* what) {
  if (l.offset.size() != I + 1 || l.offset.back() != l.items.size())
    throw InputError::data(std::string("lvis: ") + what + " lists must have one entry per image");
}

}  // namespace

LvisEvaluation lvis_evaluate(const LvisGroundTruth& lg, const Detections& dt, const Params& params,
                             const EvalOptions& options) {
  check_params(params);
  if (params.max_dets.size() != 1) throw UsageError("lvis: expected exactly one maxDets value (the cap)");
  if (!params.use_cats) throw UsageError("lvis: categories must be used");
  if (params.iou_type != IouType::bbox && params.iou_type != IouType::segm)
    throw UsageError("lvis: the IoU type must be bbox or segm");
  for (const AreaRange& a : params.area_ranges)
    if (!(a.lo > -std::numeric_limits<double>::infinity()))
      throw UsageError("lvis: area ranges must start above -inf");
  const GroundTruth& gt = lg.gt;
  const std::size_t I = gt.images.size(), K = gt.categories.size();
  if (lg.frequency.size() != K || lg.ignore.size() != gt.size())
    throw InputError::data("lvis: one frequency per category and one ignore flag per annotation expected");
  check_lists(lg.negative, I, "negative");
  check_lists(lg.not_exhaustive, I, "not-exhaustive");
  const bool segm = params.iou_type == IouType::segm;
  if (segm && (gt.masks.size() != gt.size() || dt.masks.size() != dt.size()))
    throw InputError::data("lvis: segm needs one mask per annotation and detection");

  LvisEvaluation out;
  LvisCounts& n = out.counts;
  n.images = I;
  n.categories = K;
  n.gt = gt.size();
  n.dt = dt.size();
  constexpr double kOutside = -std::numeric_limits<double>::infinity();  // outside every area range

  // Ground truth: only 0 < area < inf is loaded (get_ann_ids' strict comparisons).
  GroundTruth g;
  g.images = gt.images;
  g.categories = gt.categories;
  for (std::size_t j = 0; j < gt.size(); ++j)
    if (loaded_area(gt.area[j])) out.gt_selected.push_back(static_cast<std::uint32_t>(j));
  const std::size_t ng = out.gt_selected.size();
  g.ann_id.reserve(ng); g.image.reserve(ng); g.category.reserve(ng); g.box.reserve(ng); g.area.reserve(ng);
  g.iscrowd.assign(ng, 0);
  for (std::uint32_t j : out.gt_selected) {
    g.ann_id.push_back(gt.ann_id[j]);
    g.image.push_back(gt.image[j]);
    g.category.push_back(gt.category[j]);
    g.box.push_back(gt.box[j]);
    g.area.push_back(lg.ignore[j] ? kOutside : gt.area[j]);
    if (segm) g.masks.append(gt.masks, j);
  }
  n.gt_evaluated = ng;

  // Detections: the cap first (on the raw results), then the area filter and the
  // federated filter: a category is evaluated on an image only where it is positive
  // (has evaluated GT there) or negative (`neg_category_ids`).
  const std::vector<std::uint8_t> keep = lvis_cap(dt, I, params.max_dets[0]);
  const CategoryLists positive = positive_lists(gt, out.gt_selected);
  for (std::size_t d = 0; d < dt.size(); ++d) {
    if (!keep[d]) continue;
    ++n.dt_after_cap;
    const std::uint32_t i = dt.image[d], c = dt.category[d];
    if (c == kUnknownCategory || !loaded_area(dt.area[d])) continue;
    if (positive.contains(i, c) || lg.negative.contains(i, c)) out.dt_selected.push_back(static_cast<std::uint32_t>(d));
  }
  const std::size_t nd = out.dt_selected.size();
  Detections e;
  e.image.reserve(nd); e.category.reserve(nd); e.score.reserve(nd); e.box.reserve(nd); e.area.reserve(nd);
  const bool mask_boxes = !dt.mask_box.empty();
  if (segm) e.masks.reserve(nd, 0);
  if (mask_boxes) e.mask_box.reserve(nd);
  for (std::uint32_t d : out.dt_selected) {
    const std::uint32_t i = dt.image[d], c = dt.category[d];
    e.image.push_back(i);
    e.category.push_back(c);
    e.score.push_back(dt.score[d]);
    e.box.push_back(dt.box[d]);
    // Unmatched detections of a not-exhaustive category are ignored in every range.
    e.area.push_back(lg.not_exhaustive.contains(i, c) ? kOutside : dt.area[d]);
    if (segm) e.masks.append(dt.masks, d);
    if (mask_boxes) e.mask_box.push_back(dt.mask_box[d]);
  }
  n.dt_evaluated = nd;

  // No per-category limit: after the cap no image, so no cell, has more than maxDets.
  out.eval = evaluate(g, e, params, options);
  out.evaluated_gt = std::move(g);
  out.evaluated_dt = std::move(e);

  std::size_t a_all = 0;
  for (std::size_t a = 0; a < out.eval.A; ++a)
    if (params.area_ranges[a].label == "all") { a_all = a; break; }
  for (std::size_t k = 0; k < K; ++k) n.categories_with_ap += out.eval.recall_at(0, k, a_all, 0) > -1;
  return out;
}

namespace {

// LVISEval._summarize: the mean over the selected entries > -1, in numpy's C order.
double summarize_one(const Evaluation& e, bool ap, const double* iou_thr, const std::string& area,
                     const std::vector<std::uint32_t>* group) {
  const Params& p = e.params;
  std::vector<double> sel;
  std::vector<std::size_t> as;
  for (std::size_t a = 0; a < e.A; ++a)
    if (p.area_ranges[a].label == area) as.push_back(a);
  for (std::size_t t = 0; t < e.T; ++t) {
    if (iou_thr && !(p.iou_thrs[t] == *iou_thr)) continue;
    if (!ap) {
      for (std::size_t k = 0; k < e.K; ++k)
        for (std::size_t a : as) sel.push_back(e.recall_at(t, k, a, 0));
      continue;
    }
    for (std::size_t r = 0; r < e.R; ++r) {
      if (group) {  // s[:, :, group, aidx]: the two index lists broadcast (aidx has one entry)
        if (as.empty()) continue;
        for (std::uint32_t k : *group) sel.push_back(e.precision_at(t, r, k, as[0], 0));
      } else {
        for (std::size_t k = 0; k < e.K; ++k)
          for (std::size_t a : as) sel.push_back(e.precision_at(t, r, k, a, 0));
      }
    }
  }
  return mean_valid(sel);
}

}  // namespace

LvisSummary lvis_summarize(const LvisEvaluation& le, const LvisGroundTruth& gt) {
  const Evaluation& e = le.eval;
  const Params& p = e.params;
  std::vector<std::uint32_t> groups[3];
  for (std::size_t k = 0; k < gt.frequency.size(); ++k)
    groups[static_cast<int>(gt.frequency[k])].push_back(static_cast<std::uint32_t>(k));
  const double i50 = 0.5, i75 = 0.75;
  const std::string n = std::to_string(p.max_dets[0]);
  LvisSummary s;
  s.results = {{"AP", summarize_one(e, true, nullptr, "all", nullptr)},
               {"AP50", summarize_one(e, true, &i50, "all", nullptr)},
               {"AP75", summarize_one(e, true, &i75, "all", nullptr)},
               {"APs", summarize_one(e, true, nullptr, "small", nullptr)},
               {"APm", summarize_one(e, true, nullptr, "medium", nullptr)},
               {"APl", summarize_one(e, true, nullptr, "large", nullptr)},
               {"APr", summarize_one(e, true, nullptr, "all", &groups[0])},
               {"APc", summarize_one(e, true, nullptr, "all", &groups[1])},
               {"APf", summarize_one(e, true, nullptr, "all", &groups[2])},
               {"AR@" + n, summarize_one(e, false, nullptr, "all", nullptr)},
               {"ARs@" + n, summarize_one(e, false, nullptr, "small", nullptr)},
               {"ARm@" + n, summarize_one(e, false, nullptr, "medium", nullptr)},
               {"ARl@" + n, summarize_one(e, false, nullptr, "large", nullptr)}};
  // print_results(): the IoU, area and category-group columns come from the key's third
  // character ("AP50": IoU 0.50; "APs": area s; "APr": catIds r).
  char all_iou[64];
  std::snprintf(all_iou, sizeof all_iou, "%0.2f:%0.2f", p.iou_thrs.front(), p.iou_thrs.back());
  for (const auto& [key, value] : s.results) {
    const bool is_ap = key.find("AP") != std::string::npos;
    const char c2 = key.size() > 2 ? key[2] : '\0';
    char iou[64];
    if (c2 >= '0' && c2 <= '9')
      std::snprintf(iou, sizeof iou, "%0.2f", std::stod(key.substr(2)) / 100);
    else
      std::snprintf(iou, sizeof iou, "%s", all_iou);
    const std::string group = (c2 == 'r' || c2 == 'c' || c2 == 'f') ? std::string(1, c2) : "all";
    const std::string area = (c2 == 's' || c2 == 'm' || c2 == 'l') ? std::string(1, c2) : "all";
    char line[256];
    std::snprintf(line, sizeof line, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d catIds=%3s] = %0.3f\n",
                  is_ap ? "Average Precision" : "Average Recall", is_ap ? "(AP)" : "(AR)", iou, area.c_str(),
                  p.max_dets[0], group.c_str(), value);
    s.text += line;
  }
  return s;
}

double lvis_result(const LvisSummary& s, const std::string& key) {
  for (const auto& [k, v] : s.results)
    if (k == key) return v;
  return -1;
}

}  // namespace deteval
