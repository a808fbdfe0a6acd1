// The CUDA mask-IoU backend, host side: device report, a per-process context of
// streams and reused buffers, the chunk pipeline, and registration with lib/.
//
// Pipeline: the batch is cut into chunks (mask_plan.hpp) that alternate between two
// stages, each with its own stream, pinned staging buffers and device buffers. While
// the GPU uploads, decodes and counts chunk k on one stream, the host plans and packs
// chunk k + 1 into the other stage and enqueues it, so host work, transfers and
// kernels overlap. Buffers grow when a chunk needs more and are kept for later
// calls; no managed memory. Every CUDA call and launch goes through DETEVAL_CUDA_TRY;
// errors become a plain status for lib/ at the boundary (count_pairs).
#include <cuda_runtime_api.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <string>

#include "cuda_try.hpp"
#include "deteval/cuda/backend.hpp"
#include "deteval/device.hpp"
#include "deteval/mask.hpp"
#include "mask_iou_kernels.hpp"
#include "mask_plan.hpp"

namespace deteval::cuda_detail {

static_assert(sizeof(PairCounts) == sizeof(IouCounts) && offsetof(PairCounts, intersection) ==
                                                             offsetof(IouCounts, intersection) &&
                  offsetof(PairCounts, union_) == offsetof(IouCounts, union_),
              "the device writes IouCounts' layout");

namespace {

constexpr std::uint64_t align16(std::uint64_t x) { return (x + 15) & ~std::uint64_t{15}; }

std::string version_string(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

DeviceReport report() {
  DeviceReport r;
  r.cuda_compiled = true;
  int v = 0;
  if (cudaRuntimeGetVersion(&v) == cudaSuccess) r.runtime_version = version_string(v);
  v = 0;
  if (cudaDriverGetVersion(&v) == cudaSuccess && v > 0) r.driver_version = version_string(v);
  int n = 0;
  if (const cudaError_t e = cudaGetDeviceCount(&n); e != cudaSuccess) {
    r.note = r.driver_version.empty() ? std::string("no NVIDIA driver is installed") : cudaGetErrorString(e);
    (void)cudaGetLastError();  // not sticky, but leave nothing behind
    return r;
  }
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
      (void)cudaGetLastError();
      continue;
    }
    r.gpus.push_back({i, p.name, static_cast<std::uint64_t>(p.totalGlobalMem), p.major, p.minor});
  }
  if (r.gpus.empty()) r.note = "no CUDA-capable device is detected";
  return r;
}

/// A grow-only allocation: device memory or pinned host memory.
template <bool Pinned>
struct Buffer {
  void* p = nullptr;
  std::size_t capacity = 0;
  void reserve(std::size_t bytes) {
    if (bytes <= capacity) return;
    release();
    const std::size_t want = std::max(bytes, capacity + capacity / 2);
    if constexpr (Pinned) DETEVAL_CUDA_TRY(cudaMallocHost(&p, want));
    else DETEVAL_CUDA_TRY(cudaMalloc(&p, want));
    capacity = want;
  }
  void release() noexcept {  // best effort: also used after a failure
    if (p) {
      if constexpr (Pinned) (void)cudaFreeHost(p);
      else (void)cudaFree(p);
    }
    p = nullptr;
    capacity = 0;
  }
  template <class T>
  T* at(std::uint64_t offset) const { return reinterpret_cast<T*>(static_cast<unsigned char*>(p) + offset); }
};

/// One half of the double buffer.
struct Stage {
  cudaStream_t stream = nullptr;
  Buffer<true> up, down;                 // pinned: [ok | refs | slots | blob], [counts | ok]
  Buffer<false> dup, dbounds, druns, dout;  // device: mirror of `up`, boundaries, decoded masks, counts
  ChunkPlan plan;
  bool busy = false;
  std::uint64_t counts_bytes = 0;

  void release() noexcept {
    for (auto* b : {&up, &down}) b->release();
    for (auto* b : {&dup, &dbounds, &druns, &dout}) b->release();
    if (stream) (void)cudaStreamDestroy(stream);
    stream = nullptr;
    busy = false;
  }
};

/// The per-process context: buffers reused across calls, one call at a time.
/// Never destroyed (freeing CUDA memory from a static destructor races the
/// runtime's own teardown); the process's exit releases it.
struct Context {
  std::mutex mutex;
  Stage stage[2];
  ChunkLimits limits;

  void reset() noexcept {
    (void)cudaDeviceSynchronize();
    (void)cudaGetLastError();
    for (Stage& s : stage) s.release();
  }

