// COCOeval.evaluate() + accumulate(), on flat arrays: the stages in order
// (eval_stages.hpp says what each does and where it lives), each timed.
#include "deteval/evaluate.hpp"

#include <tbb/task_arena.h>

#include <chrono>
#include <utility>

#include "deteval/error.hpp"
#include "eval_stages.hpp"

namespace deteval {

namespace {

using Clock = std::chrono::steady_clock;

// Runs `stage` after announcing it, and records its wall time in `seconds`.
template <class F>
auto timed(const EvalOptions& options, const char* name, double& seconds, F&& stage) {
  const auto t0 = Clock::now();
  check_cancel(options.cancel);
  if (options.on_stage) options.on_stage(name);
  auto result = stage();
  seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return result;
}

// The evaluation's shape: parameters, dimensions and category ids.
Evaluation empty_evaluation(const GroundTruth& gt, const Params& params) {
  Evaluation ev;
  ev.params = params;
  const Params& p = ev.params;
  ev.T = p.iou_thrs.size();
  ev.R = p.rec_thrs.size();
  ev.K = p.use_cats ? gt.categories.size() : 1;
  ev.A = p.area_ranges.size();
  ev.M = p.max_dets.size();
  if (p.use_cats)
    for (const auto& c : gt.categories) ev.category_ids.push_back(c.id);
  else
    ev.category_ids = {-1};
  return ev;
}

}  // namespace

Evaluation evaluate(const GroundTruth& gt, const Detections& dt, const Params& params, const IouProvider& iou,
                    const EvalOptions& options) {
  check_params(params);
  check_iou_type(gt, dt, params.iou_type);

  Evaluation ev = empty_evaluation(gt, params);
  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    EvalTimings& time = ev.timings;
    detail::Cells cells =
        timed(options, "cells", time.cells, [&] { return detail::make_cells(gt, dt, ev.params, ev.K, options.cancel); });
    detail::IouBlocks ious =
        timed(options, "iou", time.iou, [&] { return detail::compute_iou_blocks(cells, iou, options.cancel); });
    ev.device = iou.device();  // after compute: with Device::auto_ the batch decides
    // A pair, not a structured binding: lambdas below capture its parts (clang 14 cannot
    // capture structured bindings).
    auto matched = timed(options, "matching", time.matching, [&] {
      detail::Entries en = detail::lay_out_entries(cells, gt.images.size(), ev, options.keep_matches);
      auto out = detail::match_entries(gt, dt, cells, ious, en, ev, options.cancel);
      return std::pair(std::move(en), std::move(out));
    });
    const detail::Entries& entries = matched.first;
    // Only the matching reads the cells and IoUs: freed now, their memory serves the
    // accumulation's arrays instead of fresh pages (the first touch of a page is what
    // costs on a VM: bench/RESULTS.md).
    cells = {};
    ious = {};
    timed(options, "accumulation", time.accumulation, [&] {
      detail::accumulate_entries(dt, entries, std::move(matched.second), ev, options.cancel);
      return 0;
    });
  });
  return ev;
}

Evaluation evaluate(const GroundTruth& gt, const Detections& dt, const Params& params,
                    const EvalOptions& options) {
  // Refuse what the core overload refuses before building a provider for it.
  check_params(params);
  check_iou_type(gt, dt, params.iou_type);
  auto provider = make_iou_provider(gt, dt, params, options.device);
  return evaluate(gt, dt, params, *provider, options);
}

}  // namespace deteval
