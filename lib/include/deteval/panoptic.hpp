// Panoptic quality (PQ = SQ x RQ) exactly as cocodataset/panopticapi's `pq_compute`
// computes it, over in-memory label maps (no file format here: formats/panoptic.hpp reads
// COCO-panoptic JSON + PNG files into these types).
//
// Per image, every (GT id, prediction id) pair of pixels is counted; pairs are visited in
// ascending (GT id, prediction id) order and a pair of the same category matches when
//   IoU = intersection / (pred area + GT area - intersection - |pred ∩ GT VOID|) > 0.5
// (strictly; GT area is the annotation's own `area`, VOID is GT id 0). Unmatched non-crowd
// GT segments are false negatives; an unmatched prediction is ignored when more than half
// of it lies on VOID plus the crowd region of its category (the crowd segment listed last),
// else it is a false positive. docs/panoptic.md lists every rule.
//
// Summation order: each category's IoU sum adds the images in the order given and, within
// an image, the matches in ascending GT id: panopticapi's order with one worker process.
// evaluate_panoptic matches images in parallel and adds them in that order, so the result
// does not depend on the number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "deteval/cancel.hpp"

namespace deteval {

struct PanopticCategory {
  std::int64_t id = 0;
  bool isthing = false;  ///< things vs stuff (the "Things" and "Stuff" groups)
  std::string name;      ///< for display only
};

/// A segment of one image, as `segments_info` lists it.
struct PanopticSegment {
  std::uint32_t id = 0;  ///< the segment's value in the label map (RGB PNGs: R + 256 G + 256^2 B)
  std::int64_t category_id = 0;
  bool iscrowd = false;  ///< ground truth only; ignored for predictions
  /// Ground truth only: the area the union uses (panopticapi takes the annotation's `area`,
  /// not the pixel count). NaN: the segment's pixel count in the label map.
  double area = std::numeric_limits<double>::quiet_NaN();
};

/// A label map: `width * height` ids, row-major.
struct LabelMapView {
  const std::uint32_t* ids = nullptr;
  int width = 0;
  int height = 0;
  std::size_t pixels() const { return std::size_t(width) * std::size_t(height); }
};

/// One image: GT and prediction maps and their segments. A segment id listed twice counts
/// once, with the values of its last listing (panopticapi's dict), at its first position.
struct PanopticImageView {
  LabelMapView gt, pred;
  std::span<const PanopticSegment> gt_segments, pred_segments;
};

/// Why panopticapi refuses an image (it checks the prediction only, in this order).
struct PanopticIssue {
  enum class Kind {
    none,
    unlisted_pred_id,   ///< a nonzero prediction id (`segment_id`) is not in pred_segments
    unknown_category,   ///< the listed prediction `segment_id` has `category_id` not in the categories
    absent_pred_ids,    ///< listed prediction ids (`absent_ids`, listing order) not in the map
    size_mismatch,      ///< GT and prediction maps differ in size
  };
  Kind kind = Kind::none;
  std::uint32_t segment_id = 0;
  std::int64_t category_id = 0;
  std::vector<std::uint32_t> absent_ids;
};

/// The facts of an issue in words, e.g. "segment id 5 is in the label map but not in
/// segments_info"; empty for Kind::none.
std::string describe(const PanopticIssue& issue);

/// What one image adds, in the order the sums must follow.
struct PanopticImageResult {
  PanopticIssue issue;  ///< when set, nothing else is filled
  struct Match {
    std::uint32_t category = 0;  ///< index into the categories
    double iou = 0;
  };
  std::vector<Match> matches;                  ///< true positives, in ascending (GT id, pred id)
  std::vector<std::uint32_t> false_negatives;  ///< category index per FN (GT segments of unknown
                                               ///< categories are dropped: never reported)
  std::vector<std::uint32_t> false_positives;  ///< category index per FP
};

/// The categories, with an id -> index lookup. Throws InputError on duplicate ids.
class PanopticCategories {
 public:
  PanopticCategories() = default;
  explicit PanopticCategories(std::vector<PanopticCategory> categories);
  const std::vector<PanopticCategory>& list() const { return list_; }
  std::size_t size() const { return list_.size(); }
  /// Index of `id`, or -1.
  std::int64_t find(std::int64_t id) const;

 private:
  std::vector<PanopticCategory> list_;
  std::vector<std::pair<std::int64_t, std::uint32_t>> sorted_;  // (id, index) by id
};

/// Matches one image (thread-safe; the heavy part: one pass over both maps).
PanopticImageResult panoptic_match_image(const PanopticImageView& image, const PanopticCategories& categories);

/// The pixel count of one (GT id, prediction id) pair of an image.
struct PanopticPairCount {
  std::uint32_t gt = 0, pred = 0;
  std::uint64_t pixels = 0;
};

/// panoptic_match_image after its pass over the maps, for readers that count the pairs while
/// decoding: `pairs` holds every pair once (pixels > 0), ascending by (gt, pred). With maps of
/// different sizes (`same_size` false) only the prediction's checks run, and the pairs are
/// (0, prediction id) over the prediction's pixels.
PanopticImageResult panoptic_match_pairs(std::span<const PanopticPairCount> pairs, bool same_size,
                                         std::span<const PanopticSegment> gt_segments,
                                         std::span<const PanopticSegment> pred_segments,
                                         const PanopticCategories& categories);

/// Per-category totals.
struct PanopticClassStats {
  std::uint64_t tp = 0, fp = 0, fn = 0;
  double iou_sum = 0;
};

/// Adds one image's result to `totals` (one entry per category). Call in image order:
/// the order fixes the last bits of the IoU sums.
void panoptic_add(std::vector<PanopticClassStats>& totals, const PanopticImageResult& image);

/// PQ, SQ, RQ of a category or a group. A category with no TP, FP or FN has all three 0
/// and is not counted in its group's `n`; a group with `n == 0` is undefined (panopticapi
/// divides by zero there).
struct PanopticQuality {
  double pq = 0, sq = 0, rq = 0;
};
struct PanopticGroup {
  bool defined = false;  ///< n > 0
  PanopticQuality q;     ///< means over the group's categories with TP + FP + FN > 0
  std::size_t n = 0;
};

struct PanopticResult {
  std::vector<PanopticCategory> categories;
  std::vector<PanopticClassStats> stats;   ///< per category
  std::vector<PanopticQuality> per_class;  ///< per category
  PanopticGroup all, things, stuff;
  std::size_t num_images = 0;
};

/// Per-class and group values from the totals (the groups add categories in list order).
PanopticResult panoptic_summarize(const PanopticCategories& categories, std::vector<PanopticClassStats> totals,
                                  std::size_t num_images);

/// The whole evaluation over in-memory images (parallel; `threads` 0 = all cores; the
/// result does not depend on it). Throws InputError naming the first image (in
/// order) that panopticapi would refuse; Cancelled once `cancel` is set (checked per image).
PanopticResult evaluate_panoptic(const std::vector<PanopticCategory>& categories,
                                 std::span<const PanopticImageView> images, int threads = 0,
                                 const CancelFlag* cancel = nullptr);

/// pq_compute's table, byte for byte: header, rule, All / Things / Stuff rows
/// (`{:10s}| {:5.1f}  {:5.1f}  {:5.1f} {:5d}` of 100 pq, 100 sq, 100 rq, n); an undefined
/// group shows `-` for its three values and N 0. Ends with a newline.
std::string panoptic_table(const PanopticResult& result);

}  // namespace deteval
