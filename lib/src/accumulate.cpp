#include "deteval/detail/accumulate.hpp"

#include <algorithm>
#include <limits>

namespace deteval::detail {

double accumulate_curve(const double* tp_inc, const double* fp_inc, const double* score, std::size_t n, double npig,
                        std::span<const double> rec_thrs, double* precision, double* scores_out, std::size_t stride,
                        AccumulateScratch& s) {
  s.pr.resize(n);
  s.rc.resize(n);
  double tp = 0, fp = 0;
  for (std::size_t i = 0; i < n; ++i) {
    tp += tp_inc[i];
    fp += fp_inc[i];
    s.rc[i] = tp / npig;
    s.pr[i] = tp / (fp + tp + std::numeric_limits<double>::epsilon());
  }
  for (std::size_t i = n; i-- > 1;)
    if (s.pr[i] > s.pr[i - 1]) s.pr[i - 1] = s.pr[i];
  // searchsorted(rc, recThrs, 'left'); recall points never reached keep 0.
  auto from = s.rc.begin();
  for (std::size_t r = 0; r < rec_thrs.size(); ++r) {
    from = std::lower_bound(from, s.rc.end(), rec_thrs[r]);
    const std::size_t pi = static_cast<std::size_t>(from - s.rc.begin());
    precision[r * stride] = pi < n ? s.pr[pi] : 0;
    if (scores_out) scores_out[r * stride] = pi < n ? score[pi] : 0;
  }
  return n ? s.rc.back() : 0;
}

}  // namespace deteval::detail
