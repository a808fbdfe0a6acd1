// Fuzz target: the geometry that rotated-box and polygon IoU use on shapes from files:
// polygon_is_valid on random vertices, then shape_iou / intersection_area on the valid ones
// (as the reader only lets valid polygons through) and on rotated-box corners from any
// finite numbers. The IoU is in [0, 1], symmetric, and never NaN.
//
// Input: 1 byte mode, 1 byte vertex count of the first polygon, then coordinates.
#include <cmath>
#include <string>
#include <vector>

#include "deteval/geometry.hpp"
#include "fuzz.hpp"

using namespace deteval;

namespace {

double take_coord(fuzz::Bytes& in, std::uint8_t mode) {
  switch (mode & 3) {
    case 0: return static_cast<double>(in.take<std::int8_t>());
    case 1: return static_cast<double>(in.take<std::int16_t>()) / 64.0;
    case 2: return in.take<double>();
    default: return static_cast<double>(in.take<std::int32_t>()) * 1e-3;
  }
}

void check_pair(PolygonView a, PolygonView b) {
  for (bool crowd : {false, true}) {
    const double iou = shape_iou(a, b, crowd);
    FUZZ_CHECK(iou >= 0 && iou <= 1);  // also false for NaN
  }
  FUZZ_CHECK(shape_iou(a, b, false) == shape_iou(b, a, false));
  const double i1 = intersection_area(a, b), i2 = intersection_area(b, a);
  FUZZ_CHECK(i1 == i2);
  FUZZ_CHECK(i1 >= 0 && i1 <= std::min(polygon_area(a), polygon_area(b)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Bytes in(data, size);
  const std::uint8_t mode = in.take<std::uint8_t>();
  const std::size_t n1 = 2 * (in.take<std::uint8_t>() % 64);
  std::vector<double> a, b;
  while (a.size() < n1 && in.left() > 0) a.push_back(take_coord(in, mode));
  while (b.size() < 256 && in.left() > 0) b.push_back(take_coord(in, mode));
  if (b.size() % 2) b.pop_back();

  if (mode & 0x80) {
    // Rotated boxes as the reader builds them: any finite centre and angle, positive size.
    if (a.size() < 5 || b.size() < 5) return 0;
    double ca[8], cb[8];
    for (double* v : {a.data(), b.data()})
      for (int i = 0; i < 5; ++i)
        if (!std::isfinite(v[i])) return 0;
    if (!(a[2] > 0 && a[3] > 0 && b[2] > 0 && b[3] > 0)) return 0;
    rbox_corners(a[0], a[1], a[2], a[3], a[4], ca);
    rbox_corners(b[0], b[1], b[2], b[3], b[4], cb);
    // As the reader: corners or areas that overflow are refused (coco_reader.cpp, parse_shape).
    for (const double* c : {ca, cb}) {
      for (int i = 0; i < 8; ++i)
        if (!std::isfinite(c[i])) return 0;
      if (!std::isfinite(polygon_area(PolygonView(c, 8)))) return 0;
    }
    check_pair(ca, cb);
    return 0;
  }
  std::string why;
  const bool va = polygon_is_valid(a, why);
  if (!va) FUZZ_CHECK(!why.empty());
  const bool vb = polygon_is_valid(b, why);
  if (!vb) FUZZ_CHECK(!why.empty());
  (void)polygon_is_convex(a);
  (void)shape_info(b);
  if (va && vb) check_pair(a, b);
  return 0;
}
