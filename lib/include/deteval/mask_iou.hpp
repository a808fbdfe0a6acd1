// Mask IoU in batches: the part of the segm IoU stage that a backend implements.
//
// The provider (make_mask_iou_provider) does what pycocotools' rleIou does before
// and after counting pixels: it rejects pairs whose mask boxes do not overlap,
// marks pairs of different sizes -1, and turns counts into IoUs with
// iou_from_counts. A backend only computes the integer counts of a batch of
// pairs, so every backend gives bit-identical IoUs.
#pragma once

#include <cstdint>
#include <span>

#include "deteval/mask.hpp"
#include "deteval/rle.hpp"

namespace deteval {

/// One pair to count: indices into the detection and ground-truth mask stores.
/// Both masks have the same size.
struct MaskPair {
  std::uint32_t dt = 0, gt = 0;
  std::uint8_t crowd = 0;  ///< union = the detection's area
};

/// A backend: fills out[i] with the counts of pairs[i].
using MaskCountsFn = void (*)(const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs,
                              IouCounts* out);

/// The CPU backend, pairs in parallel, no bitmaps: masks without empty runs inside
/// (every encoder's output) are intersected as sorted pixel intervals, from where both
/// have begun to where the first ends; others take maskApi's walk over all runs.
void mask_iou_counts_cpu(const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs,
                         IouCounts* out);

}  // namespace deteval
