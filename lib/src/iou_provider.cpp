#include "deteval/iou_provider.hpp"

#include <vector>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "deteval/error.hpp"
#include "deteval/geometry.hpp"

namespace deteval {

namespace {

class BoxIouProvider final : public IouProvider {
 public:
  BoxIouProvider(const GroundTruth& gt, const Detections& dt) : gt_(gt), dt_(dt) {}

  void compute(std::span<const IouTask> tasks, const CancelFlag* cancel) const override {
    tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
      check_cancel(cancel);
      const IouTask& t = tasks[i];
      const std::size_t G = t.gt.size();
      for (std::size_t d = 0; d < t.dt.size(); ++d) {
        const Box& db = dt_.box[t.dt[d]];
        for (std::size_t g = 0; g < G; ++g)
          t.out[d * G + g] = box_iou(db, gt_.box[t.gt[g]], gt_.iscrowd[t.gt[g]] != 0);
      }
    });
  }

 private:
  const GroundTruth& gt_;
  const Detections& dt_;
};

// Exact geometric IoU. Areas, extents and convexity are computed once per shape; the clippers'
// buffers are per thread, so the pair loop allocates only where Boost.Geometry does (pairs
// with a concave shape).
class ShapeIouProvider final : public IouProvider {
 public:
  ShapeIouProvider(const GroundTruth& gt, const Detections& dt)
      : gt_(gt), dt_(dt), gt_info_(gt.shapes.size()), dt_info_(dt.shapes.size()) {
    tbb::parallel_for(std::size_t{0}, gt_info_.size(), [&](std::size_t j) { gt_info_[j] = shape_info(gt.shapes[j]); });
    tbb::parallel_for(std::size_t{0}, dt_info_.size(), [&](std::size_t j) { dt_info_[j] = shape_info(dt.shapes[j]); });
  }

  void compute(std::span<const IouTask> tasks, const CancelFlag* cancel) const override {
    tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
      check_cancel(cancel);
      const IouTask& t = tasks[i];
      GeometryScratch& scratch = scratch_.local();
      const std::size_t G = t.gt.size();
      for (std::size_t d = 0; d < t.dt.size(); ++d) {
        const std::uint32_t di = t.dt[d];
        for (std::size_t g = 0; g < G; ++g) {
          const std::uint32_t gj = t.gt[g];
          t.out[d * G + g] = shape_iou(dt_.shapes[di], dt_info_[di], gt_.shapes[gj], gt_info_[gj],
                                       gt_.iscrowd[gj] != 0, scratch);
        }
      }
    });
  }

 private:
  const GroundTruth& gt_;
  const Detections& dt_;
  std::vector<ShapeInfo> gt_info_, dt_info_;
  mutable tbb::enumerable_thread_specific<GeometryScratch> scratch_;
};

}  // namespace

std::unique_ptr<IouProvider> make_shape_iou_provider(const GroundTruth& gt, const Detections& dt) {
  return std::make_unique<ShapeIouProvider>(gt, dt);
}

std::unique_ptr<IouProvider> make_box_iou_provider(const GroundTruth& gt, const Detections& dt) {
  return std::make_unique<BoxIouProvider>(gt, dt);
}

std::unique_ptr<IouProvider> make_iou_provider(const GroundTruth& gt, const Detections& dt, IouType type,
                                               Device device) {
  Params params(type);
  return make_iou_provider(gt, dt, params, device);
}

std::unique_ptr<IouProvider> make_iou_provider(const GroundTruth& gt, const Detections& dt, const Params& params,
                                               Device device) {
  const IouType type = params.iou_type;
  switch (type) {
    case IouType::bbox:
      return make_box_iou_provider(gt, dt);
    case IouType::segm:
      if (gt.masks.size() != gt.size() || dt.masks.size() != dt.size()) {
        throw InputError::data("segm evaluation needs a mask for every annotation and detection (" +
                               std::to_string(gt.masks.size()) + " of " + std::to_string(gt.size()) +
                               " annotations, " + std::to_string(dt.masks.size()) + " of " +
                               std::to_string(dt.size()) + " detections have one)");
      }
      return make_mask_iou_provider(gt, dt, device);
    case IouType::rotated:
    case IouType::polygon:
      if (gt.shapes.size() != gt.size() || dt.shapes.size() != dt.size()) {
        throw InputError::data(std::string("IoU type '") + to_string(type) +
                               "' needs one shape per annotation and per detection (rbox or poly)");
      }
      return make_shape_iou_provider(gt, dt);
    case IouType::keypoints:
      return make_oks_provider(gt, dt, params.kpt_oks_sigmas);
  }
  throw UsageError("iou_type", std::string("IoU type '") + to_string(type) + "' is not supported by this build");
}

}  // namespace deteval
