// What matching decided for one detection at one IoU threshold. One encoding for the COCO
// engine (its accumulation reads it), the VOC/DOTA engine (VocRankedDetection) and the
// analyses (their oracle fixes change it).
#pragma once

#include <cstdint>

namespace deteval {

enum class Outcome : std::uint8_t {
  /// Neither a true nor a false positive: matched to an ignored object (crowd, difficult,
  /// outside the area range), unmatched and itself outside the area range, or left out by
  /// an analysis.
  ignored = 0,
  tp = 1,  ///< true positive: matched to an object that counts
  fp = 2,  ///< false positive: unmatched, or a duplicate of an object already matched
};

}  // namespace deteval
