// box_iou's arithmetic, inline for the loops that call it once per pair (the IoU
// phase, the mask IoU's box pre-filter, the sanity check's pairwise pass): a call per
// pair was most of their time. box.cpp's public box_iou is this function.
#pragma once

#include <cmath>

#include "deteval/box.hpp"

namespace deteval::detail {

// The operations and their order follow pycocotools' maskApi.c bbIou, so results
// agree to the last bit (fmin/fmax, w*h areas, `continue` on w <= 0 or h <= 0).
// std::fmin / std::fmax (a NaN argument yields the other) without libm's out-of-line calls.
// Signed zeros may differ from libm's, but only where the difference below is zero,
// which returns 0 either way.
inline double fmin_of(double a, double b) { return std::isnan(a) ? b : std::isnan(b) ? a : a < b ? a : b; }
inline double fmax_of(double a, double b) { return std::isnan(a) ? b : std::isnan(b) ? a : a > b ? a : b; }

inline double box_iou_inline(const Box& d, const Box& g, bool crowd) {
  const double w = fmin_of(d.w + d.x, g.w + g.x) - fmax_of(d.x, g.x);
  if (w <= 0) return 0;
  const double h = fmin_of(d.h + d.y, g.h + g.y) - fmax_of(d.y, g.y);
  if (h <= 0) return 0;
  const double i = w * h;
  const double u = crowd ? d.w * d.h : d.w * d.h + g.w * g.h - i;
  return i / u;
}

}  // namespace deteval::detail
