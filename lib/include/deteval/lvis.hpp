// LVIS evaluation: lvis-api's LVISResults + LVISEval (federated rules, 300-detection cap per
// image, frequency groups r/c/f), computed by the COCO engine (evaluate.hpp) on the
// detections and ground truth that the federated rules let take part.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "deteval/dataset.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/summary.hpp"

namespace deteval {

/// A category's frequency bin (LVIS's `frequency` field: "r", "c", "f").
enum class Frequency : std::uint8_t { rare = 0, common = 1, frequent = 2 };
/// "r", "c" or "f".
const char* to_string(Frequency);

/// Lists of dense category indices, one list per image (CSR).
struct CategoryLists {
  std::vector<std::uint64_t> offset{0};  ///< image i: [offset[i], offset[i + 1])
  std::vector<std::uint32_t> items;      ///< each image's list sorted, without repeats

  std::span<const std::uint32_t> of(std::size_t image) const {
    return {items.data() + offset[image], items.data() + offset[image + 1]};
  }
  bool contains(std::size_t image, std::uint32_t category) const;
};

/// LVIS ground truth: a COCO-style GroundTruth (its `iscrowd` all 0: LVIS has no crowds)
/// plus what the federated rules read.
struct LvisGroundTruth {
  GroundTruth gt;
  std::vector<Frequency> frequency;      ///< per category (dense)
  std::vector<std::uint8_t> ignore;      ///< per annotation: its `ignore` field (default 0)
  CategoryLists negative;                ///< per image: `neg_category_ids`
  CategoryLists not_exhaustive;          ///< per image: `not_exhaustive_category_ids`
};

/// lvis-api's defaults: `Params{}`'s IoU and recall thresholds and area ranges, the
/// type, and maxDets {300}: the per-image cap (LVISResults' max_dets), which is also the
/// number in the AR keys and the summary text.
Params lvis_params(IouType type, int max_dets = 300);

/// Sizes along the way (the conformance cases' "counts").
struct LvisCounts {
  std::size_t images = 0, categories = 0, gt = 0, dt = 0;
  std::size_t dt_after_cap = 0;   ///< detections left by the per-image cap
  std::size_t gt_evaluated = 0;   ///< GT with 0 < area < inf (the ones LVISEval loads)
  std::size_t dt_evaluated = 0;   ///< after the cap, the area filter and the federated filter
  std::size_t categories_with_ap = 0;
};

struct LvisEvaluation {
  /// The COCO engine's result on the evaluated GT and detections ([T][R][K][A][1]; its
  /// dense indices are those of the selections below).
  Evaluation eval;
  std::vector<std::uint32_t> gt_selected;  ///< original annotation index of each evaluated GT
  std::vector<std::uint32_t> dt_selected;  ///< original detection index of each evaluated detection
  /// What the engine evaluated (for analyses over `eval`): the selections, with the
  /// area -inf where LVIS ignores regardless of size (an `ignore`d GT, a detection of a
  /// not-exhaustive category; lvis.cpp explains).
  GroundTruth evaluated_gt;
  Detections evaluated_dt;
  LvisCounts counts;
};

/// Which detections LVISResults keeps: per image, all if at most `max_dets`, else the
/// `max_dets` best by a stable descending sort of score. One flag per detection.
std::vector<std::uint8_t> lvis_cap(const Detections& dt, std::size_t num_images, int max_dets);

/// Evaluates raw results `dt` (file order; detections of categories the GT lacks carry
/// kUnknownCategory) as lvis-api does. `params` must pass `validate`, hold exactly one
/// maxDets value (the cap) and use categories. Throws UsageError (InputError for data that does not fit together) otherwise.
LvisEvaluation lvis_evaluate(const LvisGroundTruth& gt, const Detections& dt, const Params& params,
                             const EvalOptions& options = {});

/// LVISEval.results and the text print_results() prints.
struct LvisSummary {
  /// AP AP50 AP75 APs APm APl APr APc APf AR@N ARs@N ARm@N ARl@N (N = maxDets); -1 where
  /// undefined.
  std::vector<std::pair<std::string, double>> results;
  std::string text;  ///< byte-identical to print_results()
};
LvisSummary lvis_summarize(const LvisEvaluation& e, const LvisGroundTruth& gt);

/// The result named `key` (e.g. "APr"), or -1 when there is none.
double lvis_result(const LvisSummary& s, const std::string& key);

}  // namespace deteval
