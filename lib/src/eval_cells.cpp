// evaluate()'s cells and IoU blocks (eval_stages.hpp, stages 1-3).
#include <tbb/parallel_for.h>

#include <algorithm>
#include <numeric>

#include "eval_stages.hpp"

namespace deteval::detail {

namespace {

// Stable counting sort of `idx` by key(idx[j]) in [0, nkeys); returns the key offsets.
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

}  // namespace

Cells make_cells(const GroundTruth& gt, const Detections& dt, const Params& p, std::size_t Kc,
                 const CancelFlag* cancel) {
  const std::size_t I = gt.images.size(), K = gt.categories.size();
  Cells c;
  c.count = Kc * I;
  auto cell_of = [&](std::uint32_t img, std::uint32_t cat) -> std::size_t {
    return (p.use_cats ? cat : 0) * I + img;
  };
  c.gt.resize(gt.size());
  std::iota(c.gt.begin(), c.gt.end(), 0u);
  c.dt.resize(dt.size());
  std::iota(c.dt.begin(), c.dt.end(), 0u);
  if (!p.use_cats) {
    counting_sort(c.gt, K, [&](std::uint32_t j) { return gt.category[j]; });
    counting_sort(c.dt, K, [&](std::uint32_t j) { return dt.category[j]; });
  }
  c.gt_off = counting_sort(c.gt, c.count, [&](std::uint32_t j) { return cell_of(gt.image[j], gt.category[j]); });
  c.dt_off = counting_sort(c.dt, c.count, [&](std::uint32_t j) { return cell_of(dt.image[j], dt.category[j]); });

  // Stable sort by descending score (numpy's mergesort of -score), then truncate.
  const std::size_t keep = static_cast<std::size_t>(p.max_dets.back());
  c.num_dt.assign(c.count, 0);
  tbb::parallel_for(std::size_t{0}, c.count, [&](std::size_t cell) {
    check_cancel(cancel);
    auto b = c.dt.begin() + c.dt_off[cell], e = c.dt.begin() + c.dt_off[cell + 1];
    std::stable_sort(b, e, [&](std::uint32_t x, std::uint32_t y) { return dt.score[x] > dt.score[y]; });
    c.num_dt[cell] = static_cast<std::uint32_t>(std::min<std::size_t>(e - b, keep));
  });
  return c;
}

IouBlocks compute_iou_blocks(const Cells& cells, const IouProvider& iou, const CancelFlag* cancel) {
  IouBlocks b;
  b.off.assign(cells.count + 1, 0);
  for (std::size_t c = 0; c < cells.count; ++c) b.off[c + 1] = b.off[c] + cells.num_gt(c) * cells.num_dt[c];
  b.values.resize(b.off.back());
  std::vector<IouTask> tasks;
  for (std::size_t c = 0; c < cells.count; ++c) {
    if (b.off[c + 1] == b.off[c]) continue;
    tasks.push_back({std::span<const std::uint32_t>(cells.dt.data() + cells.dt_off[c], cells.num_dt[c]),
                     std::span<const std::uint32_t>(cells.gt.data() + cells.gt_off[c], cells.num_gt(c)),
                     b.values.data() + b.off[c]});
  }
  iou.compute(tasks, cancel);
  return b;
}

}  // namespace deteval::detail
