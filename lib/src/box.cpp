#include "deteval/box.hpp"

#include <cmath>

namespace deteval {

// The operations and their order follow pycocotools' maskApi.c bbIou, so results
// agree to the last bit (fmin/fmax, w*h areas, `continue` on w <= 0 or h <= 0).
double box_iou(const Box& d, const Box& g, bool crowd) {
  const double w = std::fmin(d.w + d.x, g.w + g.x) - std::fmax(d.x, g.x);
  if (w <= 0) return 0;
  const double h = std::fmin(d.h + d.y, g.h + g.y) - std::fmax(d.y, g.y);
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
