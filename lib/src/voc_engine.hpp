// The VOC devkit's per-class matching and AP with the IoU as a parameter: the +1 pixel box
// IoU (`deteval voc`) and the exact polygon IoU (`deteval dota`) share every other step.
// Private to lib/.
#pragma once

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "deteval/error.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/voc.hpp"

namespace deteval::detail {

/// The arrays of one class that the matching needs besides the shapes.
struct VocClassView {
  const std::string& name;
  std::span<const std::uint32_t> gt_image;
  std::span<const std::uint8_t> gt_difficult;
  std::span<const std::uint32_t> det_image;
  std::span<const double> det_score;
};

/// Checks the image indices of `c` against num_images (InputError).
void voc_check_images(const VocClassView& c, std::size_t num_images);

/// `jmax` of a detection whose image has no object of the class.
inline constexpr std::uint32_t kNoObject = std::numeric_limits<std::uint32_t>::max();

/// Ranking, greedy matching, curve and both APs, given for every detection d the highest
/// IoU over the ground truth of its image (`ovmax[d]`, -inf when there is none) and the
/// first object attaining it (`jmax[d]`, kNoObject when there is none). Also records each
/// ranked detection's outcome (VocClassResult::ranked).
VocClassResult voc_match_ranked(const VocClassView& c, std::span<const double> ovmax,
                                std::span<const std::uint32_t> jmax, double iou_threshold);

/// Evaluates every class with `evaluate_class(k)` (in parallel) and takes the means over
/// the classes with ground truth.
VocResult voc_evaluate_classes(std::size_t num_classes, double iou_threshold, const EvalOptions& options,
                               const std::function<VocClassResult(std::size_t)>& evaluate_class);

/// One class, devkit-exact. `make_iou()` returns a callable `iou(d, g)` (detection and
/// ground-truth indices of the class), one per parallel chunk, so it may keep scratch
/// buffers. The IoUs of a detection do not depend on earlier matches, so they are computed
/// in parallel; the greedy pass that uses them is sequential, as in the reference.
template <class MakeIou>
VocClassResult voc_evaluate_class_with(const VocClassView& c, std::size_t num_images, double iou_threshold,
                                       MakeIou&& make_iou) {
  voc_check_images(c, num_images);
  const std::size_t G = c.gt_image.size(), D = c.det_image.size();

  // Ground truth grouped by image, keeping file order within an image (stable counting sort).
  std::vector<std::uint32_t> gt_off(num_images + 1, 0), gt_order(G);
  for (auto i : c.gt_image) ++gt_off[i + 1];
  for (std::size_t i = 0; i < num_images; ++i) gt_off[i + 1] += gt_off[i];
  {
    std::vector<std::uint32_t> fill(gt_off.begin(), gt_off.end() - 1);
    for (std::size_t g = 0; g < G; ++g) gt_order[fill[c.gt_image[g]]++] = static_cast<std::uint32_t>(g);
  }

  std::vector<double> ovmax(D);
  std::vector<std::uint32_t> jmax(D);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, D, 256), [&](const tbb::blocked_range<std::size_t>& r) {
    auto iou = make_iou();
    for (std::size_t d = r.begin(); d != r.end(); ++d) {
      const std::uint32_t img = c.det_image[d];
      // np.max / np.argmax: the first maximum, and the first NaN if any.
      double best = -std::numeric_limits<double>::infinity();
      std::uint32_t arg = kNoObject;
      for (std::uint32_t j = gt_off[img]; j < gt_off[img + 1]; ++j) {
        const double ov = iou(static_cast<std::uint32_t>(d), gt_order[j]);
        if (std::isnan(ov)) {
          best = ov;
          arg = gt_order[j];
          break;
        }
        if (ov > best || arg == kNoObject) {  // the first object even at -inf, as np.argmax
          best = ov;
          arg = gt_order[j];
        }
      }
      ovmax[d] = best;
      jmax[d] = arg;
    }
  });
  return voc_match_ranked(c, ovmax, jmax, iou_threshold);
}

}  // namespace deteval::detail
