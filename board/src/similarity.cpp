#include "deteval/board/similarity.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include <tbb/parallel_for.h>

#include "deteval/box.hpp"
#include "deteval/mask.hpp"
#include "deteval/rle.hpp"

namespace deteval::board {

namespace {

// Indices of `dt` ordered by (image, category), then by decreasing score, then file order.
std::vector<std::uint32_t> grouped_order(const Detections& dt) {
  std::vector<std::uint32_t> order(dt.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
    if (dt.image[x] != dt.image[y]) return dt.image[x] < dt.image[y];
    if (dt.category[x] != dt.category[y]) return dt.category[x] < dt.category[y];
    if (dt.score[x] != dt.score[y]) return dt.score[x] > dt.score[y];
    return x < y;
  });
  return order;
}

bool boxes_overlap(const Box& p, const Box& q) {
  return p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;
}

// Ranks 1..n with ties given their average rank.
std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<std::size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) { return v[x] < v[y]; });
  std::vector<double> rank(v.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    const double r = (static_cast<double>(i + j) / 2) + 1;
    for (std::size_t k = i; k <= j; ++k) rank[idx[k]] = r;
    i = j + 1;
  }
  return rank;
}

std::optional<double> spearman(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() < 3) return std::nullopt;
  const auto rx = average_ranks(x), ry = average_ranks(y);
  const double n = static_cast<double>(x.size()), mean = (n + 1) / 2;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  if (sxx == 0 || syy == 0) return std::nullopt;  // all scores tied on a side: no ranking to compare
  return sxy / std::sqrt(sxx * syy);
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h = (h ^ (h >> 31)) * 0x7fb5d329728ea185ULL;
  return h ^ (h >> 27);
}

// Cell of the quantisation grid: 1/8 of the box's larger side rounded down to a power of
// two, so boxes within a few percent of each other mostly share every coordinate's cell.
std::uint64_t box_key(const Box& b) {
  const double side = std::max({b.w, b.h, 1.0});
  const int level = std::ilogb(side);
  const double cell = std::ldexp(1.0, level - 3);
  auto cellof = [&](double v) { return static_cast<std::uint64_t>(static_cast<std::int64_t>(std::floor(v / cell))); };
  std::uint64_t h = mix(static_cast<std::uint64_t>(level), cellof(b.x));
  h = mix(h, cellof(b.y));
  h = mix(h, cellof(b.w));
  return mix(h, cellof(b.h));
}

}  // namespace

Similarity compare_detections(const Detections& a, const Detections& b, IouType type, double min_iou) {
  Similarity s;
  s.detections_a = a.size();
  s.detections_b = b.size();
  const bool masks = type == IouType::segm && !a.masks.empty() && !b.masks.empty();
  const auto oa = grouped_order(a), ob = grouped_order(b);
  std::vector<double> score_a, score_b;
  std::vector<std::uint8_t> taken;
  std::vector<Rle> b_masks;
  std::vector<std::uint32_t> scratch;
  std::size_t i = 0, j = 0;
  auto group = [](const Detections& d, std::uint32_t k) { return (std::uint64_t{d.image[k]} << 32) | d.category[k]; };
  while (i < oa.size() && j < ob.size()) {
    const std::uint64_t ga = group(a, oa[i]), gb = group(b, ob[j]);
    if (ga != gb) {
      (ga < gb ? i : j) += 1;
      continue;
    }
    std::size_t ie = i, je = j;
    while (ie < oa.size() && group(a, oa[ie]) == ga) ++ie;
    while (je < ob.size() && group(b, ob[je]) == ga) ++je;
    // b's group in file order, so ties go to the earliest detection.
    std::vector<std::uint32_t> bs(ob.begin() + static_cast<std::ptrdiff_t>(j), ob.begin() + static_cast<std::ptrdiff_t>(je));
    std::sort(bs.begin(), bs.end());
    taken.assign(bs.size(), 0);
    if (masks) {
      b_masks.clear();
      for (std::uint32_t k : bs) {
        const RleView v = b.masks.view(k, scratch);
        b_masks.push_back(Rle{v.height, v.width, std::vector<std::uint32_t>(v.counts.begin(), v.counts.end())});
      }
    }
    for (std::size_t x = i; x < ie; ++x) {
      const std::uint32_t da = oa[x];
      double best = min_iou;
      std::ptrdiff_t pick = -1;
      RleView va;
      if (masks) va = a.masks.view(da, scratch);
      for (std::size_t y = 0; y < bs.size(); ++y) {
        if (taken[y]) continue;
        double iou;
        if (masks) {
          if (!boxes_overlap(a.box[da], b.box[bs[y]])) continue;
          iou = rle_iou(va, b_masks[y], false);
        } else {
          iou = box_iou(a.box[da], b.box[bs[y]], false);
        }
        if (iou >= best && (pick < 0 || iou > best)) best = iou, pick = static_cast<std::ptrdiff_t>(y);
      }
      if (pick < 0) continue;
      taken[static_cast<std::size_t>(pick)] = 1;
      score_a.push_back(a.score[da]);
      score_b.push_back(b.score[bs[static_cast<std::size_t>(pick)]]);
    }
    i = ie;
    j = je;
  }
  s.matched = score_a.size();
  if (s.detections_a) s.fraction_a = static_cast<double>(s.matched) / static_cast<double>(s.detections_a);
  if (s.detections_b) s.fraction_b = static_cast<double>(s.matched) / static_cast<double>(s.detections_b);
  s.rank_correlation = spearman(score_a, score_b);
  return s;
}

