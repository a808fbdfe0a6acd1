// Checked CUDA calls (cuda/ only): DETEVAL_CUDA_TRY(expr) throws CudaError with the
// file, line, CUDA error name and message, like cuCollections' CUCO_CUDA_TRY.
// The backend catches it at its boundary and hands lib/ a plain status.
#pragma once

#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace deteval::cuda_detail {

class CudaError : public std::runtime_error {
 public:
  CudaError(cudaError_t code, const char* expr, const char* file, int line)
      : std::runtime_error(std::string(cudaGetErrorName(code)) + ": " + cudaGetErrorString(code) + " (" + expr +
                           " at " + file + ":" + std::to_string(line) + ")"),
        code_(code) {}
  cudaError_t code() const { return code_; }

 private:
  cudaError_t code_;
};

}  // namespace deteval::cuda_detail

#define DETEVAL_CUDA_TRY(expr)                                                              \
  do {                                                                                      \
    const cudaError_t deteval_cuda_status_ = (expr);                                        \
    if (deteval_cuda_status_ != cudaSuccess)                                                \
      throw ::deteval::cuda_detail::CudaError(deteval_cuda_status_, #expr, __FILE__, __LINE__); \
  } while (0)
