// The device registry (device.hpp): at most one GPU backend, registered at start-up
// by the CUDA library; the CPU needs no registration.
#include "deteval/device.hpp"

#include <mutex>
#include <optional>

namespace deteval {

namespace {

struct Registry {
  std::mutex mutex;
  GpuMaskBackend backend;
  std::optional<DeviceReport> report;  // asked once: the set of GPUs does not change while we run
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_gpu_mask_backend(const GpuMaskBackend& backend) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.backend = backend;
  r.report.reset();
}

DeviceReport device_report() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (!r.backend.report) return {};
  if (!r.report) r.report = r.backend.report();
  return *r.report;
}

GpuMaskCountsFn gpu_mask_counts() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.backend.counts;
}

std::string gpu_device_name() {
  const DeviceReport report = device_report();
  if (!gpu_mask_counts() || report.gpus.empty()) return {};
  return "cuda:" + std::to_string(report.gpus.front().index) + " " + report.gpus.front().name;
}

std::string gpu_unusable_reason() {
  if (!gpu_mask_counts()) return "this build has no CUDA backend";
  const DeviceReport report = device_report();
  if (!report.gpus.empty()) return {};
  return report.note.empty() ? std::string("no GPU found") : report.note;
}

Device parse_device(std::string_view text) {
  Device d = Device::auto_;
  if (text == "auto") d = Device::auto_;
  else if (text == "cpu") d = Device::cpu;
  else if (text == "cuda" || text == "cuda:0") d = Device::cuda;
  else throw UsageError("device", "expected auto, cpu or cuda, got '" + std::string(text) + "'");
  return d;
}

bool parse_device(std::string_view text, Device& out) {
  if (text == "auto") out = Device::auto_;
  else if (text == "cpu") out = Device::cpu;
  else if (text == "cuda" || text == "cuda:0") out = Device::cuda;
  else return false;
  return true;
}

const char* to_string(Device d) {
  switch (d) {
    case Device::auto_: return "auto";
    case Device::cpu: return "cpu";
    case Device::cuda: return "cuda";
  }
  return "?";
}

}  // namespace deteval
