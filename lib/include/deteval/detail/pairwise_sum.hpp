// numpy's pairwise summation (np.add.reduce on float64), reproduced bit for bit so
// that means agree with pycocotools' np.mean to the last bit.
#pragma once

#include <cstddef>

namespace deteval::detail {

inline double pairwise_sum(const double* a, std::size_t n) {
  if (n < 8) {
    double res = 0.;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {  // numpy's PW_BLOCKSIZE: 8 accumulators, then the remainder
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/// np.add.reduce of a 1-D float64 array: numpy's iterator hands the inner loop
/// blocks of 8192 elements (its buffer size), each summed pairwise, and adds the
/// block sums in order to the identity 0.
inline double numpy_sum(const double* a, std::size_t n) {
  constexpr std::size_t kBuffer = 8192;
  double res = 0.;
  for (std::size_t i = 0; i < n; i += kBuffer) res += pairwise_sum(a + i, n - i < kBuffer ? n - i : kBuffer);
  return res;
}

}  // namespace deteval::detail
