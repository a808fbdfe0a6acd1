// The intersection of two masks held as run boundaries, shared by the CPU backend
// (lib/src/mask_iou.cpp) and the CUDA kernels (cuda/src/mask_kernels.hpp): plain
// functions that nvcc also compiles for the device. No CUDA header, no standard
// library beyond <cstdint>.
//
// Boundaries b[k] = c[0] + ... + c[k] of a mask's counts c (uint32: masks have at most
// 2^32 - 1 pixels). Runs alternate 0s and 1s starting with 0s, so the t-th run of 1s is
// the half-open pixel interval [b[2t], b[2t+1]), t < n / 2: sorted, disjoint, possibly
// empty. Whether that count is what pycocotools' rleIou loop counts is the caller's
// question (the loop can stop early when both masks have empty runs inside).
#pragma once

#include <cstdint>

#ifndef DETEVAL_HD
#if defined(__CUDACC__)
#define DETEVAL_HD __host__ __device__ __forceinline__
#else
#define DETEVAL_HD inline
#endif
#endif

namespace deteval::detail {

/// The first of the `ones` runs of 1s of `b` that ends after `pos`; `ones` if none.
DETEVAL_HD std::uint32_t first_run_ending_after(const std::uint32_t* b, std::uint32_t ones, std::uint32_t pos) {
  std::uint32_t lo = 0, n = ones;
  while (n > 0) {
    const std::uint32_t half = n / 2;
    if (b[2 * (lo + half) + 1] <= pos) {
      lo += half + 1;
      n -= half + 1;
    } else {
      n = half;
    }
  }
  return lo;
}

/// Pixels set in both masks (boundaries a[0..na), b[0..nb) of masks of one size): the
/// overlap of two sorted interval lists, from where both masks have begun (binary
/// search) to where the first one ends.
DETEVAL_HD std::uint64_t interval_intersection(const std::uint32_t* a, std::uint32_t na, const std::uint32_t* b,
                                               std::uint32_t nb) {
  const std::uint32_t oa = na / 2, ob = nb / 2;  // runs of 1s
  if (oa == 0 || ob == 0) return 0;
  const std::uint32_t start = a[0] > b[0] ? a[0] : b[0];
  std::uint32_t i = first_run_ending_after(a, oa, start), j = first_run_ending_after(b, ob, start);
  if (i == oa || j == ob) return 0;
  std::uint32_t as = a[2 * i], ae = a[2 * i + 1], bs = b[2 * j], be = b[2 * j + 1];
  std::uint64_t n = 0;
  for (;;) {
    const std::uint32_t s = as > bs ? as : bs, e = ae < be ? ae : be;
    n += e > s ? e - s : 0;
    // Step past the run that ends first: it has no more overlaps. On the CPU a branch,
    // not a select: neighbouring columns of two shapes tend to agree, so it predicts
    // well and the next loads need not wait for the comparison.
    if (ae <= be) {
      if (++i == oa) break;
      as = a[2 * i];
      ae = a[2 * i + 1];
    } else {
      if (++j == ob) break;
      bs = b[2 * j];
      be = b[2 * j + 1];
    }
  }
  return n;
}

}  // namespace deteval::detail
