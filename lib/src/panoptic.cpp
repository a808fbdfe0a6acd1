// Panoptic quality: per-image pair counting and matching, ordered accumulation, averages.
#include "deteval/panoptic.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include "deteval/detail/pair_counter.hpp"
#include "deteval/error.hpp"

namespace deteval {

namespace {

// Counts runs of equal pairs: label maps are mostly long runs, so the table sees one add per
// run, and a run is scanned eight pixels at a time (a branch-free block the compiler vectorises).
void count_pairs(const std::uint32_t* gt, const std::uint32_t* pred, std::size_t n, detail::PairCounter& out) {
  std::size_t i = 0;
  while (i < n) {
    const std::uint32_t g = gt ? gt[i] : 0, p = pred[i];
    std::size_t j = i + 1;
    if (gt) {
      for (; j + 8 <= n; j += 8) {
        std::uint32_t diff = 0;
        for (std::size_t k = 0; k < 8; ++k) diff |= (gt[j + k] ^ g) | (pred[j + k] ^ p);
        if (diff) break;
      }
      while (j < n && gt[j] == g && pred[j] == p) ++j;
    } else {
      for (; j + 8 <= n; j += 8) {
        std::uint32_t diff = 0;
        for (std::size_t k = 0; k < 8; ++k) diff |= pred[j + k] ^ p;
        if (diff) break;
      }
      while (j < n && pred[j] == p) ++j;
    }
    out.add(g, p, j - i);
    i = j;
  }
}

// The count of a pair, 0 when absent (binary search: the matching asks a few times per segment).
std::uint64_t pair_count(std::span<const PanopticPairCount> pairs, std::uint32_t g, std::uint32_t p) {
  auto it = std::lower_bound(pairs.begin(), pairs.end(), std::make_pair(g, p), [](const PanopticPairCount& c, const auto& k) {
    return c.gt != k.first ? c.gt < k.first : c.pred < k.second;
  });
  return it != pairs.end() && it->gt == g && it->pred == p ? it->pixels : 0;
}

// segments_info as panopticapi's dict {id: segment}: one entry per id, at the position of
// its first listing, with the values of its last.
struct SegmentDict {
  std::vector<std::uint32_t> order;                          // segment indices, dict order
  std::vector<std::pair<std::uint32_t, std::uint32_t>> by_id;  // (id, segment index), by id

  explicit SegmentDict(std::span<const PanopticSegment> segs) {
    std::vector<std::uint32_t> idx(segs.size());
    std::iota(idx.begin(), idx.end(), 0u);
    std::stable_sort(idx.begin(), idx.end(), [&](std::uint32_t a, std::uint32_t b) { return segs[a].id < segs[b].id; });
    std::vector<std::pair<std::uint32_t, std::uint32_t>> first_last;  // (first position, last index)
    for (std::size_t i = 0; i < idx.size();) {
      std::size_t j = i;
      while (j + 1 < idx.size() && segs[idx[j + 1]].id == segs[idx[i]].id) ++j;
      by_id.emplace_back(segs[idx[i]].id, idx[j]);
      first_last.emplace_back(idx[i], idx[j]);
      i = j + 1;
    }
    std::sort(first_last.begin(), first_last.end());
    for (const auto& fl : first_last) order.push_back(fl.second);
  }
  /// The segment index of `id`, or -1.
  std::int64_t find(std::uint32_t id) const {
    auto it = std::lower_bound(by_id.begin(), by_id.end(), std::make_pair(id, std::uint32_t{0}));
    return it != by_id.end() && it->first == id ? std::int64_t(it->second) : -1;
  }
};

}  // namespace

std::string describe(const PanopticIssue& issue) {
  using K = PanopticIssue::Kind;
  switch (issue.kind) {
    case K::none:
      return "";
    case K::unlisted_pred_id:
      return "segment id " + std::to_string(issue.segment_id) +
             " is in the prediction's label map but not in its segments_info";
    case K::unknown_category:
      return "segment id " + std::to_string(issue.segment_id) + " has category_id " +
             std::to_string(issue.category_id) + ", which is not among the ground truth's categories";
    case K::absent_pred_ids: {
      std::string ids;
      for (std::uint32_t id : issue.absent_ids) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
      return std::string(issue.absent_ids.size() == 1 ? "segment id " : "segment ids ") + ids +
             (issue.absent_ids.size() == 1 ? " is" : " are") +
             " in the prediction's segments_info but not in its label map";
    }
    case K::size_mismatch:
      return "the ground truth and the prediction differ in size";
  }
  return "";
}

PanopticCategories::PanopticCategories(std::vector<PanopticCategory> categories) : list_(std::move(categories)) {
  for (std::size_t k = 0; k < list_.size(); ++k) sorted_.emplace_back(list_[k].id, std::uint32_t(k));
  std::sort(sorted_.begin(), sorted_.end());
  for (std::size_t i = 1; i < sorted_.size(); ++i)
    if (sorted_[i].first == sorted_[i - 1].first)
      throw InputError::data("panoptic categories: id " + std::to_string(sorted_[i].first) + " is listed twice");
}

std::int64_t PanopticCategories::find(std::int64_t id) const {
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::make_pair(id, std::uint32_t{0}));
  return it != sorted_.end() && it->first == id ? std::int64_t(it->second) : -1;
}

