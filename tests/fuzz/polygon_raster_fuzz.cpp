// Fuzz target: polygon rasterisation (rle_from_polygon, rle_from_polygons, rle_from_box)
// on random vertices: small integers, raw doubles (huge, tiny, subnormal, inf, NaN), and
// image sizes from 1x1 to the 32-bit edge. The result is a mask of the image's size.
//
// Input: 1 byte mode, 2+2 bytes size selectors, then coordinates.
#include <algorithm>
#include <cmath>
#include <vector>

#include "limits.hpp"
#include "deteval/mask.hpp"
#include "fuzz.hpp"

using namespace deteval;

namespace {

std::uint32_t pick_size(std::uint16_t sel) {
  switch (sel >> 14) {
    case 3: {
      static const std::uint32_t edge[] = {1, 2, 65535, 65536, 100000, 1000000, 4294967295u, 0};
      return edge[sel & 7];
    }
    case 2: return (sel & 0x3ff) + 1;  // up to 1024
    default: return (sel & 0x3f) + 1;  // 1..64
  }
}

void check(const Rle& r, std::uint32_t h, std::uint32_t w) {
  FUZZ_CHECK(r.height == h && r.width == w);
  const std::uint64_t n = std::uint64_t{h} * w;
  if (n > 0xffffffffu) return;  // beyond RLE's counts: nothing to check but that it returned
  std::uint64_t sum = 0;
  for (std::uint32_t c : r.counts) sum += c;
  FUZZ_CHECK(sum == n);
  const Box b = rle_to_bbox(r);
  if (rle_area(r) > 0) FUZZ_CHECK(b.x >= 0 && b.y >= 0 && b.x + b.w <= w && b.y + b.h <= h);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Bytes in(data, size);
  const std::uint8_t mode = in.take<std::uint8_t>();
  const std::uint32_t h = pick_size(in.take<std::uint16_t>()), w = pick_size(in.take<std::uint16_t>());
  // Bound the work per input: the rasteriser's cost grows with pixel columns crossed.
  if (std::uint64_t{h} * w > (1u << 24) && in.left() > 64) return 0;
  std::vector<double> xy;
  while (in.left() > 0 && xy.size() < 4096) {
    switch (mode & 3) {
      case 0:  // small integers around the image
        xy.push_back(static_cast<double>(in.take<std::int8_t>()) * (mode & 4 ? 8 : 1));
        break;
      case 1:  // fixed point
        xy.push_back(static_cast<double>(in.take<std::int16_t>()) / 16.0);
        break;
      case 2: {  // raw doubles: anything at all
        double d = in.take<double>();
        xy.push_back(d);
        break;
      }
      default:  // big integers
        xy.push_back(static_cast<double>(in.take<std::int32_t>()));
        break;
    }
  }
  // The readers bound the rasteriser's work (formats/src/limits.hpp): polygons whose edges
  // cross more pixel columns than that are refused, so they are not fuzzed here. Near that
  // bound (2^22) an input takes about a second in a release build and over 10 s under ASan
  // (a bisection per column, three rasterisations per input), which libFuzzer reports as a
  // timeout: the target stays 4 times below it, to look for wrong masks, not slow ones.
  // (NaN, which no reader lets through, takes rle_from_polygon's own early exit.)
  if (w > 1000000 || xy.size() / 2 > detail::kMaxPolygonVertices) return 0;
  const bool has_nan = std::any_of(xy.begin(), xy.end(), [](double v) { return std::isnan(v); });
  if (!has_nan && detail::raster_columns(xy, w) > detail::kMaxRasterColumns / 4) return 0;
  check(rle_from_polygon(xy, h, w), h, w);
  if (xy.size() >= 4) {
    check(rle_from_box(Box{xy[0], xy[1], xy[2], xy[3]}, h, w), h, w);
    // Split into two polygons, as a multi-part COCO object.
    const std::size_t half = xy.size() / 2;
    const std::span<const double> parts[2] = {std::span<const double>(xy.data(), half),
                                              std::span<const double>(xy.data() + half, xy.size() - half)};
    check(rle_from_polygons(parts, h, w), h, w);
  }
  return 0;
}
