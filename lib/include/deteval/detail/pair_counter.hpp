// Pixel counts of (GT id, prediction id) pairs of one panoptic image: lib/src/panoptic.cpp
// counts id maps with it, formats/src/panoptic_pairs.cpp PNG rows while decoding them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "deteval/panoptic.hpp"

namespace deteval::detail {

/// Open addressing over 64-bit keys (GT id in the high half). Counts are never 0 once a key
/// is in, so 0 marks an empty slot. Meant to live across images: clear() empties only the
/// slots used, and the table keeps its size.
class PairCounter {
 public:
  PairCounter() : keys_(kInitial), counts_(kInitial) {}

  void add(std::uint32_t gt, std::uint32_t pred, std::uint64_t n) {
    const std::uint64_t key = (std::uint64_t(gt) << 32) | pred;
    if (2 * (used_.size() + 1) > keys_.size()) grow();
    const std::size_t mask = keys_.size() - 1;
    std::size_t s = std::size_t((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;
    while (counts_[s] && keys_[s] != key) s = (s + 1) & mask;
    if (counts_[s] == 0) {
      keys_[s] = key;
      used_.push_back(std::uint32_t(s));
    }
    counts_[s] += n;
  }

  /// The counts in ascending (gt, pred) order, into `out` (replaced).
  void sorted(std::vector<PanopticPairCount>& out) const {
    out.clear();
    out.reserve(used_.size());
    for (std::uint32_t s : used_)
      out.push_back({std::uint32_t(keys_[s] >> 32), std::uint32_t(keys_[s]), counts_[s]});
    std::sort(out.begin(), out.end(), [](const PanopticPairCount& a, const PanopticPairCount& b) {
      return a.gt != b.gt ? a.gt < b.gt : a.pred < b.pred;
    });
  }

  void clear() {
    for (std::uint32_t s : used_) counts_[s] = 0;
    used_.clear();
  }

 private:
  static constexpr std::size_t kInitial = 256;
  void grow() {
    std::vector<std::uint64_t> keys(2 * keys_.size()), counts(2 * keys_.size());
    keys.swap(keys_);
    counts.swap(counts_);
    std::vector<std::uint32_t> used;
    used.swap(used_);
    for (std::uint32_t s : used) add(std::uint32_t(keys[s] >> 32), std::uint32_t(keys[s]), counts[s]);
  }
  std::vector<std::uint64_t> keys_, counts_;
  std::vector<std::uint32_t> used_;  // occupied slots, in insertion order
};

}  // namespace deteval::detail
