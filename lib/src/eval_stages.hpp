// The stages of evaluate() (evaluate.cpp), COCOeval.evaluate() + accumulate() on flat
// arrays, one concept per file:
//   eval_cells.cpp       (1) group ground truth and detections into (category, image) cells
//                            with counting sorts that keep pycocotools' orders; (2) sort each
//                            cell's detections by score (stable), truncate to maxDets[-1];
//                            (3) ask the IoU provider for every cell's block at once
//   eval_matching.cpp    (4) the entries (COCOeval.evalImgs) and the greedy matching per
//                            cell and area range, in parallel, into per-entry slots
//   eval_accumulate.cpp  (5) per-category accumulation of precision, recall and scores
// Every parallel stage writes to its own slots, so results are bit-identical for any
// number of threads. Each parallel stage checks its `cancel` flag (cancel.hpp) per cell or
// per category and throws Cancelled; TBB then stops the loop and carries it out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "deteval/cancel.hpp"
#include "deteval/dataset.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/flat_vector.hpp"
#include "deteval/iou_provider.hpp"
#include "deteval/outcome.hpp"
#include "deteval/params.hpp"

namespace deteval::detail {

/// Ground truth and detections grouped by cell c = k * I + i (k = 0 for all without
/// use_cats). Within a cell, pycocotools' order: file order, or with use_cats off,
/// category order then file order (its pooled lists); detections then by score.
struct Cells {
  std::size_t count = 0;
  std::vector<std::uint32_t> gt, dt;          ///< indices grouped by cell
  std::vector<std::uint64_t> gt_off, dt_off;  ///< cell c: [off[c], off[c+1])
  std::vector<std::uint32_t> num_dt;          ///< detections kept per cell (<= maxDets[-1])

  std::size_t num_gt(std::size_t c) const { return gt_off[c + 1] - gt_off[c]; }
  bool empty(std::size_t c) const { return gt_off[c + 1] == gt_off[c] && dt_off[c + 1] == dt_off[c]; }
};

/// (1, 2) The cells of `Kc` categories (1 without use_cats).
Cells make_cells(const GroundTruth& gt, const Detections& dt, const Params& p, std::size_t Kc,
                 const CancelFlag* cancel = nullptr);

/// (3) Every cell's IoUs: cell c's kept detections x its ground truth (cell order), row
/// major, at values[off[c]].
struct IouBlocks {
  std::vector<std::uint64_t> off;
  std::vector<double> values;
};
IouBlocks compute_iou_blocks(const Cells& cells, const IouProvider& iou, const CancelFlag* cancel = nullptr);

/// The cells with ground truth or detections, category by category: the entries of
/// category k are cells[per_k[k] .. per_k[k + 1]), in image order, each once per area range.
struct Entries {
  std::vector<std::uint32_t> cells;
  std::vector<std::uint64_t> per_k;
  std::uint64_t matches = 0;  // (threshold, detection) pairs of all entries: dt_match's length
  bool keep_matches = true;   // dt_match and dt_ignore are sized and filled
};

/// (4) Lays out ev.image_evals (ordered k, a, i, as COCOeval.evalImgs) and sizes its flat
/// arrays (dt_match and dt_ignore only when `keep_matches`).
Entries lay_out_entries(const Cells& cells, std::size_t images, Evaluation& ev, bool keep_matches);
/// (4) Matches every entry into ev's flat arrays, and returns each (threshold, detection)'s
/// Outcome in dt_match's layout: written while the entry is in cache, it spares the
/// accumulation a pass over dt_match and dt_ignore (five times larger).
FlatVector<Outcome> match_entries(const GroundTruth& gt, const Detections& dt, const Cells& cells,
                                  const IouBlocks& ious, const Entries& entries, Evaluation& ev,
                                  const CancelFlag* cancel = nullptr);

/// (5) ev.precision, ev.recall, ev.scores from the entries' outcomes, which it frees once
/// read (before the final arrays are allocated, which then reuse their memory).
void accumulate_entries(const Detections& dt, const Entries& entries, FlatVector<Outcome>&& outcome,
                        Evaluation& ev, const CancelFlag* cancel = nullptr);

}  // namespace deteval::detail
