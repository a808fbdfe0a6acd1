// What the readers accept at most: valid but enormous input gets a clear refusal instead of
// unbounded time or memory. Each limit can be raised at configure time with the CMake cache
// variable of the same name (README.md, "Limits"); not installed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#ifndef DETEVAL_MAX_JSON_DEPTH
#define DETEVAL_MAX_JSON_DEPTH 64
#endif
#ifndef DETEVAL_MAX_POLYGON_VERTICES
#define DETEVAL_MAX_POLYGON_VERTICES 100000
#endif
#ifndef DETEVAL_MAX_RASTER_COLUMNS
#define DETEVAL_MAX_RASTER_COLUMNS 4194304
#endif

namespace deteval::detail {

/// Deepest JSON nesting (COCO needs 5), checked before parsing.
inline constexpr std::size_t kMaxJsonDepth = DETEVAL_MAX_JSON_DEPTH;
/// Most vertices in one polygon (a segmentation part or a `poly` shape).
inline constexpr std::size_t kMaxPolygonVertices = DETEVAL_MAX_POLYGON_VERTICES;
/// Most pixel columns that the edges of one segmentation's polygons may cross, in total:
/// the rasteriser's work and the mask's run count grow with it.
inline constexpr std::uint64_t kMaxRasterColumns = DETEVAL_MAX_RASTER_COLUMNS;

/// The pixel columns that a polygon's edges cross inside an image `width` wide: what
/// rle_from_polygon's time and the mask's run count grow with. Coordinates are finite.
inline std::uint64_t raster_columns(std::span<const double> xy, std::uint32_t width) {
  const std::size_t n = xy.size() / 2;
  const double w = width;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = (i + 1) % n;
    const double a = std::clamp(xy[2 * i], -1.0, w + 1), b = std::clamp(xy[2 * j], -1.0, w + 1);
    total += static_cast<std::uint64_t>(std::fabs(a - b)) + 1;
  }
  return total;
}

}  // namespace deteval::detail