  /// Waits for a stage's chunk and copies its counts out.
  void finish(Stage& s, IouCounts* out) {
    if (!s.busy) return;
    DETEVAL_CUDA_TRY(cudaStreamSynchronize(s.stream));
    s.busy = false;
    if (*s.down.at<std::uint32_t>(s.counts_bytes) == 0)
      throw std::runtime_error("a mask did not decode on the device (invalid RLE)");
    std::memcpy(static_cast<void*>(out + s.plan.begin), s.down.p, s.counts_bytes);
  }

  void run(const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs, IouCounts* out) {
    DETEVAL_CUDA_TRY(cudaSetDevice(0));
    for (Stage& s : stage)
      if (!s.stream) DETEVAL_CUDA_TRY(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
    ChunkPlanner planner(dts, gts);
    std::size_t k = 0;
    for (std::size_t begin = 0; begin < pairs.size(); ++k) {
      Stage& s = stage[k & 1];
      finish(s, out);
      ChunkPlan& plan = s.plan;
      planner.plan(pairs, begin, limits, plan);
      begin = plan.end;

      // Upload layout: ok word, refs, slots, blob (16-aligned sections).
      const std::uint64_t n = plan.refs.size(), m = plan.slots.size();
      const std::uint64_t refs_at = 16, slots_at = align16(refs_at + n * sizeof(PairRef)),
                          blob_at = align16(slots_at + m * sizeof(MaskSlot)), up_bytes = blob_at + plan.blob_bytes;
      s.counts_bytes = n * sizeof(PairCounts);
      const std::uint64_t down_bytes = s.counts_bytes + 16;
      s.up.reserve(up_bytes);
      s.down.reserve(down_bytes);
      s.dup.reserve(up_bytes);
      s.dbounds.reserve(std::max<std::uint64_t>(plan.bounds, 1) * sizeof(std::uint32_t));
      s.druns.reserve(std::max<std::uint64_t>(m, 1) * sizeof(MaskRuns));
      s.dout.reserve(std::max<std::uint64_t>(s.counts_bytes, 16));

      *s.up.at<std::uint32_t>(0) = 1;
      std::memcpy(s.up.at<void>(refs_at), plan.refs.data(), n * sizeof(PairRef));
      std::memcpy(s.up.at<void>(slots_at), plan.slots.data(), m * sizeof(MaskSlot));
      unsigned char* blob = s.up.at<unsigned char>(blob_at);
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, m, 256), [&](const auto& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i)
          if (plan.source_bytes[i]) std::memcpy(blob + plan.slots[i].src, plan.source[i], plan.source_bytes[i]);
      });

      DETEVAL_CUDA_TRY(cudaMemcpyAsync(s.dup.p, s.up.p, up_bytes, cudaMemcpyHostToDevice, s.stream));
      auto* ok = s.dup.at<std::uint32_t>(0);
      auto* slots = s.dup.at<const MaskSlot>(slots_at);
      auto* bounds = static_cast<std::uint32_t*>(s.dbounds.p);
      auto* runs = static_cast<MaskRuns*>(s.druns.p);
      DETEVAL_CUDA_TRY(launch_decode(slots, static_cast<std::uint32_t>(m), s.dup.at<const unsigned char>(blob_at),
                                     bounds, runs, ok, s.stream));
      DETEVAL_CUDA_TRY(launch_pairs(s.dup.at<const PairRef>(refs_at), static_cast<std::uint32_t>(n), slots, runs,
                                    bounds, static_cast<PairCounts*>(s.dout.p), ok, s.stream));
      DETEVAL_CUDA_TRY(cudaMemcpyAsync(s.down.p, s.dout.p, s.counts_bytes, cudaMemcpyDeviceToHost, s.stream));
      DETEVAL_CUDA_TRY(cudaMemcpyAsync(s.down.at<void>(s.counts_bytes), ok, sizeof(std::uint32_t),
                                       cudaMemcpyDeviceToHost, s.stream));
      s.busy = true;
    }
    finish(stage[k & 1], out);  // the older chunk first, then the last one
    finish(stage[(k + 1) & 1], out);
  }
};

Context& context() {
  static Context* c = new Context;  // see Context
  return *c;
}

bool count_pairs(const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs, IouCounts* out,
                 std::string& error) {
  if (pairs.empty()) return true;
  Context& c = context();
  std::lock_guard lock(c.mutex);
  try {
    c.run(dts, gts, pairs, out);
    return true;
  } catch (const CudaError& e) {
    error = e.what();
  } catch (const std::bad_alloc&) {
    error = "out of host memory";
  } catch (const std::exception& e) {
    error = e.what();
  }
  c.reset();  // a failed chunk may still be in flight; start afresh next time
  return false;
}

}  // namespace

}  // namespace deteval::cuda_detail

namespace deteval::cuda {

void register_backend() { register_gpu_mask_backend({cuda_detail::report, cuda_detail::count_pairs}); }

}  // namespace deteval::cuda
