// Boost 1.74 rescales coordinates to integers inside its overlay by default, which costs
// about 1e-7 relative accuracy in the intersection area; the exact IoU needs double precision.
#define BOOST_GEOMETRY_NO_ROBUSTNESS
#include "deteval/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/correct.hpp>
#include <boost/geometry/algorithms/intersection.hpp>
#include <boost/geometry/algorithms/is_valid.hpp>
#include <boost/geometry/geometries/multi_polygon.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>

namespace deteval {

namespace {

namespace bg = boost::geometry;
using BPoint = bg::model::d2::point_xy<double>;
using BPolygon = bg::model::polygon<BPoint>;
using BMultiPolygon = bg::model::multi_polygon<BPolygon>;

std::size_t vertex_count(PolygonView p) { return p.size() / 2; }

// Twice the signed area (positive = counter-clockwise with y up), taken relative to the first
// vertex so that large coordinates (1e5) do not cancel away the digits of a small area.
double signed_area2(const double* xy, std::size_t n) {
  if (n < 3) return 0;
  const double x0 = xy[0], y0 = xy[1];
  double s = 0;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    const double ax = xy[2 * i] - x0, ay = xy[2 * i + 1] - y0;
    const double bx = xy[2 * i + 2] - x0, by = xy[2 * i + 3] - y0;
    s += ax * by - bx * ay;
  }
  return s;
}

double sign_of(double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); }

// Same vertex sequence up to the start vertex and the orientation: then the IoU is exactly 1,
// whatever rounding a clipper would add.
bool same_vertex_cycle(PolygonView a, PolygonView b) {
  const std::size_t n = vertex_count(a);
  if (a.size() != b.size() || n == 0) return false;
  for (std::size_t k = 0; k < n; ++k) {
    if (b[2 * k] != a[0] || b[2 * k + 1] != a[1]) continue;
    bool fwd = true, bwd = true;
    for (std::size_t i = 1; i < n && (fwd || bwd); ++i) {
      const std::size_t f = (k + i) % n, r = (k + n - i) % n;
      fwd = fwd && b[2 * f] == a[2 * i] && b[2 * f + 1] == a[2 * i + 1];
      bwd = bwd && b[2 * r] == a[2 * i] && b[2 * r + 1] == a[2 * i + 1];
    }
    if (fwd || bwd) return true;
  }
  return false;
}

// Sutherland–Hodgman: clips the closed polygon in `in` (already translated by -o) by every
// edge of the convex polygon `clip` (orientation sign `s`, translated on the fly). `in` and
// `tmp` are scratch; the result is left in `in`. The subject may be concave: the output then
// may contain zero-width bridges along clip edges, which leave its signed area exact.
void clip_convex(std::vector<double>& in, std::vector<double>& tmp, PolygonView clip, double s, double ox,
                 double oy) {
  const std::size_t m = vertex_count(clip);
  for (std::size_t e = 0; e < m && in.size() >= 6; ++e) {
    const std::size_t f = (e + 1) % m;
    const double ax = clip[2 * e] - ox, ay = clip[2 * e + 1] - oy;
    const double ex = clip[2 * f] - ox - ax, ey = clip[2 * f + 1] - oy - ay;
    if (ex == 0 && ey == 0) continue;  // repeated vertex: no half-plane
    tmp.clear();
    const std::size_t n = in.size() / 2;
    double px = in[2 * n - 2], py = in[2 * n - 1];
    double dp = s * (ex * (py - ay) - ey * (px - ax));
    for (std::size_t i = 0; i < n; ++i) {
      const double cx = in[2 * i], cy = in[2 * i + 1];
      const double dc = s * (ex * (cy - ay) - ey * (cx - ax));
      // The crossing is interpolated from signed distances of opposite signs: no cancellation.
      if ((dc > 0 && dp < 0) || (dc < 0 && dp > 0)) {
        const double t = dp / (dp - dc);
        tmp.push_back(px + t * (cx - px));
        tmp.push_back(py + t * (cy - py));
      }
      if (dc >= 0) {
        tmp.push_back(cx);
        tmp.push_back(cy);
      }
      px = cx, py = cy, dp = dc;
    }
    in.swap(tmp);
  }
}