PanopticImageResult panoptic_match_image(const PanopticImageView& image, const PanopticCategories& categories) {
  const bool same_size = image.gt.width == image.pred.width && image.gt.height == image.pred.height;
  thread_local detail::PairCounter counter;  // kept between images: no allocation per image
  thread_local std::vector<PanopticPairCount> pairs;
  counter.clear();
  // With maps of different sizes only the prediction's checks (which come first) can run.
  count_pairs(same_size ? image.gt.ids : nullptr, image.pred.ids, image.pred.pixels(), counter);
  counter.sorted(pairs);
  return panoptic_match_pairs(pairs, same_size, image.gt_segments, image.pred_segments, categories);
}

PanopticImageResult panoptic_match_pairs(std::span<const PanopticPairCount> sorted, bool same_size,
                                         std::span<const PanopticSegment> gt_segments,
                                         std::span<const PanopticSegment> pred_segments,
                                         const PanopticCategories& categories) {
  using K = PanopticIssue::Kind;
  PanopticImageResult r;
  // Prediction ids and their pixel counts, ascending.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> pred_count;
  pred_count.reserve(sorted.size());
  for (const PanopticPairCount& c : sorted) pred_count.emplace_back(c.pred, c.pixels);
  std::sort(pred_count.begin(), pred_count.end());
  std::size_t w = 0;
  for (std::size_t i = 0; i < pred_count.size(); ++i) {
    if (w && pred_count[w - 1].first == pred_count[i].first)
      pred_count[w - 1].second += pred_count[i].second;
    else
      pred_count[w++] = pred_count[i];
  }
  pred_count.resize(w);

  const SegmentDict pred(pred_segments), gt(gt_segments);
  std::vector<std::uint64_t> pred_area(pred_segments.size(), 0);
  std::vector<char> pred_seen(pred_segments.size(), 0);
  for (const auto& [id, n] : pred_count) {
    const std::int64_t s = pred.find(id);
    if (s < 0) {
      if (id == 0) continue;
      r.issue.kind = K::unlisted_pred_id;
      r.issue.segment_id = id;
      return r;
    }
    pred_area[std::size_t(s)] = n;
    pred_seen[std::size_t(s)] = 1;
    const PanopticSegment& seg = pred_segments[std::size_t(s)];
    if (categories.find(seg.category_id) < 0) {
      r.issue.kind = K::unknown_category;
      r.issue.segment_id = id;
      r.issue.category_id = seg.category_id;
      return r;
    }
  }
  for (std::uint32_t s : pred.order)
    if (!pred_seen[s]) r.issue.absent_ids.push_back(pred_segments[s].id);
  if (!r.issue.absent_ids.empty()) {
    r.issue.kind = K::absent_pred_ids;
    return r;
  }
  if (!same_size) {
    r.issue.kind = K::size_mismatch;
    return r;
  }

  // GT pixel counts (for segments without an area of their own).
  std::vector<std::uint64_t> gt_pixels(gt_segments.size(), 0);
  for (const PanopticPairCount& c : sorted) {
    const std::int64_t s = gt.find(c.gt);
    if (s >= 0) gt_pixels[std::size_t(s)] += c.pixels;
  }

  std::vector<char> gt_matched(gt_segments.size(), 0), pred_matched(pred_segments.size(), 0);
  for (const PanopticPairCount& c : sorted) {
    const std::uint64_t inter = c.pixels;
    const std::int64_t gs = gt.find(c.gt);
    if (gs < 0) continue;
    const std::int64_t ps = pred.find(c.pred);
    if (ps < 0) continue;
    const PanopticSegment& g = gt_segments[std::size_t(gs)];
    const PanopticSegment& p = pred_segments[std::size_t(ps)];
    if (g.iscrowd || g.category_id != p.category_id) continue;
    const double gt_area = std::isnan(g.area) ? double(gt_pixels[std::size_t(gs)]) : g.area;
    const std::uint64_t on_void = pair_count(sorted, 0, p.id);
    // panopticapi's expression, left to right (exact for integer areas below 2^53).
    const double uni = double(pred_area[std::size_t(ps)]) + gt_area - double(inter) - double(on_void);
    const double iou = double(inter) / uni;
    if (iou > 0.5) {
      r.matches.push_back({std::uint32_t(categories.find(g.category_id)), iou});
      gt_matched[std::size_t(gs)] = 1;
      pred_matched[std::size_t(ps)] = 1;
    }
  }

  std::vector<std::pair<std::int64_t, std::uint32_t>> crowd_of;  // (category, GT id): the last listed
  for (std::uint32_t s : gt.order) {
    if (gt_matched[s]) continue;
    const PanopticSegment& g = gt_segments[s];
    if (g.iscrowd) {
      auto it = std::find_if(crowd_of.begin(), crowd_of.end(), [&](const auto& c) { return c.first == g.category_id; });
      if (it != crowd_of.end())
        it->second = g.id;
      else
        crowd_of.emplace_back(g.category_id, g.id);
      continue;
    }
    const std::int64_t k = categories.find(g.category_id);
    if (k >= 0) r.false_negatives.push_back(std::uint32_t(k));
  }

  for (std::uint32_t s : pred.order) {
    if (pred_matched[s]) continue;
    const PanopticSegment& p = pred_segments[s];
    std::uint64_t x = pair_count(sorted, 0, p.id);
    for (const auto& [cat, crowd_id] : crowd_of)
      if (cat == p.category_id) x += pair_count(sorted, crowd_id, p.id);
    if (double(x) / double(pred_area[s]) > 0.5) continue;
    r.false_positives.push_back(std::uint32_t(categories.find(p.category_id)));
  }
  return r;
}

