// The IoU stage's interface: an evaluation asks a provider for the IoU blocks of
// all its (image, category) cells at once, so a backend can batch them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "deteval/cancel.hpp"
#include "deteval/dataset.hpp"
#include "deteval/device.hpp"
#include "deteval/mask_iou.hpp"
#include "deteval/params.hpp"

namespace deteval {

/// One block of IoUs: the detections x ground truths of one cell.
struct IouTask {
  std::span<const std::uint32_t> dt;  ///< detection indices (rows), in score order
  std::span<const std::uint32_t> gt;  ///< ground-truth indices (columns), in file order
  double* out;                        ///< dt.size() x gt.size(), row-major
};

/// Computes IoU blocks. The crowd rule (union = detection area) applies to every
/// ground truth with `iscrowd` (for IoUs; OKS has no crowd rule). Results must not depend on how tasks are batched.
class IouProvider {
 public:
  virtual ~IouProvider() = default;
  /// Fills every task's block. Throws Cancelled once `cancel` is set (checked per task,
  /// or per slice of a batch; cancel.hpp), leaving the blocks partly written.
  virtual void compute(std::span<const IouTask> tasks, const CancelFlag* cancel = nullptr) const = 0;
  /// Where the IoUs are computed, e.g. "cpu" or "cuda:0 NVIDIA H100 80GB HBM3"; after
  /// compute(), where the last batch was computed (a provider may choose per batch).
  virtual std::string device() const { return "cpu"; }
};

/// Box IoU (pycocotools' `bbIou`) on GroundTruth::box and Detections::box.
std::unique_ptr<IouProvider> make_box_iou_provider(const GroundTruth& gt, const Detections& dt);

/// Exact geometric IoU (rotated boxes, simple polygons) on GroundTruth::shapes and
/// Detections::shapes, which must hold one polygon per annotation / detection.
std::unique_ptr<IouProvider> make_shape_iou_provider(const GroundTruth& gt, const Detections& dt);
/// Mask IoU (pycocotools' `rleIou`) on GroundTruth::masks and Detections::masks, which
/// must hold one RLE per annotation / detection. Counts pixels on the CPU.
std::unique_ptr<IouProvider> make_mask_iou_provider(const GroundTruth& gt, const Detections& dt);

/// The same with another backend computing the counts (see mask_iou.hpp); `device`
/// is what IouProvider::device() reports.
std::unique_ptr<IouProvider> make_mask_iou_provider(const GroundTruth& gt, const Detections& dt,
                                                    MaskCountsFn counts, std::string device);

/// Object keypoint similarity (oks.hpp) on GroundTruth::keypoints and Detections::keypoints,
/// which must hold one set per annotation / detection, each with one keypoint per sigma;
/// InputError otherwise (UsageError when `sigmas` is empty).
std::unique_ptr<IouProvider> make_oks_provider(const GroundTruth& gt, const Detections& dt,
                                               std::span<const double> sigmas);

/// The provider for `type`, with segm IoUs counted on `device` (device.hpp; other types
/// ignore it). Throws InputError when the data lacks what the type needs (masks for
/// segm, shapes for rotated/polygon, keypoints), DeviceError with Device::cuda and no
/// usable GPU. keypoints uses the default sigmas (coco_keypoint_sigmas); the Params
/// overload below, the params' own.
std::unique_ptr<IouProvider> make_iou_provider(const GroundTruth& gt, const Detections& dt, IouType type,
                                               Device device = Device::cpu);
/// The provider `params` calls for: its iou_type, and for keypoints its kpt_oks_sigmas.
std::unique_ptr<IouProvider> make_iou_provider(const GroundTruth& gt, const Detections& dt, const Params& params,
                                               Device device = Device::cpu);

}  // namespace deteval
