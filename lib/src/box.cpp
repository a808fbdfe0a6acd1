#include "deteval/box.hpp"

#include <cmath>

namespace deteval {

// The operations and their order follow pycocotools' maskApi.c bbIou, so results
// agree to the last bit (fmin/fmax, w*h areas, `continue` on w <= 0 or h <= 0).
namespace {
// std::fmin / std::fmax (a NaN argument yields the other) without libm's out-of-line calls,
// which were 2% of a COCO-scale bbox run. Signed zeros may differ from libm's, but only
// where the difference below is zero, which returns 0 either way.
double min_of(double a, double b) { return std::isnan(a) ? b : std::isnan(b) ? a : a < b ? a : b; }
double max_of(double a, double b) { return std::isnan(a) ? b : std::isnan(b) ? a : a > b ? a : b; }
}  // namespace

double box_iou(const Box& d, const Box& g, bool crowd) {
  const double w = min_of(d.w + d.x, g.w + g.x) - max_of(d.x, g.x);
  if (w <= 0) return 0;
  const double h = min_of(d.h + d.y, g.h + g.y) - max_of(d.y, g.y);
  if (h <= 0) return 0;
  const double i = w * h;
  const double u = crowd ? d.w * d.h : d.w * d.h + g.w * g.h - i;
  return i / u;
}

void box_iou(std::span<const Box> dts, std::span<const Box> gts, std::span<const std::uint8_t> crowd,
             double* out) {
  const std::size_t G = gts.size();
  for (std::size_t d = 0; d < dts.size(); ++d)
    for (std::size_t g = 0; g < G; ++g)
      out[d * G + g] = box_iou(dts[d], gts[g], !crowd.empty() && crowd[g]);
}

}  // namespace deteval