void load_translated(std::vector<double>& buf, PolygonView p, double ox, double oy) {
  buf.resize(p.size());
  for (std::size_t i = 0; i + 1 < p.size(); i += 2) {
    buf[i] = p[i] - ox;
    buf[i + 1] = p[i + 1] - oy;
  }
}

// area(a ∩ b) for convex `clip`, any simple `subject`, in coordinates translated by -o.
double clipped_area(PolygonView subject, PolygonView clip, double ox, double oy, GeometryScratch& s) {
  load_translated(s.a, subject, ox, oy);
  const double subject_sign = sign_of(signed_area2(s.a.data(), vertex_count(subject)));
  load_translated(s.c, clip, ox, oy);
  const double clip_sign = sign_of(signed_area2(s.c.data(), vertex_count(clip)));
  clip_convex(s.a, s.b, clip, clip_sign, ox, oy);
  return 0.5 * subject_sign * signed_area2(s.a.data(), s.a.size() / 2);
}

// area(a ∩ b) for any two simple polygons without Boost: the indicator of `a` is the signed sum
// of its fan triangles (v0, vk, vk+1), so area(a ∩ b) = sum of signed area(triangle ∩ b), each
// by clipping b with a (convex) triangle. Not exactly 0 for disjoint shapes (rounding noise).
double fan_clipped_area(PolygonView a, PolygonView b, const ShapeInfo& ib, double ox, double oy,
                        GeometryScratch& s) {
  const std::size_t n = vertex_count(a);
  load_translated(s.c, a, ox, oy);
  const double a_sign = sign_of(signed_area2(s.c.data(), n));
  double sum = 0;
  for (std::size_t k = 1; k + 1 < n; ++k) {
    const double t[6] = {a[0], a[1], a[2 * k], a[2 * k + 1], a[2 * k + 2], a[2 * k + 3]};
    const double txmin = std::min({t[0], t[2], t[4]}), txmax = std::max({t[0], t[2], t[4]});
    const double tymin = std::min({t[1], t[3], t[5]}), tymax = std::max({t[1], t[3], t[5]});
    if (txmax <= ib.xmin || ib.xmax <= txmin || tymax <= ib.ymin || ib.ymax <= tymin) continue;
    const double tx[6] = {t[0] - ox, t[1] - oy, t[2] - ox, t[3] - oy, t[4] - ox, t[5] - oy};
    const double tsign = sign_of(signed_area2(tx, 3));
    if (tsign == 0) continue;
    sum += tsign * clipped_area(b, PolygonView(t, 6), ox, oy, s);
  }
  return a_sign * sum;
}

double area_by_clipping(PolygonView p, const ShapeInfo& ip, PolygonView q, const ShapeInfo& iq, double ox,
                        double oy, GeometryScratch& s) {
  if (iq.convex) return clipped_area(p, q, ox, oy, s);
  if (ip.convex) return clipped_area(q, p, ox, oy, s);
  // Fan the polygon with fewer vertices: fewer triangles to clip the other with.
  return vertex_count(p) <= vertex_count(q) ? fan_clipped_area(p, q, iq, ox, oy, s)
                                            : fan_clipped_area(q, p, ip, ox, oy, s);
}

void to_boost(PolygonView p, double ox, double oy, BPolygon& out) {
  auto& ring = out.outer();
  ring.clear();
  const std::size_t n = vertex_count(p);
  ring.reserve(n + 1);
  for (std::size_t i = 0; i < n; ++i) ring.emplace_back(p[2 * i] - ox, p[2 * i + 1] - oy);
  if (n > 0) ring.push_back(ring.front());
  bg::correct(out);  // orientation and closure as the model expects
}