void panoptic_add(std::vector<PanopticClassStats>& totals, const PanopticImageResult& image) {
  for (const auto& m : image.matches) {
    totals[m.category].tp += 1;
    totals[m.category].iou_sum += m.iou;
  }
  for (std::uint32_t k : image.false_negatives) totals[k].fn += 1;
  for (std::uint32_t k : image.false_positives) totals[k].fp += 1;
}

PanopticResult panoptic_summarize(const PanopticCategories& categories, std::vector<PanopticClassStats> totals,
                                  std::size_t num_images) {
  if (totals.size() != categories.size())
    throw InputError::data("panoptic_summarize: one total per category expected");
  PanopticResult r;
  r.categories = categories.list();
  r.stats = std::move(totals);
  r.num_images = num_images;
  r.per_class.resize(r.categories.size());
  PanopticQuality sum_all, sum_things, sum_stuff;
  for (std::size_t k = 0; k < r.categories.size(); ++k) {
    const PanopticClassStats& c = r.stats[k];
    if (c.tp + c.fp + c.fn == 0) continue;
    // pq_average's expressions: tp + 0.5 fp + 0.5 fn, left to right.
    const double denom = double(c.tp) + 0.5 * double(c.fp) + 0.5 * double(c.fn);
    PanopticQuality& q = r.per_class[k];
    q.pq = c.iou_sum / denom;
    q.sq = c.tp ? c.iou_sum / double(c.tp) : 0.0;
    q.rq = double(c.tp) / denom;
    for (auto [sum, group] : {std::pair{&sum_all, &r.all},
                              r.categories[k].isthing ? std::pair{&sum_things, &r.things}
                                                      : std::pair{&sum_stuff, &r.stuff}}) {
      sum->pq += q.pq;
      sum->sq += q.sq;
      sum->rq += q.rq;
      group->n += 1;
    }
  }
  for (auto [sum, group] : {std::pair{&sum_all, &r.all}, std::pair{&sum_things, &r.things},
                            std::pair{&sum_stuff, &r.stuff}}) {
    group->defined = group->n > 0;
    if (!group->defined) continue;
    const double n = double(group->n);
    group->q = {sum->pq / n, sum->sq / n, sum->rq / n};
  }
  return r;
}

PanopticResult evaluate_panoptic(const std::vector<PanopticCategory>& categories,
                                 std::span<const PanopticImageView> images, int threads, const CancelFlag* cancel) {
  const PanopticCategories cats(categories);
  std::vector<PanopticImageResult> results(images.size());
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, images.size()), [&](const auto& range) {
      for (std::size_t i = range.begin(); i < range.end(); ++i) {
        check_cancel(cancel);
        results[i] = panoptic_match_image(images[i], cats);
      }
    });
  });
  std::vector<PanopticClassStats> totals(cats.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].issue.kind != PanopticIssue::Kind::none)
      throw InputError::data("panoptic image " + std::to_string(i) + ": " + describe(results[i].issue));
    panoptic_add(totals, results[i]);
  }
  return panoptic_summarize(cats, std::move(totals), images.size());
}

std::string panoptic_table(const PanopticResult& r) {
  char line[128];
  std::string out;
  std::snprintf(line, sizeof line, "%-10s| %5s  %5s  %5s %5s\n", "", "PQ", "SQ", "RQ", "N");
  out += line;
  out += std::string(38, '-') + "\n";
  for (auto [name, g] : {std::pair{"All", &r.all}, std::pair{"Things", &r.things}, std::pair{"Stuff", &r.stuff}}) {
    if (g->defined)
      std::snprintf(line, sizeof line, "%-10s| %5.1f  %5.1f  %5.1f %5zu\n", name, 100 * g->q.pq, 100 * g->q.sq,
                    100 * g->q.rq, g->n);
    else
      std::snprintf(line, sizeof line, "%-10s| %5s  %5s  %5s %5zu\n", name, "-", "-", "-", g->n);
    out += line;
  }
  return out;
}

}  // namespace deteval
