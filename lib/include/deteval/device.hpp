// Devices: which backends this process has and which one computes mask IoUs.
//
// simdjson's model: the implementation is chosen at run time and the CPU always
// works. lib/ knows no CUDA header; the optional CUDA library (cuda/, target
// deteval::cuda) registers itself here with `deteval::cuda::register_backend()`,
// which a program that links it calls once (the deteval command does). Without a
// registration this process has no GPU backend and every evaluation runs on the CPU.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "deteval/dataset.hpp"
#include "deteval/error.hpp"
#include "deteval/mask_iou.hpp"

namespace deteval {

class IouProvider;

/// One GPU as the runtime reports it.
struct GpuInfo {
  int index = 0;
  std::string name;
  std::uint64_t memory_bytes = 0;
  int cc_major = 0, cc_minor = 0;
};

/// What `deteval info` prints.
struct DeviceReport {
  bool cuda_compiled = false;   ///< a GPU backend is registered
  std::string runtime_version;  ///< e.g. "13.0"; empty without CUDA
  std::string driver_version;   ///< e.g. "13.0"; empty when no driver is installed
  std::vector<GpuInfo> gpus;    ///< empty when none is usable
  std::string note;             ///< why there are no GPUs, e.g. "no CUDA-capable device is detected"
};

/// A GPU backend: counts like MaskCountsFn but can fail (no memory, a lost device);
/// it then returns false with `error` set and `out` undefined.
using GpuMaskCountsFn = bool (*)(const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs,
                                 IouCounts* out, std::string& error);

struct GpuMaskBackend {
  DeviceReport (*report)() = nullptr;  ///< queried on every device_report() call
  GpuMaskCountsFn counts = nullptr;    ///< runs on GPU 0
};

/// Registers the GPU backend (the last registration wins). Not thread-safe with
/// respect to concurrent evaluations: call it once at start-up.
void register_gpu_mask_backend(const GpuMaskBackend& backend);
/// The registered backend's report, or {cuda_compiled = false} without one.
DeviceReport device_report();
/// The registered backend's counting function; nullptr when none is registered.
GpuMaskCountsFn gpu_mask_counts();

/// Where segm IoUs are computed. Other IoU types always run on the CPU.
enum class Device {
  auto_,  ///< the GPU when one is usable and the batch is large enough (kAutoGpuMinWork), else the CPU
  cpu,
  cuda,   ///< GPU 0; DeviceError when there is none
};
/// "auto", "cpu" or "cuda" (also "cuda:0"); throws UsageError (parameter "device") for
/// anything else.
Device parse_device(std::string_view text);
/// The same, false instead of an error. Kept for code written before
/// parse_device(text); prefer that.
[[deprecated("use Device parse_device(text), which throws UsageError")]]
bool parse_device(std::string_view text, Device& out);
const char* to_string(Device d);

/// The `auto` rule: the GPU counts a batch when one is usable and the batch's work
/// reaches this. A batch's work is the sum over its counted pairs (those the box and
/// size prefilter leave) of the two masks' stored lengths (runs, or bytes of the
/// compressed string: about one per run), i.e. the steps of maskApi's run walk. The
/// CPU backend gets through 1.2-2 G such steps per second per core (it intersects only
/// the intervals where both masks can overlap; bench/RESULTS.md, "Mask IoU"), so this
/// is about 2-3 core-seconds, 0.2 s on 16 cores: below it, the CPU is done in about the
/// time a first GPU call spends creating its CUDA context (typically 0.1-0.5 s).
inline constexpr std::uint64_t kAutoGpuMinWork = 4'000'000'000;

/// "cuda:0 <name>" of GPU 0 when a backend is registered and a GPU is usable; empty otherwise.
std::string gpu_device_name();

/// Why Device::cuda cannot be used here ("this build has no CUDA backend", the
/// runtime's note), or empty when GPU 0 is usable.
std::string gpu_unusable_reason();

/// The segm provider for `device`. With Device::cuda and no usable GPU, throws
/// DeviceError. With auto, the choice is made per compute() call
/// (IouProvider::device() reports the device that computed the last batch).
std::unique_ptr<IouProvider> make_mask_iou_provider(const GroundTruth& gt, const Detections& dt, Device device);

}  // namespace deteval
