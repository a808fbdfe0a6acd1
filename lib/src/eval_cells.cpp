// evaluate()'s cells and IoU blocks (eval_stages.hpp, stages 1-3).
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

#include "deteval/detail/counting_sort.hpp"
#include "eval_stages.hpp"

namespace deteval::detail {

namespace {

// One cell's detections stably sorted by descending score (numpy's mergesort of -score)
// without an allocation per cell, which std::stable_sort makes (one malloc arena: the
// threads would queue on its lock): insertion sort for the usual few, else (score,
// position) pairs sorted in buffers reused from cell to cell.
struct CellSort {
  std::vector<std::pair<double, std::uint32_t>> keyed;
  std::vector<std::uint32_t> copy;

  void operator()(std::uint32_t* b, std::size_t n, const std::vector<double>& score) {
    if (n <= 32) {
      for (std::size_t i = 1; i < n; ++i) {
        const std::uint32_t x = b[i];
        std::size_t j = i;
        for (; j > 0 && score[b[j - 1]] < score[x]; --j) b[j] = b[j - 1];  // strictly smaller only: stable
        b[j] = x;
      }
      return;
    }
    keyed.resize(n);
    for (std::size_t k = 0; k < n; ++k) keyed[k] = {score[b[k]], static_cast<std::uint32_t>(k)};
    std::sort(keyed.begin(), keyed.end(), [](const auto& x, const auto& y) {
      return x.first > y.first || (x.first == y.first && x.second < y.second);
    });
    copy.assign(b, b + n);
    for (std::size_t k = 0; k < n; ++k) b[k] = copy[keyed[k].second];
  }
};

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
  tbb::enumerable_thread_specific<CellSort> sorters;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, c.count), [&](const auto& r) {
    check_cancel(cancel);
    CellSort& sort = sorters.local();
    for (std::size_t cell = r.begin(); cell != r.end(); ++cell) {
      const std::size_t n = c.dt_off[cell + 1] - c.dt_off[cell];
      sort(c.dt.data() + c.dt_off[cell], n, dt.score);
      c.num_dt[cell] = static_cast<std::uint32_t>(std::min<std::size_t>(n, keep));
    }
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