// area(a ∩ b) with Boost.Geometry, or a negative value when it throws or answers something
// impossible.
double boost_intersection_area(PolygonView a, PolygonView b, double ox, double oy, double bound) {
  try {
    BPolygon pa, pb;
    to_boost(a, ox, oy, pa);
    to_boost(b, ox, oy, pb);
    BMultiPolygon out;
    if (!bg::intersection(pa, pb, out)) return -1;
    const double area = bg::area(out);
    if (!std::isfinite(area) || area < 0 || area > bound) return -1;
    return area;
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

void rbox_corners(double cx, double cy, double w, double h, double theta, double out[8]) {
  const double c = std::cos(theta), s = std::sin(theta);
  const double dxs[4] = {-w / 2, w / 2, w / 2, -w / 2};
  const double dys[4] = {-h / 2, -h / 2, h / 2, h / 2};
  for (int k = 0; k < 4; ++k) {
    // The expression order of the conformance data, so corners agree to the last bit.
    out[2 * k] = cx + (c * dxs[k] - s * dys[k]);
    out[2 * k + 1] = cy + (s * dxs[k] + c * dys[k]);
  }
}

double polygon_area(PolygonView p) { return 0.5 * std::fabs(signed_area2(p.data(), vertex_count(p))); }

bool polygon_is_convex(PolygonView p) {
  const std::size_t n = vertex_count(p);
  if (n < 3) return false;
  const double x0 = p[0], y0 = p[1];
  auto vx = [&](std::size_t i) { return p[2 * (i % n)] - x0; };
  auto vy = [&](std::size_t i) { return p[2 * (i % n) + 1] - y0; };
  double turn = 0;
  int xflips = 0, yflips = 0;
  double last_ex = 0, last_ey = 0;
  // Sign of the first non-zero edge component, to count sign changes around the cycle.
  for (std::size_t i = n; i-- > 0 && (last_ex == 0 || last_ey == 0);) {
    const double ex = vx(i + 1) - vx(i), ey = vy(i + 1) - vy(i);
    if (last_ex == 0) last_ex = ex;
    if (last_ey == 0) last_ey = ey;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double e1x = vx(i + 1) - vx(i), e1y = vy(i + 1) - vy(i);
    const double e2x = vx(i + 2) - vx(i + 1), e2y = vy(i + 2) - vy(i + 1);
    const double c = e1x * e2y - e2x * e1y;
    if (c != 0) {
      if (turn == 0) turn = sign_of(c);
      else if (sign_of(c) != turn) return false;
    }
    // A convex polygon's edge directions change the sign of x (and of y) exactly twice; a
    // star polygon with all turns one way (a pentagram) changes them more often.
    if (e1x != 0) {
      if ((e1x > 0) != (last_ex > 0)) ++xflips;
      last_ex = e1x;
    }
    if (e1y != 0) {
      if ((e1y > 0) != (last_ey > 0)) ++yflips;
      last_ey = e1y;
    }
  }
  return turn != 0 && xflips <= 2 && yflips <= 2;
}

bool polygon_is_valid(PolygonView p, std::string& why) {
  if (p.size() % 2 != 0) {
    why = "odd number of coordinates";
    return false;
  }
  if (vertex_count(p) < 3) {
    why = "fewer than 3 vertices";
    return false;
  }
  for (double v : p) {
    if (!std::isfinite(v)) {
      why = "non-finite coordinate";
      return false;
    }
  }
  const double area = polygon_area(p);
  if (!std::isfinite(area)) {  // finite coordinates near the double range: the products overflow
    why = "coordinates too large (the area overflows)";
    return false;
  }
  if (area == 0) {
    why = "zero area";
    return false;
  }
  BPolygon bp;
  to_boost(p, p[0], p[1], bp);
  std::string message;
  if (!bg::is_valid(bp, message)) {
    why = "not a simple polygon: " + message;
    return false;
  }
  return true;
}

ShapeInfo shape_info(PolygonView p) {
  ShapeInfo info;
  const std::size_t n = vertex_count(p);
  if (n == 0) return info;
  info.area = polygon_area(p);
  info.xmin = info.xmax = p[0];
  info.ymin = info.ymax = p[1];
  for (std::size_t i = 1; i < n; ++i) {
    info.xmin = std::min(info.xmin, p[2 * i]);
    info.xmax = std::max(info.xmax, p[2 * i]);
    info.ymin = std::min(info.ymin, p[2 * i + 1]);
    info.ymax = std::max(info.ymax, p[2 * i + 1]);
  }
  info.convex = polygon_is_convex(p);
  return info;
}

double intersection_area(PolygonView a, const ShapeInfo& ia, PolygonView b, const ShapeInfo& ib,
                         GeometryScratch& scratch) {
  if (vertex_count(a) < 3 || vertex_count(b) < 3 || ia.area == 0 || ib.area == 0) return 0;
  // Extents that do not overlap, or only touch: no interior in common.
  if (!(ia.xmin < ib.xmax && ib.xmin < ia.xmax && ia.ymin < ib.ymax && ib.ymin < ia.ymax)) return 0;
  const double bound = std::min(ia.area, ib.area);
  // The same cycle from another start vertex or in the other orientation: its shoelace area
  // can differ in the last bit, so take the smaller one either way round (symmetry).
  if (same_vertex_cycle(a, b)) return std::min(ia.area, ib.area);
  // One canonical argument order, so that the result is symmetric to the last bit.
  const bool swap = a.size() != b.size() ? a.size() > b.size()
                                         : std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end());
  const PolygonView p = swap ? b : a, q = swap ? a : b;
  const ShapeInfo& ip = swap ? ib : ia;
  const ShapeInfo& iq = swap ? ia : ib;
  // Work relative to a corner of the common extent: the intersection lies near it, so the
  // digits of coordinates near 1e5 do not swamp those of a small intersection.
  const double ox = std::max(ip.xmin, iq.xmin), oy = std::max(ip.ymin, iq.ymin);
  double area;
  if (ip.convex && iq.convex) {
    area = clipped_area(p, q, ox, oy, scratch);
  } else {
    // Boost.Geometry gives clean results (exactly 0 for disjoint or touching concave shapes,
    // where the clipping sum leaves rounding noise), but without rescaling it can mis-trace
    // near-coincident edges. The clipping sum makes no topological decisions, so it is the
    // referee: Boost's answer is kept only when both agree.
    const double clipped = area_by_clipping(p, ip, q, iq, ox, oy, scratch);
    const double boosted = boost_intersection_area(p, q, ox, oy, bound * (1 + 1e-9) + 1e-300);
    area = boosted >= 0 && std::fabs(boosted - clipped) <= 1e-9 * bound ? boosted : clipped;
  }
  if (!(area > 0)) return 0;  // also NaN
  return std::min(area, bound);
}

double detail::intersection_area_by_clipping(PolygonView a, PolygonView b) {
  const ShapeInfo ia = shape_info(a), ib = shape_info(b);
  if (vertex_count(a) < 3 || vertex_count(b) < 3) return 0;
  GeometryScratch scratch;
  const double area = area_by_clipping(a, ia, b, ib, std::max(ia.xmin, ib.xmin), std::max(ia.ymin, ib.ymin),
                                       scratch);
  return area > 0 ? std::min(area, std::min(ia.area, ib.area)) : 0;
}

double intersection_area(PolygonView a, PolygonView b) {
  GeometryScratch scratch;
  return intersection_area(a, shape_info(a), b, shape_info(b), scratch);
}

double shape_iou(PolygonView dt, const ShapeInfo& idt, PolygonView gt, const ShapeInfo& igt, bool crowd,
                 GeometryScratch& scratch) {
  if (idt.area > 0 && same_vertex_cycle(dt, gt)) return 1;
  const double inter = intersection_area(dt, idt, gt, igt, scratch);
  if (inter == 0) return 0;
  const double uni = crowd ? idt.area : idt.area + igt.area - inter;
  if (!(uni > 0)) return 0;
  return std::clamp(inter / uni, 0.0, 1.0);
}

double shape_iou(PolygonView dt, PolygonView gt, bool crowd) {
  GeometryScratch scratch;
  return shape_iou(dt, shape_info(dt), gt, shape_info(gt), crowd, scratch);
}

}  // namespace deteval
