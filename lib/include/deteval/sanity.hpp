// Sanity checks of detection results against their ground truth: the common mistakes
// (boxes written as corners or normalised, shifted category ids, results for the wrong
// images, ...) that give a plausible but wrong number instead of an error.
//
// Each check looks at the data as read; it never changes it. The thresholds are set so
// that real detector output does not trip them (every conformance and real-data case
// passes clean, except the ones built to contain the situation a check names).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "deteval/dataset.hpp"
#include "deteval/params.hpp"

namespace deteval {

enum class FindingKind {
  corner_boxes,          ///< most boxes run past their image as [x, y, w, h] and fit as [x1, y1, x2, y2]
  normalized_boxes,      ///< every coordinate <= 1.5 on images hundreds of pixels wide
  nonpositive_size,      ///< boxes with width or height <= 0
  no_detections,         ///< nothing to evaluate
  no_ground_truth_category,  ///< detections exist, none of a category that has ground truth
  images_without_detections, ///< most images with ground truth have no detection
  shifted_categories,    ///< a category's detections cover another category's objects, not its own
  equal_scores,          ///< every score is the same: the ranking is the file order
  too_many_per_image,    ///< more detections in an image than maxDets[-1]
};

/// A short stable name for a kind ("corner-boxes", ...), used in messages and tests.
const char* to_string(FindingKind);

/// One thing a check saw.
struct Finding {
  FindingKind kind{};
  std::uint64_t count = 0;  ///< how many detections / images / categories it concerns
  /// The example's location: a detection (index into Detections) or, for detections
  /// the reader dropped, a position in the results file; -1 when there is none. `field`
  /// names the member the example is about ("bbox", "score", "category_id").
  std::int64_t detection = -1, position = -1;
  std::string field;
  /// What was seen, how many, and the likely cause and fix; `{at}` stands where the
  /// example's location goes (the caller knows the file: "dt.json: [412].bbox").
  std::string message;
  /// The parameter whose change the message suggests, in pycocotools' spelling ("imgIds",
  /// "maxDets"), or empty; the message says `{parameter}` where its name goes, so that a
  /// front end can name its own option instead.
  std::string parameter;

  /// The message with `{at}` replaced by `location` and `{parameter}` by `parameter`.
  std::string text(const std::string& location) const;
  /// The same with `{parameter}` replaced by `parameter_as` (a front end's option name).
  std::string text(const std::string& location, const std::string& parameter_as) const;
};

struct SanityOptions {
  /// Detections the reader dropped because their category is not in the ground truth
  /// (they are not in `dt`), and the file position of the first of them, or -1.
  std::size_t dropped_unknown_category = 0;
  std::int64_t first_dropped = -1;
  /// Every detection's box was derived from its mask (the results have no `bbox`): the
  /// box checks then look for empty masks instead.
  bool boxes_from_masks = false;
};

/// Runs every check; findings come in the order of FindingKind.
std::vector<Finding> check_results(const GroundTruth& gt, const Detections& dt, const Params& params,
                                   const SanityOptions& options = {});

}  // namespace deteval
