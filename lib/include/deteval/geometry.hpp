// Exact planar geometry for the `rotated` and `polygon` IoU types: rotated-box corners,
// polygon areas, validity, and the IoU of two simple polygons by exact intersection area.
#pragma once

#include <string>
#include <vector>

#include "deteval/shape.hpp"

namespace deteval {

/// The corners of a rotated box, (cx, cy) + R(theta) (dx, dy) with R = [[cos, -sin], [sin, cos]],
/// in the order (dx, dy) = (-w/2, -h/2), (w/2, -h/2), (w/2, h/2), (-w/2, h/2): a consistent
/// orientation whatever the sign of theta. out = x0, y0, ..., x3, y3.
void rbox_corners(double cx, double cy, double w, double h, double theta, double out[8]);

/// The (absolute) shoelace area of a polygon; 0 for fewer than 3 vertices.
double polygon_area(PolygonView p);

/// True when the polygon is convex (collinear vertices allowed) and turns once around.
bool polygon_is_convex(PolygonView p);

/// True when `p` is a usable simple polygon: an even number of coordinates, >= 3 vertices,
/// all finite, non-zero area, not self-intersecting. Otherwise false with `why` set.
bool polygon_is_valid(PolygonView p, std::string& why);

/// What the IoU needs of a shape, computed once per shape.
struct ShapeInfo {
  double area = 0;                                 ///< absolute area
  double xmin = 0, ymin = 0, xmax = 0, ymax = 0;   ///< axis-aligned extent
  bool convex = false;
};
ShapeInfo shape_info(PolygonView p);

/// Reusable buffers for the clippers, so that the hot loop does not allocate per pair.
struct GeometryScratch {
  std::vector<double> a, b, c;
};

/// area(a ∩ b), exact up to rounding; symmetric in its arguments (bit for bit).
double intersection_area(PolygonView a, const ShapeInfo& ia, PolygonView b, const ShapeInfo& ib,
                         GeometryScratch& scratch);
double intersection_area(PolygonView a, PolygonView b);

/// IoU of a detection with a ground truth: area(D∩G) / (area(D) + area(G) - area(D∩G)), or with
/// `crowd` area(D∩G) / area(D). Identical vertex sequences (up to start vertex and orientation)
/// give exactly 1; shapes whose extents do not overlap or only touch give exactly 0. In [0, 1].
double shape_iou(PolygonView dt, PolygonView gt, bool crowd);
double shape_iou(PolygonView dt, const ShapeInfo& idt, PolygonView gt, const ShapeInfo& igt, bool crowd,
                 GeometryScratch& scratch);

namespace detail {
/// area(a ∩ b) by clipping only (Sutherland–Hodgman against a convex shape, or a signed sum
/// over the fan triangles of one of them): the check on Boost.Geometry for concave pairs, and
/// what is used when the two disagree. Exposed for tests.
double intersection_area_by_clipping(PolygonView a, PolygonView b);
}  // namespace detail

}  // namespace deteval
