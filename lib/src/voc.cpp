// Pascal VOC evaluation. Every arithmetic step follows voc_eval.py's numpy expressions in
// the same order, so results agree bit for bit except where numpy sums pairwise (done
// here with detail::numpy_sum too).
#include "deteval/voc.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "deteval/detail/pairwise_sum.hpp"
#include "deteval/error.hpp"
#include "voc_engine.hpp"

namespace deteval {
namespace {

// np.maximum / np.minimum: a NaN operand gives NaN (std::max would drop it depending on
// the argument order). Inputs are finite, but sums of huge coordinates can overflow.
double np_maximum(double a, double b) { return std::isnan(a) || std::isnan(b) ? std::nan("") : (a < b ? b : a); }
double np_minimum(double a, double b) { return std::isnan(a) || std::isnan(b) ? std::nan("") : (b < a ? b : a); }

}  // namespace

double voc_iou(const VocBox& det, const VocBox& gt) {
  const double ixmin = np_maximum(gt.x1, det.x1);
  const double iymin = np_maximum(gt.y1, det.y1);
  const double ixmax = np_minimum(gt.x2, det.x2);
  const double iymax = np_minimum(gt.y2, det.y2);
  const double iw = np_maximum(ixmax - ixmin + 1., 0.);
  const double ih = np_maximum(iymax - iymin + 1., 0.);
  const double inters = iw * ih;
  const double uni = (det.x2 - det.x1 + 1.) * (det.y2 - det.y1 + 1.) + (gt.x2 - gt.x1 + 1.) * (gt.y2 - gt.y1 + 1.) -
                     inters;
  return inters / uni;
}

double voc_precision_at_recall(std::span<const double> rec, std::span<const double> prec, double t) {
  double p = 0.;
  bool any = false;
  for (std::size_t i = 0; i < rec.size(); ++i)
    if (rec[i] >= t) {  // false for NaN recall (class without ground truth)
      p = any ? std::max(p, prec[i]) : prec[i];
      any = true;
    }
  return p;
}

double voc_ap_11point(std::span<const double> rec, std::span<const double> prec) {
  double ap = 0.;
  for (int k = 0; k <= 10; ++k)  // numpy.arange(0., 1.1, 0.1) yields k * 0.1: 0.30000000000000004, not 0.3
    ap = ap + voc_precision_at_recall(rec, prec, k * 0.1) / 11.;
  return ap;
}

VocEnvelope voc_envelope(std::span<const double> rec, std::span<const double> prec) {
  const std::size_t n = rec.size() + 2;
  VocEnvelope e;
  e.recall.resize(n);
  e.precision.resize(n);
  e.recall[0] = 0.;
  e.recall[n - 1] = 1.;
  e.precision[0] = 0.;
  e.precision[n - 1] = 0.;
  std::copy(rec.begin(), rec.end(), e.recall.begin() + 1);
  std::copy(prec.begin(), prec.end(), e.precision.begin() + 1);
  for (std::size_t i = n - 1; i > 0; --i) e.precision[i - 1] = np_maximum(e.precision[i - 1], e.precision[i]);
  return e;
}

double voc_ap_area(std::span<const double> rec, std::span<const double> prec) {
  const VocEnvelope e = voc_envelope(rec, prec);
  const std::vector<double>&mrec = e.recall, &mpre = e.precision;
  const std::size_t n = mrec.size();
  // Only where recall changes; NaN != NaN, so a NaN recall contributes (and gives NaN).
  std::vector<double> terms;
  terms.reserve(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i)
    if (mrec[i + 1] != mrec[i]) terms.push_back((mrec[i + 1] - mrec[i]) * mpre[i + 1]);
  return detail::numpy_sum(terms.data(), terms.size());
}

namespace detail {

void voc_check_images(const VocClassView& c, std::size_t num_images) {
  for (auto i : c.gt_image)
    if (i >= num_images) throw InputError::data("voc_evaluate: ground-truth image index out of range");
  for (auto i : c.det_image)
    if (i >= num_images) throw InputError::data("voc_evaluate: detection image index out of range");
}

VocClassResult voc_match_ranked(const VocClassView& c, std::span<const double> ovmax,
                                std::span<const std::uint32_t> jmax, double iou_threshold) {
  const std::size_t G = c.gt_image.size(), D = c.det_image.size();
  VocClassResult r;
  r.num_detections = D;
  for (auto d : c.gt_difficult) r.npos += d ? 0 : 1;

  // Descending score; ties in file order. The reference's argsort(-score) is not stable
  // above 16 elements, but its expected values are those of a stable order.
  std::vector<std::uint32_t> ranked(D);
  std::iota(ranked.begin(), ranked.end(), 0u);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return c.det_score[a] > c.det_score[b]; });

