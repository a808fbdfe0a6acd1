// The CUDA backend of deteval (target deteval::cuda, built when nvcc is found).
#pragma once

namespace deteval::cuda {

/// Registers the GPU mask-IoU backend with lib/ (deteval/device.hpp). Call once at
/// start-up in every program that links deteval::cuda: an explicit call, not a
/// static initialiser, so that the linker keeps the backend of a static library.
/// Cheap: it touches no GPU; devices are queried on first use.
void register_backend();

}  // namespace deteval::cuda
