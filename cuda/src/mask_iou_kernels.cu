// The kernels of the CUDA mask-IoU backend: one thread per mask decodes its
// compressed string (or copies its runs) into run boundaries; one thread per pair
// walks the two masks' runs of 1s. The arithmetic is in mask_kernels.hpp, shared
// with the host emulation that the CPU tests run.
#include "mask_iou_kernels.hpp"

namespace deteval::cuda_detail {

namespace {

__global__ void decode_kernel(const MaskSlot* __restrict__ slots, std::uint32_t n, const unsigned char* __restrict__ blob,
                              std::uint32_t* __restrict__ bounds, MaskRuns* __restrict__ runs,
                              std::uint32_t* __restrict__ ok) {
  const std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const MaskRuns r = decode_mask(slots[i], blob, bounds);
  runs[i] = r;
  if (!(r.flags & kDecoded)) atomicAnd(ok, 0u);
}

__global__ void pair_kernel(const PairRef* __restrict__ refs, std::uint32_t n, const MaskSlot* __restrict__ slots,
                            const MaskRuns* __restrict__ runs, const std::uint32_t* __restrict__ bounds,
                            PairCounts* __restrict__ out, std::uint32_t* __restrict__ ok) {
  const std::uint32_t k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= n) return;
  std::uint32_t good = 1;
  out[k] = pair_counts(refs[k], slots, runs, bounds, good);
  if (!good) atomicAnd(ok, 0u);
}

constexpr unsigned kDecodeBlock = 128, kPairBlock = 256;

}  // namespace

cudaError_t launch_decode(const MaskSlot* slots, std::uint32_t n, const unsigned char* blob, std::uint32_t* bounds,
                          MaskRuns* runs, std::uint32_t* ok, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  decode_kernel<<<(n + kDecodeBlock - 1) / kDecodeBlock, kDecodeBlock, 0, stream>>>(slots, n, blob, bounds, runs, ok);
  return cudaGetLastError();
}

cudaError_t launch_pairs(const PairRef* refs, std::uint32_t n, const MaskSlot* slots, const MaskRuns* runs,
                         const std::uint32_t* bounds, PairCounts* out, std::uint32_t* ok, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  pair_kernel<<<(n + kPairBlock - 1) / kPairBlock, kPairBlock, 0, stream>>>(refs, n, slots, runs, bounds, out, ok);
  return cudaGetLastError();
}

}  // namespace deteval::cuda_detail
