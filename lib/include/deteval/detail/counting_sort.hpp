// Grouping indices by a small integer key (an image, a category, a cell): the
// evaluation's cells, the sanity checks' per-image lists and a reader's per-image ground
// truth all group this way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace deteval::detail {

/// Stable counting sort of `idx` by key(idx[j]) in [0, nkeys); returns the key offsets:
/// the indices of key k are idx[off[k]] .. idx[off[k + 1] - 1], in their order before.
template <class Key>
std::vector<std::uint64_t> counting_sort(std::vector<std::uint32_t>& idx, std::size_t nkeys, Key key) {
  std::vector<std::uint64_t> off(nkeys + 1, 0);
  for (std::uint32_t j : idx) ++off[key(j) + 1];
  for (std::size_t k = 0; k < nkeys; ++k) off[k + 1] += off[k];
  std::vector<std::uint32_t> out(idx.size());
  std::vector<std::uint64_t> pos(off.begin(), off.end() - 1);
  for (std::uint32_t j : idx) out[pos[key(j)]++] = j;
  idx.swap(out);
  return off;
}

}  // namespace deteval::detail
