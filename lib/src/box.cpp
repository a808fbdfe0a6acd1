#include "deteval/box.hpp"

#include "box_iou_inline.hpp"

namespace deteval {

double box_iou(const Box& d, const Box& g, bool crowd) { return detail::box_iou_inline(d, g, crowd); }

void box_iou(std::span<const Box> dts, std::span<const Box> gts, std::span<const std::uint8_t> crowd,
             double* out) {
  const std::size_t G = gts.size();
  for (std::size_t d = 0; d < dts.size(); ++d)
    for (std::size_t g = 0; g < G; ++g)
      out[d * G + g] = detail::box_iou_inline(dts[d], gts[g], !crowd.empty() && crowd[g]);
}

}  // namespace deteval
