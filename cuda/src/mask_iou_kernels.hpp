// Launchers of the kernels in mask_iou_kernels.cu (callable from host C++).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "mask_kernels.hpp"

namespace deteval::cuda_detail {

/// Decodes `n` slots; clears *ok when one does not decode. Returns the launch status.
cudaError_t launch_decode(const MaskSlot* slots, std::uint32_t n, const unsigned char* blob, std::uint32_t* bounds,
                          MaskRuns* runs, std::uint32_t* ok, cudaStream_t stream);
/// Counts `n` pairs into `out`. Returns the launch status.
cudaError_t launch_pairs(const PairRef* refs, std::uint32_t n, const MaskSlot* slots, const MaskRuns* runs,
                         const std::uint32_t* bounds, PairCounts* out, std::uint32_t* ok, cudaStream_t stream);

}  // namespace deteval::cuda_detail
