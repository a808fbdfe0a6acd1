// Counting (ground truth, prediction) value pairs of two label maps: the hot loop of every
// semantic evaluation. Internal to lib/.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "deteval/semantic.hpp"

namespace deteval::detail {

/// Counts of each (g, p) pair that occurs, visited in ascending (g, p) order.
struct PairHistogram {
  // Dense: a (max_g + 1) x (max_p + 1) table (8-bit maps: at most 256 x 256).
  std::uint32_t max_g = 0, max_p = 0;
  std::vector<std::uint64_t> dense;
  // Sparse, for maps with large values: key g << 32 | p.
  std::unordered_map<std::uint64_t, std::uint64_t> sparse;
  bool is_dense = true;

  template <class F>
  void for_each(F&& f) const {
    if (is_dense) {
      const std::size_t stride = std::size_t(max_p) + 1;
      for (std::size_t i = 0; i < dense.size(); ++i)
        if (dense[i]) f(std::uint32_t(i / stride), std::uint32_t(i % stride), dense[i]);
      return;
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> v(sparse.begin(), sparse.end());
    std::sort(v.begin(), v.end());
    for (const auto& [k, n] : v) f(std::uint32_t(k >> 32), std::uint32_t(k), n);
  }
};

template <class T>
std::uint32_t max_value(const T* a, std::size_t n) {
  T m = 0;
  for (std::size_t i = 0; i < n; ++i) m = std::max(m, a[i]);  // vectorises
  return m;
}

inline std::uint32_t max_value(LabelView v) {
  if (v.bytes == 1) return max_value(static_cast<const std::uint8_t*>(v.data), v.pixels());
  if (v.bytes == 2) return max_value(static_cast<const std::uint16_t*>(v.data), v.pixels());
  return max_value(static_cast<const std::uint32_t*>(v.data), v.pixels());
}

// Runs of equal pairs are counted together: label maps are mostly long runs, and adding
// once per run avoids the chain of increments on one table slot.
template <class G, class P, class Add>
void count_runs(const G* g, const P* p, std::size_t n, Add&& add) {
  if (n == 0) return;
  G cg = g[0];
  P cp = p[0];
  std::uint64_t run = 1;
  std::size_t i = 1;
  for (;;) {
    // Whole blocks of 32 inside the run are checked without a branch per pixel.
    while (i + 32 <= n) {
      unsigned diff = 0;
      for (std::size_t k = 0; k < 32; ++k) diff |= unsigned(g[i + k] ^ cg) | unsigned(p[i + k] ^ cp);
      if (diff) break;
      run += 32;
      i += 32;
    }
    const std::size_t stop = std::min(n, i + 32);
    for (; i < stop; ++i) {
      if (g[i] == cg && p[i] == cp) {
        ++run;
        continue;
      }
      add(cg, cp, run);
      cg = g[i];
      cp = p[i];
      run = 1;
    }
    if (i >= n) break;
  }
  add(cg, cp, run);
}

template <class G, class P>
void count_pairs_typed(const G* g, const P* p, std::size_t n, PairHistogram& h) {
  h.max_g = max_value(g, n);
  h.max_p = max_value(p, n);
  const std::uint64_t cells = (std::uint64_t(h.max_g) + 1) * (std::uint64_t(h.max_p) + 1);
  h.is_dense = cells <= (std::uint64_t(1) << 18);
  if (h.is_dense) {
    h.dense.assign(cells, 0);
    const std::size_t stride = std::size_t(h.max_p) + 1;
    std::uint64_t* t = h.dense.data();
    count_runs(g, p, n, [&](G a, P b, std::uint64_t k) { t[std::size_t(a) * stride + b] += k; });
  } else {
    count_runs(g, p, n, [&](G a, P b, std::uint64_t k) { h.sparse[std::uint64_t(a) << 32 | b] += k; });
  }
}

/// Counts the pairs of two maps of equal size.
inline void count_pairs(LabelView gt, LabelView pred, PairHistogram& h) {
  const std::size_t n = gt.pixels();
  auto with_pred = [&](const auto* g) {
    if (pred.bytes == 1) count_pairs_typed(g, static_cast<const std::uint8_t*>(pred.data), n, h);
    else if (pred.bytes == 2) count_pairs_typed(g, static_cast<const std::uint16_t*>(pred.data), n, h);
    else count_pairs_typed(g, static_cast<const std::uint32_t*>(pred.data), n, h);
  };
  if (gt.bytes == 1) with_pred(static_cast<const std::uint8_t*>(gt.data));
  else if (gt.bytes == 2) with_pred(static_cast<const std::uint16_t*>(gt.data));
  else with_pred(static_cast<const std::uint32_t*>(gt.data));
}

/// The first pixel (row-major) where gt == g and pred == p.
inline std::size_t first_pixel(LabelView gt, LabelView pred, std::uint32_t g, std::uint32_t p) {
  for (std::size_t i = 0, n = gt.pixels(); i < n; ++i)
    if (gt[i] == g && pred[i] == p) return i;
  return 0;
}

}  // namespace deteval::detail
