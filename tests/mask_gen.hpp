// Random masks as runs (never bitmaps, so 4000 x 4000 is cheap) for the tests of
// mask-count backends: the CUDA backend on a GPU (cuda_test.cpp) and its host
// emulation (cuda_emulation_test.cpp), both against mask_iou_counts_cpu.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "deteval/mask.hpp"
#include "deteval/mask_iou.hpp"
#include "deteval/rle.hpp"

namespace deteval::test {

/// A mask of h x w with about `runs` runs; `zero_runs` allows empty runs inside
/// (valid RLE that pycocotools accepts, just not canonical).
inline Rle random_rle(std::mt19937& rng, std::uint32_t h, std::uint32_t w, std::uint32_t runs, bool zero_runs) {
  const std::uint64_t n = std::uint64_t{h} * w;
  std::vector<std::uint64_t> cuts;
  std::uniform_int_distribution<std::uint64_t> pos(0, n);
  for (std::uint32_t i = 0; i + 1 < runs; ++i) cuts.push_back(pos(rng));
  std::sort(cuts.begin(), cuts.end());
  if (!zero_runs) cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  Rle r{h, w, {}};
  std::uint64_t prev = 0;
  for (std::uint64_t c : cuts) {
    r.counts.push_back(static_cast<std::uint32_t>(c - prev));
    prev = c;
  }
  r.counts.push_back(static_cast<std::uint32_t>(n - prev));
  if (!zero_runs) {  // drop empty runs by merging neighbours (keeps the leading 0-run)
    Rle c{h, w, {r.counts[0]}};
    for (std::size_t i = 1; i < r.counts.size(); ++i) {
      if (r.counts[i] == 0 && i + 1 < r.counts.size()) {
        c.counts.back() += r.counts[++i];
        continue;
      }
      c.counts.push_back(r.counts[i]);
    }
    r = c;
  }
  return r;
}

/// A filled axis-aligned rectangle (column-major runs), for overlapping shapes.
inline Rle rect_rle(std::uint32_t h, std::uint32_t w, std::uint32_t x0, std::uint32_t y0, std::uint32_t x1,
                    std::uint32_t y1) {
  std::vector<std::uint8_t> col(h);
  Rle r{h, w, {}};
  std::uint32_t run = 0;
  bool value = false;
  for (std::uint32_t x = 0; x < w; ++x)
    for (std::uint32_t y = 0; y < h; ++y) {
      const bool v = x >= x0 && x < x1 && y >= y0 && y < y1;
      if (v != value) {
        r.counts.push_back(run);
        run = 0;
        value = v;
      }
      ++run;
    }
  r.counts.push_back(run);
  return r;
}

/// Detections and ground truths of many sizes, each held as runs or compressed, and
/// pairs of masks of one size with random crowd flags: the randomized stress batch.
struct StressBatch {
  RleStore dts, gts;
  std::vector<MaskPair> pairs;
};

inline StressBatch stress_batch(std::uint32_t seed, std::size_t pairs_per_size = 400) {
  std::mt19937 rng(seed);
  const std::array<std::array<std::uint32_t, 2>, 9> sizes = {{
      {1, 1}, {1, 4000}, {4000, 1}, {2, 3}, {37, 53}, {480, 640}, {1024, 1024}, {4000, 4000}, {0, 5}}};
  StressBatch b;
  for (const auto& s : sizes) {
    const std::uint32_t h = s[0], w = s[1];
    const std::uint64_t n = std::uint64_t{h} * w;
    const std::uint32_t max_runs = static_cast<std::uint32_t>(std::min<std::uint64_t>(n + 1, 3000));
    auto make = [&](int kind) -> Rle {
      switch (kind) {
        case 0: return Rle{h, w, {static_cast<std::uint32_t>(n)}};  // empty
        case 1: return n ? Rle{h, w, {0, static_cast<std::uint32_t>(n)}} : Rle{h, w, {0}};  // full
        case 2: {  // a rectangle
          if (!h || !w) return Rle{h, w, {0}};
          std::uniform_int_distribution<std::uint32_t> xs(0, w), ys(0, h);
          std::uint32_t x0 = xs(rng), x1 = xs(rng), y0 = ys(rng), y1 = ys(rng);
          if (x0 > x1) std::swap(x0, x1);
          if (y0 > y1) std::swap(y0, y1);
          return h * std::uint64_t{w} <= 1u << 21 ? rect_rle(h, w, x0, y0, x1, y1)
                                                  : random_rle(rng, h, w, 1 + rng() % max_runs, false);
        }
        default:
          return random_rle(rng, h, w, 1 + rng() % max_runs, kind == 4);
      }
    };
    const std::uint32_t d0 = static_cast<std::uint32_t>(b.dts.size()), g0 = static_cast<std::uint32_t>(b.gts.size());
    const std::uint32_t nd = n > (1u << 22) ? 12 : 40, ng = n > (1u << 22) ? 8 : 25;
    for (std::uint32_t i = 0; i < nd + ng; ++i) {
      const Rle r = make(static_cast<int>(i % 5));
      RleStore& store = i < nd ? b.dts : b.gts;
      if (rng() % 2) store.push_back_compressed(rle_to_string(r), h, w);
      else store.push_back(r);
    }
    for (std::size_t k = 0; k < pairs_per_size; ++k)
      b.pairs.push_back({d0 + static_cast<std::uint32_t>(rng() % nd), g0 + static_cast<std::uint32_t>(rng() % ng),
                         static_cast<std::uint8_t>(rng() % 3 == 0)});
  }
  // Grouped by detection, as the provider hands them over (not required).
  std::stable_sort(b.pairs.begin(), b.pairs.end(), [](const MaskPair& x, const MaskPair& y) { return x.dt < y.dt; });
  return b;
}

}  // namespace deteval::test
