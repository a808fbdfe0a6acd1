// The segm IoU provider: pycocotools' rleIou over batches of (image, category)
// blocks, with the pixel counting delegated to a backend.
#include "deteval/mask_iou.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <vector>

#include "deteval/iou_provider.hpp"

namespace deteval {

void mask_iou_counts_cpu(const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs,
                         IouCounts* out) {
  // Pairs come grouped by detection: decode a compressed mask once per group.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, pairs.size(), 64), [&](const auto& r) {
    std::vector<std::uint32_t> dscratch, gscratch;
    std::uint32_t current = ~0u;
    RleView dm;
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      const MaskPair& p = pairs[i];
      if (p.dt != current) {
        dm = dts.view(p.dt, dscratch);
        current = p.dt;
      }
      out[i] = rle_iou_counts(dm, gts.view(p.gt, gscratch), p.crowd != 0);
    }
  });
}

namespace {

std::vector<Box> mask_boxes(const RleStore& masks) {
  std::vector<Box> boxes(masks.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, masks.size()), [&](const auto& r) {
    std::vector<std::uint32_t> scratch;
    for (std::size_t i = r.begin(); i != r.end(); ++i) boxes[i] = rle_to_bbox(masks.view(i, scratch));
  });
  return boxes;
}

class MaskIouProvider final : public IouProvider {
 public:
  MaskIouProvider(const GroundTruth& gt, const Detections& dt, MaskCountsFn counts, std::string device)
      : gt_(gt), dt_(dt), counts_(counts), device_(std::move(device)),
        gt_box_(mask_boxes(gt.masks)), dt_box_(mask_boxes(dt.masks)) {}

  // Three passes so that the counting is one batch over every task: a first pass
  // settles the pairs rleIou never counts (boxes apart: 0; sizes differ: -1) and
  // sizes the batch, a second lists the rest, the backend counts them, and the
  // IoUs are written from the counts.
  void compute(std::span<const IouTask> tasks) const override {
    std::vector<std::size_t> start(tasks.size() + 1, 0);
    tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
      std::size_t n = 0;
      visit(tasks[i], [&](double*, std::uint32_t, std::uint32_t, bool) { ++n; });
      start[i + 1] = n;
    });
    for (std::size_t i = 0; i < tasks.size(); ++i) start[i + 1] += start[i];

    std::vector<MaskPair> pairs(start.back());
    std::vector<double*> slot(start.back());
    tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
      std::size_t k = start[i];
      visit(tasks[i], [&](double* o, std::uint32_t d, std::uint32_t g, bool crowd) {
        pairs[k] = {d, g, std::uint8_t(crowd)};
        slot[k++] = o;
      });
    });

    std::vector<IouCounts> counts(pairs.size());
    counts_(dt_.masks, gt_.masks, pairs, counts.data());
    tbb::parallel_for(std::size_t{0}, pairs.size(), [&](std::size_t k) { *slot[k] = iou_from_counts(counts[k]); });
  }

  std::string device() const override { return device_; }

 private:
  /// Writes every IoU of `t` that needs no counting and calls `count(out, dt, gt,
  /// crowd)` for each pair that does (in a fixed order).
  template <class F>
  void visit(const IouTask& t, F&& count) const {
    const std::size_t G = t.gt.size();
    for (std::size_t d = 0; d < t.dt.size(); ++d) {
      const std::uint32_t di = t.dt[d];
      const Box& db = dt_box_[di];
      const RleStore& dms = dt_.masks;
      for (std::size_t g = 0; g < G; ++g) {
        const std::uint32_t gi = t.gt[g];
        const bool crowd = gt_.iscrowd[gi] != 0;
        double* o = t.out + d * G + g;
        if (!(box_iou(db, gt_box_[gi], crowd) > 0)) {
          *o = 0;
          continue;
        }
        if (dms.height(di) != gt_.masks.height(gi) || dms.width(di) != gt_.masks.width(gi)) {
          *o = -1;
          continue;
        }
        count(o, di, gi, crowd);
      }
    }
  }

  const GroundTruth& gt_;
  const Detections& dt_;
  MaskCountsFn counts_;
  std::string device_;
  std::vector<Box> gt_box_, dt_box_;  // rleToBbox of every mask, once per provider
};

}  // namespace

std::unique_ptr<IouProvider> make_mask_iou_provider(const GroundTruth& gt, const Detections& dt,
                                                    MaskCountsFn counts, std::string device) {
  return std::make_unique<MaskIouProvider>(gt, dt, counts, std::move(device));
}

std::unique_ptr<IouProvider> make_mask_iou_provider(const GroundTruth& gt, const Detections& dt) {
  return make_mask_iou_provider(gt, dt, mask_iou_counts_cpu, "cpu");
}

}  // namespace deteval
