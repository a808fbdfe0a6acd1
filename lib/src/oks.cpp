// pycocotools' computeOks for one (detection, ground truth) pair. The arithmetic follows
// numpy's elementwise order exactly: ((dx*dx + dy*dy) / vars) / (area + eps) / 2, then
// exp, then numpy's pairwise sum divided by the count. (This file is compiled without
// FMA contraction so that dx*dx + dy*dy rounds twice, as numpy's separate arrays do.)
#include "deteval/oks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include "deteval/error.hpp"
#include <vector>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <string>

#include "deteval/detail/pairwise_sum.hpp"
#include "deteval/iou_provider.hpp"

namespace deteval {

namespace detail {

OksGroundTruth oks_ground_truth(std::span<const double> gt, const Box& b, double gt_area) {
  OksGroundTruth g;
  g.xyv = gt;
  for (std::size_t i = 2; i < gt.size(); i += 3) g.labelled += gt[i] > 0;
  g.x0 = b.x - b.w;
  g.x1 = b.x + b.w * 2;
  g.y0 = b.y - b.h;
  g.y1 = b.y + b.h * 2;
  g.denominator = gt_area + std::numeric_limits<double>::epsilon();  // np.spacing(1)
  return g;
}

double oks(std::span<const double> dt, const OksGroundTruth& g, const double* vars, double* e) {
  const std::size_t n = dt.size() / 3;
  std::size_t m = 0;
  if (g.labelled > 0) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!(g.xyv[3 * i + 2] > 0)) continue;  // e[vg > 0]: unlabelled keypoints drop out
      const double dx = dt[3 * i] - g.xyv[3 * i];
      const double dy = dt[3 * i + 1] - g.xyv[3 * i + 1];
      e[m++] = std::exp(-((dx * dx + dy * dy) / vars[i] / g.denominator / 2));
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const double xd = dt[3 * i], yd = dt[3 * i + 1];
      const double dx = std::max(0.0, g.x0 - xd) + std::max(0.0, xd - g.x1);
      const double dy = std::max(0.0, g.y0 - yd) + std::max(0.0, yd - g.y1);
      e[m++] = std::exp(-((dx * dx + dy * dy) / vars[i] / g.denominator / 2));
    }
  }
  return pairwise_sum(e, m) / static_cast<double>(m);
}

}  // namespace detail

double oks(std::span<const double> dt, std::span<const double> gt, const Box& gt_box, double gt_area,
           std::span<const double> sigmas) {
  if (dt.size() != 3 * sigmas.size() || gt.size() != 3 * sigmas.size())
    throw InputError::data("oks: expected 3 values per sigma in both keypoint sets");
  std::vector<double> vars(sigmas.size()), scratch(sigmas.size());
  for (std::size_t i = 0; i < sigmas.size(); ++i) vars[i] = (sigmas[i] * 2) * (sigmas[i] * 2);
  return detail::oks(dt, detail::oks_ground_truth(gt, gt_box, gt_area), vars.data(), scratch.data());
}

namespace {

// One task per cell; each ground truth's grown box and labelled count once per cell.
class OksProvider final : public IouProvider {
 public:
  OksProvider(const GroundTruth& gt, const Detections& dt, std::span<const double> sigmas)
      : gt_(gt), dt_(dt), vars_(sigmas.size()) {
    for (std::size_t i = 0; i < sigmas.size(); ++i) vars_[i] = (sigmas[i] * 2) * (sigmas[i] * 2);
  }

  void compute(std::span<const IouTask> tasks, const CancelFlag* cancel) const override {
    tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
      check_cancel(cancel);
      const IouTask& t = tasks[i];
      Scratch& s = scratch_.local();
      s.e.resize(vars_.size());
      s.gts.resize(t.gt.size());
      for (std::size_t g = 0; g < t.gt.size(); ++g) {
        const std::uint32_t j = t.gt[g];
        s.gts[g] = detail::oks_ground_truth(gt_.keypoints[j], gt_.box[j], gt_.area[j]);
      }
      const std::size_t G = t.gt.size();
      for (std::size_t d = 0; d < t.dt.size(); ++d) {
        const std::span<const double> kd = dt_.keypoints[t.dt[d]];
        for (std::size_t g = 0; g < G; ++g) t.out[d * G + g] = detail::oks(kd, s.gts[g], vars_.data(), s.e.data());
      }
    });
  }

 private:
  struct Scratch {
    std::vector<double> e;
    std::vector<detail::OksGroundTruth> gts;
  };
  const GroundTruth& gt_;
  const Detections& dt_;
  std::vector<double> vars_;
  mutable tbb::enumerable_thread_specific<Scratch> scratch_;
};

}  // namespace

std::unique_ptr<IouProvider> make_oks_provider(const GroundTruth& gt, const Detections& dt,
                                               std::span<const double> sigmas) {
  const std::size_t n = sigmas.size();
  auto check_fits = [&](const KeypointStore& k, std::size_t objects, const char* what) {
    if (k.size() != objects)
      throw InputError::data(std::string("keypoints evaluation needs keypoints for every ") + what + " (" +
                             std::to_string(k.size()) + " of " + std::to_string(objects) + " have them)");
    if (objects > 0 && k.per_object() != n)
      throw InputError::data(std::string("kpt_oks_sigmas: expected one sigma per keypoint of the ") + what + "s (" +
                             std::to_string(k.per_object()) + "), got " + std::to_string(n));
  };
  if (n == 0) throw UsageError("kpt_oks_sigmas: expected one sigma per keypoint, got none");
  check_fits(gt.keypoints, gt.size(), "annotation");
  check_fits(dt.keypoints, dt.size(), "detection");
  return std::make_unique<OksProvider>(gt, dt, sigmas);
}

}  // namespace deteval