DetectionSketch sketch_detections(const Detections& dt, const GroundTruth& gt) {
  std::vector<std::uint64_t> keys(dt.size());
  for (std::size_t j = 0; j < dt.size(); ++j) {
    const auto image = static_cast<std::uint64_t>(gt.images[dt.image[j]].id);
    const auto category = static_cast<std::uint64_t>(gt.categories[dt.category[j]].id);
    keys[j] = mix(mix(image, category), box_key(dt.box[j]));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  DetectionSketch s;
  s.keys = keys.size();
  s.minima.assign(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), kSketchSize)));
  return s;
}

double estimated_similarity(const DetectionSketch& a, const DetectionSketch& b) {
  // The kSketchSize smallest keys of the union, and how many of them both hold.
  std::size_t i = 0, j = 0, taken = 0, both = 0;
  while (taken < kSketchSize && (i < a.minima.size() || j < b.minima.size())) {
    if (j == b.minima.size() || (i < a.minima.size() && a.minima[i] < b.minima[j])) {
      ++i;
    } else if (i == a.minima.size() || b.minima[j] < a.minima[i]) {
      ++j;
    } else {
      ++i, ++j, ++both;
    }
    ++taken;
  }
  if (taken == 0) return 0;
  const double jaccard = static_cast<double>(both) / static_cast<double>(taken);
  const double shared = jaccard * static_cast<double>(a.keys + b.keys) / (1 + jaccard);
  return shared / static_cast<double>(std::max(a.keys, b.keys));
}

std::vector<std::pair<std::size_t, std::size_t>> candidate_pairs(const std::vector<DetectionSketch>& sketches,
                                                                 const std::vector<std::size_t>& owner, double floor) {
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> per_row(sketches.size());
  tbb::parallel_for(std::size_t{0}, sketches.size(), [&](std::size_t i) {
    for (std::size_t j = i + 1; j < sketches.size(); ++j) {
      if (owner[i] == owner[j]) continue;
      const auto lo = std::min(sketches[i].keys, sketches[j].keys), hi = std::max(sketches[i].keys, sketches[j].keys);
      if (hi == 0 || static_cast<double>(lo) < floor * static_cast<double>(hi)) continue;  // cannot share enough
      if (estimated_similarity(sketches[i], sketches[j]) >= floor) per_row[i].emplace_back(i, j);
    }
  });
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const auto& row : per_row) out.insert(out.end(), row.begin(), row.end());
  return out;
}

std::string sketch_to_bytes(const DetectionSketch& s) {
  std::string out(8 * (1 + s.minima.size()), '\0');
  std::memcpy(out.data(), &s.keys, 8);
  if (!s.minima.empty()) std::memcpy(out.data() + 8, s.minima.data(), 8 * s.minima.size());
  return out;
}

std::optional<DetectionSketch> sketch_from_bytes(std::string_view bytes) {
  if (bytes.size() < 8 || bytes.size() % 8 != 0 || bytes.size() / 8 - 1 > kSketchSize) return std::nullopt;
  DetectionSketch s;
  std::memcpy(&s.keys, bytes.data(), 8);
  s.minima.resize(bytes.size() / 8 - 1);
  if (!s.minima.empty()) std::memcpy(s.minima.data(), bytes.data() + 8, bytes.size() - 8);
  if (!std::is_sorted(s.minima.begin(), s.minima.end()) || s.minima.size() > s.keys) return std::nullopt;
  return s;
}

}  // namespace deteval::board
