#include "deteval/iou_provider.hpp"

#include <tbb/parallel_for.h>

namespace deteval {

namespace {

class BoxIouProvider final : public IouProvider {
 public:
  BoxIouProvider(const GroundTruth& gt, const Detections& dt) : gt_(gt), dt_(dt) {}

  void compute(std::span<const IouTask> tasks) const override {
    tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
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

}  // namespace

std::unique_ptr<IouProvider> make_box_iou_provider(const GroundTruth& gt, const Detections& dt) {
  return std::make_unique<BoxIouProvider>(gt, dt);
}

std::unique_ptr<IouProvider> make_iou_provider(const GroundTruth& gt, const Detections& dt, IouType type,
                                               std::string& error) {
  switch (type) {
    case IouType::bbox:
      return make_box_iou_provider(gt, dt);
    case IouType::segm:
      if (gt.masks.size() != gt.size() || dt.masks.size() != dt.size()) {
        error = "segm evaluation needs a mask for every annotation and detection (" +
                std::to_string(gt.masks.size()) + " of " + std::to_string(gt.size()) + " annotations, " +
                std::to_string(dt.masks.size()) + " of " + std::to_string(dt.size()) + " detections have one)";
        return nullptr;
      }
      return make_mask_iou_provider(gt, dt);
    case IouType::rotated:
    case IouType::polygon:
      break;
  }
  error = std::string("IoU type '") + to_string(type) + "' is not supported by this build";
  return nullptr;
}

}  // namespace deteval