  std::vector<std::uint8_t> matched(G, 0);
  r.recall.resize(D);
  r.precision.resize(D);
  r.ranked.resize(D);
  double tp = 0., fp = 0.;
  const double npos = static_cast<double>(r.npos);
  const double eps = std::numeric_limits<double>::epsilon();
  for (std::size_t k = 0; k < D; ++k) {
    const std::uint32_t d = ranked[k];
    VocRankedDetection& rd = r.ranked[k];
    rd.detection = d;
    rd.iou = ovmax[d];
    rd.nearest = jmax[d] == kNoObject ? -1 : static_cast<std::int32_t>(jmax[d]);
    if (ovmax[d] > iou_threshold) {
      const std::uint32_t j = jmax[d];
      rd.gt = static_cast<std::int32_t>(j);
      if (c.gt_difficult[j]) {
        ++r.ignored;  // neither TP nor FP, even when the difficult object was already hit
        rd.outcome = Outcome::ignored;
      } else if (!matched[j]) {
        matched[j] = 1;
        tp += 1.;
        ++r.tp;
        rd.outcome = Outcome::tp;
      } else {
        fp += 1.;  // duplicate: no fall-back to the next-best object
        ++r.fp;
        rd.outcome = Outcome::fp;
      }
    } else {
      fp += 1.;
      ++r.fp;
    }
    r.recall[k] = tp / npos;
    r.precision[k] = tp / std::max(tp + fp, eps);
  }

  r.ap_voc07 = voc_ap_11point(r.recall, r.precision);
  r.ap_area = voc_ap_area(r.recall, r.precision);
  return r;
}

VocResult voc_evaluate_classes(std::size_t K, double iou_threshold, const EvalOptions& options,
                               const std::function<VocClassResult(std::size_t)>& evaluate_class) {
  VocResult res;
  res.iou_threshold = iou_threshold;
  res.classes.resize(K);
  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, K, [&](std::size_t k) { res.classes[k] = evaluate_class(k); });
  });
  std::vector<double> ap07, area;
  for (const auto& c : res.classes)
    if (c.npos > 0) {
      ap07.push_back(c.ap_voc07);
      area.push_back(c.ap_area);
    }
  res.num_map_classes = ap07.size();
  const double n = static_cast<double>(ap07.size());
  // numpy.mean: numpy's sum divided by the count (0/0 = NaN when no class qualifies).
  res.map_voc07 = detail::numpy_sum(ap07.data(), ap07.size()) / n;
  res.map_area = detail::numpy_sum(area.data(), area.size()) / n;
  return res;
}

}  // namespace detail

VocClassResult voc_evaluate_class(const VocClassData& data, std::size_t num_images, double iou_threshold) {
  const std::size_t G = data.gt_image.size(), D = data.det_image.size();
  if (data.gt_box.size() != G || data.gt_difficult.size() != G)
    throw InputError::data("voc_evaluate: class '" + data.name + "': ground-truth arrays differ in length");
  if (data.det_score.size() != D || data.det_box.size() != D)
    throw InputError::data("voc_evaluate: class '" + data.name + "': detection arrays differ in length");
  const detail::VocClassView view{data.name, data.gt_image, data.gt_difficult, data.det_image, data.det_score};
  return detail::voc_evaluate_class_with(view, num_images, iou_threshold, [&] {
    return [&](std::uint32_t d, std::uint32_t g) { return voc_iou(data.det_box[d], data.gt_box[g]); };
  });
}

VocResult voc_evaluate(const VocDataset& dataset, double iou_threshold, const EvalOptions& options) {
  return detail::voc_evaluate_classes(dataset.classes.size(), iou_threshold, options, [&](std::size_t k) {
    return voc_evaluate_class(dataset.classes[k], dataset.num_images, iou_threshold);
  });
}

}  // namespace deteval
