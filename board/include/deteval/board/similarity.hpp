// How alike two submissions of the same task are, in a way that survives trivial edits
// (scores shifted or scaled, boxes rounded, detections dropped): detections are matched
// one to one by position, not compared by value. See docs/board.md ("Copy detection").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deteval/dataset.hpp"
#include "deteval/params.hpp"

namespace deteval::board {

/// The IoU at or above which two detections (same image and category) are the same one.
inline constexpr double kSameDetectionIou = 0.9;

struct Similarity {
  std::size_t detections_a = 0, detections_b = 0, matched = 0;
  double fraction_a = 0, fraction_b = 0;   ///< matched / detections of each side (0 when empty)
  std::optional<double> rank_correlation;  ///< Spearman's rho of the matched pairs' scores; none under 3 pairs
  /// The flagged measure: the smaller fraction (a copy that dropped detections or added
  /// junk still shares most of the other side; two independent models share little).
  double similarity() const { return fraction_a < fraction_b ? fraction_a : fraction_b; }
};

/// Matches `a` against `b` (detections of the same ground truth): per (image, category),
/// a's detections by decreasing score (file order on ties) each take the unmatched
/// detection of b with the highest IoU >= min_iou (box IoU, or mask IoU for segm; the
/// earliest on ties). Reports the matched fraction of each side and the rank
/// correlation of the matched pairs' scores.
Similarity compare_detections(const Detections& a, const Detections& b, IouType type,
                              double min_iou = kSameDetectionIou);

/// A bottom-k MinHash sketch of a submission's detections, each reduced to a key of
/// (image id, category id, box quantised to about 1/8 of its size). Copies share most
/// keys whatever their scores; independent models few. Computed once per submission.
struct DetectionSketch {
  std::uint64_t keys = 0;             ///< distinct keys of the submission
  std::vector<std::uint64_t> minima;  ///< the kSketchSize smallest keys, ascending
};
inline constexpr std::size_t kSketchSize = 256;

DetectionSketch sketch_detections(const Detections& dt, const GroundTruth& gt);

/// Estimated similarity() of the two submissions from their sketches (Jaccard of the key
/// sets turned into shared keys / larger key count). Only a filter: candidates are then
/// compared exactly with compare_detections.
double estimated_similarity(const DetectionSketch& a, const DetectionSketch& b);

/// Pairs (i < j) of sketches of different owners whose estimated similarity reaches
/// `floor`, ascending; parallel over i, the same result for any thread count.
std::vector<std::pair<std::size_t, std::size_t>> candidate_pairs(const std::vector<DetectionSketch>& sketches,
                                                                 const std::vector<std::size_t>& owner, double floor);

/// The sketch as bytes (for storage) and back; from_bytes returns nullopt on damage.
std::string sketch_to_bytes(const DetectionSketch& s);
std::optional<DetectionSketch> sketch_from_bytes(std::string_view bytes);

}  // namespace deteval::board
