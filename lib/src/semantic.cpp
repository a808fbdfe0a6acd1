// Confusion counting over label maps and the ADE20K / VOC scores.
#include "deteval/semantic.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <limits>
#include "deteval/error.hpp"

#include "semantic_count.hpp"

namespace deteval {

SemanticConfusion& SemanticConfusion::operator+=(const SemanticConfusion& other) {
  if (other.K != K) throw InputError::data("SemanticConfusion: adding matrices of different sizes");
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  return *this;
}

std::optional<LabelIssue> add_label_pixels(SemanticConfusion& confusion, LabelView gt, LabelView pred,
                                           std::uint32_t ignore_index) {
  if (gt.width != pred.width || gt.height != pred.height)
    throw InputError::data("add_label_pixels: ground truth and prediction differ in size");
  const std::size_t K = confusion.K;
  // Pairs are counted in a (V+1) x (V+1) table over the values that occur, V the largest
  // (cheap for 8-bit maps), then checked and folded: the first bad pixel is searched for
  // only when there is one.
  detail::PairHistogram h;
  detail::count_pairs(gt, pred, h);
  bool bad = false;
  std::vector<std::uint64_t> local(K * K, 0);
  h.for_each([&](std::uint32_t g, std::uint32_t p, std::uint64_t n) {
    if (g == ignore_index) return;
    if (g >= K || p >= K) {
      bad = true;
      return;
    }
    local[std::size_t(g) * K + p] += n;
  });
  if (bad) {
    const std::size_t n = gt.pixels();
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t g = gt[i], p = pred[i];
      if (g == ignore_index) continue;
      if (g >= K) return LabelIssue{false, i, g};
      if (p >= K) return LabelIssue{true, i, p};
    }
  }
  for (std::size_t i = 0; i < local.size(); ++i) confusion.counts[i] += local[i];
  return std::nullopt;
}

SemanticScores semantic_scores(const SemanticConfusion& c) {
  const std::size_t K = c.K;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  SemanticScores s;
  s.iou.assign(K, nan);
  s.accuracy.assign(K, nan);
  s.gt_pixels.assign(K, 0);
  s.pred_pixels.assign(K, 0);
  s.tp.assign(K, 0);
  for (std::size_t g = 0; g < K; ++g)
    for (std::size_t p = 0; p < K; ++p) {
      s.gt_pixels[g] += c.at(g, p);
      s.pred_pixels[p] += c.at(g, p);
    }
  std::uint64_t total = 0, correct = 0;
  for (std::size_t k = 0; k < K; ++k) {
    s.tp[k] = c.at(k, k);
    total += s.gt_pixels[k];
    correct += s.tp[k];
  }
  double iou_sum = 0, acc_sum = 0, fw = 0;
  std::size_t iou_n = 0, acc_n = 0;
  for (std::size_t k = 0; k < K; ++k) {
    const std::uint64_t uni = s.gt_pixels[k] + s.pred_pixels[k] - s.tp[k];
    if (uni) {
      s.iou[k] = double(s.tp[k]) / double(uni);
      iou_sum += s.iou[k];
      ++iou_n;
    }
    if (s.gt_pixels[k]) {
      s.accuracy[k] = double(s.tp[k]) / double(s.gt_pixels[k]);
      acc_sum += s.accuracy[k];
      ++acc_n;
      fw += double(s.gt_pixels[k]) / double(total) * s.iou[k];
    }
  }
  s.mean_iou = iou_n ? iou_sum / double(iou_n) : nan;
  s.mean_accuracy = acc_n ? acc_sum / double(acc_n) : nan;
  s.pixel_accuracy = total ? double(correct) / double(total) : nan;
  s.fw_iou = total ? fw : nan;
  return s;
}

LabelEvaluation evaluate_labels(std::span<const LabelPair> images, std::size_t num_classes,
                                std::uint32_t ignore_index, int threads, const CancelFlag* cancel) {
  std::vector<SemanticConfusion> per(images.size());
  std::vector<std::optional<LabelIssue>> issues(images.size());
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, images.size(), [&](std::size_t i) {
      check_cancel(cancel);
      per[i] = SemanticConfusion(num_classes);
      issues[i] = add_label_pixels(per[i], images[i].gt, images[i].pred, ignore_index);
    });
  });
  LabelEvaluation e;
  e.confusion = SemanticConfusion(num_classes);
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (issues[i]) {
      e.issue_image = i;
      e.issue = *issues[i];
      return e;
    }
    e.confusion += per[i];
  }
  e.scores = semantic_scores(e.confusion);
  return e;
}

}  // namespace deteval
