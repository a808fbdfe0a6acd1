// Split and scoring: the seeded public/private partition of a task's images, and
// the evaluation of a submission on each part (evaluate + summarize, as `deteval coco`).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "deteval/dataset.hpp"
#include "deteval/params.hpp"
#include "deteval/voc.hpp"

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

enum class ScoreKind { coco, voc07, voc12 };

struct SplitScore {
  bool evaluated = false;       ///< false when the split has no image
  std::optional<double> score;  ///< the task's score; none when undefined
  /// Everything computed, by name: COCO's 12 stats (-1 where undefined) or VOC's two mAPs
  /// (NaN where undefined).
  std::vector<std::pair<std::string, double>> stats;
};

/// Scores `dt` on the images with keep[i] != 0. coco: AP (stats[0]) of evaluate() +
/// summarize() with pycocotools' defaults for `type`. voc07 / voc12: the 11-point / area
/// mAP of voc_evaluate() at IoU 0.5, one class per category, COCO boxes [x, y, w, h]
/// taken as VOC corners (x + 1, y + 1, x + w, y + h), crowd objects as difficult.
SplitScore score_split(const GroundTruth& gt, const Detections& dt, const std::vector<std::uint8_t>& keep,
                       IouType type, ScoreKind kind = ScoreKind::coco);

/// The VOC dataset of `gt` and `dt` (all images), as score_split builds it.
VocDataset to_voc(const GroundTruth& gt, const Detections& dt);

}  // namespace deteval::board
