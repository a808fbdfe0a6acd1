// Split and scoring: the seeded public/private partition of a task's images, and
// the evaluation of a submission on each part (evaluate + summarize, as `deteval coco`).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "deteval/dataset.hpp"
#include "deteval/params.hpp"

namespace deteval::board {

/// 1 for the images (dense index of `gt`) in the public part. Deterministic in
/// (image ids, fraction, seed): images ordered by splitmix64(seed, id), the first
/// clamp(round(fraction * n), 1, n) are public.
std::vector<std::uint8_t> compute_split(const GroundTruth& gt, double fraction, std::uint64_t seed);

/// The ground truth restricted to the images with keep[i] != 0 (same categories,
/// annotations in file order, masks/shapes kept).
GroundTruth restrict_gt(const GroundTruth& gt, const std::vector<std::uint8_t>& keep);
/// Detections on kept images, in file order, with image indices into restrict_gt's result.
Detections restrict_dt(const Detections& dt, const std::vector<std::uint8_t>& keep);

struct SplitScore {
  bool evaluated = false;            ///< false when the split has no image
  std::optional<double> score;       ///< AP (stats[0]); none when undefined
  std::array<double, 12> stats{};    ///< summarize()'s 12 numbers, -1 where undefined
};

/// Scores `dt` on the images with keep[i] != 0.
SplitScore score_split(const GroundTruth& gt, const Detections& dt, const std::vector<std::uint8_t>& keep,
                       IouType type);

}  // namespace deteval::board
