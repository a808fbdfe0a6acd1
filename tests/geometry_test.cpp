// Exact geometric IoU: the conformance pairs, invariances, edge cases, and agreement with an
// independent point-sampling rasterisation on random pairs.
#include "deteval/geometry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "deteval/dataset.hpp"
#include "deteval/iou_provider.hpp"

namespace deteval {
namespace {

using Poly = std::vector<double>;

Poly rbox(double cx, double cy, double w, double h, double theta) {
  Poly p(8);
  rbox_corners(cx, cy, w, h, theta, p.data());
  return p;
}

Poly shape_of(const std::string& kind, const nlohmann::json& v) {
  const auto a = v.get<std::vector<double>>();
  if (kind == "rotated") return rbox(a[0], a[1], a[2], a[3], a[4]);
  return a;
}

struct Pair {
  std::string kind, note;
  Poly a, b;
  double iou;
};

const std::vector<Pair>& pairs() {
  static const std::vector<Pair> all = [] {
    std::ifstream in(std::string(DETEVAL_SOURCE_DIR) + "/fixtures/geometry/pairs.json");
    EXPECT_TRUE(in.good()) << "fixtures/geometry/pairs.json missing";
    std::vector<Pair> out;
    if (!in.good()) return out;
    const auto j = nlohmann::json::parse(in);
    for (const auto& e : j) {
      const std::string kind = e.at("kind");
      out.push_back({kind, e.at("note"), shape_of(kind, e.at("a")), shape_of(kind, e.at("b")), e.at("iou")});
    }
    return out;
  }();
  return all;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool axis_aligned(const Poly& p) {
  const std::size_t n = p.size() / 2;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = (i + 1) % n;
    if (p[2 * i] != p[2 * j] && p[2 * i + 1] != p[2 * j + 1]) return false;
  }
  return true;
}

// The README's exactness promises: exactly 1 for identical inputs, exactly 0 for disjoint and
// exact/axis-aligned touching shapes, the exact value for the small dyadic cases.
bool expects_exact(const Pair& p) {
  const std::string& n = p.note;
  if (starts_with(n, "identical") || starts_with(n, "same polygon") || starts_with(n, "disjoint")) return true;
  if (starts_with(n, "axis-aligned, IoU exactly")) return true;
  if (starts_with(n, "touching"))
    return n.find("(exact)") != std::string::npos || (p.kind == "polygon" && axis_aligned(p.a) && axis_aligned(p.b));
  return false;
}

Poly transformed(const Poly& p, double angle, double tx, double ty) {
  const double c = std::cos(angle), s = std::sin(angle);
  Poly q(p.size());
  for (std::size_t i = 0; i < p.size(); i += 2) {
    q[i] = c * p[i] - s * p[i + 1] + tx;
    q[i + 1] = s * p[i] + c * p[i + 1] + ty;
  }
  return q;
}

TEST(Geometry, ConformancePairsWithin1e9AndSymmetric) {
  ASSERT_GT(pairs().size(), 300u);
  double max_err = 0;
  int exact = 0;
  for (const Pair& p : pairs()) {
    const double ab = shape_iou(p.a, p.b, false), ba = shape_iou(p.b, p.a, false);
    EXPECT_EQ(ab, ba) << p.note;
    EXPECT_NEAR(ab, p.iou, 1e-9) << p.note;
    max_err = std::max(max_err, std::fabs(ab - p.iou));
    if (expects_exact(p)) {
      ++exact;
      EXPECT_EQ(ab, p.iou) << "expected exactly: " << p.note;
    }
  }
  EXPECT_GT(exact, 60);
  std::printf("pairs.json: %zu pairs, %d exact, max |error| %.3g\n", pairs().size(), exact, max_err);
}

// The Boost-free fallback must be as good on its own, so that a Boost.Geometry failure on a
// concave pair cannot cost accuracy.
TEST(Geometry, ClippingFallbackAgreesOnConformancePairs) {
  double max_err = 0;
  for (const Pair& p : pairs()) {
    const double a = polygon_area(p.a), b = polygon_area(p.b);
    const double i = detail::intersection_area_by_clipping(p.a, p.b);
    const double iou = i / (a + b - i);
    if (p.iou == 1.0 && (starts_with(p.note, "identical") || starts_with(p.note, "same polygon"))) {
      EXPECT_NEAR(iou, 1.0, 1e-9) << p.note;  // exactly 1 comes from the identity guard
      continue;
    }
    EXPECT_NEAR(iou, p.iou, 1e-9) << p.note;
    max_err = std::max(max_err, std::fabs(iou - p.iou));
  }
  std::printf("pairs.json by clipping only: max |error| %.3g\n", max_err);
}

TEST(Geometry, InvariantUnderTranslationAndRotation) {
  const double moves[][3] = {{0.0, 1000.5, -250.25}, {0.7, 0, 0}, {-2.1, -3e3, 4e3}, {std::numbers::pi / 2, 10, 10}};
  for (const Pair& p : pairs()) {
    for (const auto& m : moves) {
      const Poly a = transformed(p.a, m[0], m[1], m[2]), b = transformed(p.b, m[0], m[1], m[2]);
      const double iou = shape_iou(a, b, false);
      EXPECT_NEAR(iou, p.iou, 1e-9) << p.note << " moved by " << m[0] << ", " << m[1] << ", " << m[2];
      EXPECT_EQ(iou, shape_iou(b, a, false));
    }
  }
}

TEST(Geometry, RboxCorners) {
  double c[8];
  rbox_corners(10, 20, 4, 2, 0, c);
  const double expect[8] = {8, 19, 12, 19, 12, 21, 8, 21};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(c[i], expect[i]);
  rbox_corners(0, 0, 4, 2, std::numbers::pi / 2, c);  // (dx, dy) -> (-dy, dx)
  EXPECT_NEAR(c[0], 1, 1e-15);
  EXPECT_NEAR(c[1], -2, 1e-15);
  EXPECT_NEAR(c[2], 1, 1e-15);
  EXPECT_NEAR(c[3], 2, 1e-15);
  EXPECT_NEAR(polygon_area(rbox(5, 5, 3, 7, 1.234)), 21, 1e-12);
  EXPECT_TRUE(polygon_is_convex(rbox(5, 5, 3, 7, -20.1)));
}

TEST(Geometry, AreaAndConvexity) {
  const Poly l{0, 0, 2, 0, 2, 1, 1, 1, 1, 2, 0, 2};
  EXPECT_EQ(polygon_area(l), 3);
  Poly rev;
  for (std::size_t i = l.size(); i >= 2; i -= 2) rev.insert(rev.end(), {l[i - 2], l[i - 1]});
  EXPECT_EQ(polygon_area(rev), 3);
  EXPECT_FALSE(polygon_is_convex(l));
  EXPECT_TRUE(polygon_is_convex(Poly{0, 0, 1, 0, 2, 0, 2, 2, 0, 2}));  // collinear vertex
  // A pentagram turns the same way at every vertex but winds twice: not convex.
  Poly star;
  for (int k = 0; k < 5; ++k) {
    const double t = 2 * std::numbers::pi * (2 * k) / 5;
    star.insert(star.end(), {std::cos(t), std::sin(t)});
  }
  EXPECT_FALSE(polygon_is_convex(star));
}

TEST(Geometry, Validity) {
  std::string why;
  EXPECT_TRUE(polygon_is_valid(Poly{0, 0, 2, 0, 2, 1, 1, 1, 1, 2, 0, 2}, why)) << why;
  EXPECT_TRUE(polygon_is_valid(Poly{0, 0, 1, 0, 2, 0, 2, 2, 0, 2}, why)) << why;  // collinear
  EXPECT_TRUE(polygon_is_valid(Poly{0, 0, 0, 2, 2, 2, 2, 0}, why)) << why;        // clockwise
  EXPECT_TRUE(polygon_is_valid(rbox(1e5, 1e5, 3, 0.5, 12.3), why)) << why;
  EXPECT_FALSE(polygon_is_valid(Poly{0, 0, 1, 0}, why));
  EXPECT_FALSE(why.empty());
  EXPECT_FALSE(polygon_is_valid(Poly{0, 0, 1, 0, 1}, why));
  EXPECT_FALSE(polygon_is_valid(Poly{0, 0, 1, 0, NAN, 1}, why));
  EXPECT_FALSE(polygon_is_valid(Poly{0, 0, 1, 1, 2, 2}, why));  // zero area
  why.clear();
  EXPECT_FALSE(polygon_is_valid(Poly{0, 0, 4, 0, 4, 4, 3, -2}, why));  // self-crossing
  EXPECT_NE(why.find("simple"), std::string::npos) << why;
}

// The failures the issue reports from other tools.
TEST(Geometry, IssueBugCases) {
  const Poly a = rbox(300.5, 200.25, 80, 30, 0.6);
  EXPECT_EQ(shape_iou(a, a, false), 1.0);  // not 1/3
  EXPECT_EQ(shape_iou(a, rbox(300.5, 200.25, 80, 30, 0.6 + 2 * std::numbers::pi), false) > 1 - 1e-12, true);
  // Disjoint with overlapping extents: separated along the short axis by a gap of 2.
  const double nx = -std::sin(0.6), ny = std::cos(0.6);
  EXPECT_EQ(shape_iou(a, rbox(300.5 + 32 * nx, 200.25 + 32 * ny, 80, 30, 0.6), false), 0.0);  // not 0.27
  // Near-identical: theta + 1e-9 and a 1e-9 shift, also at large coordinates. Turning a w x h
  // box by a small d about its centre loses d (w^2 + h^2) / 4 on each side of the union.
  for (double base : {0.0, 3e4, 1e5}) {
    const Poly g = rbox(base + 300.5, base + 200.25, 80, 30, 0.6);
    EXPECT_NEAR(shape_iou(g, rbox(base + 300.5, base + 200.25, 80, 30, 0.6 + 1e-9), false),
                1.0 - 1e-9 * (80 * 80 + 30 * 30) / (2 * 80 * 30), 1e-11);
    EXPECT_NEAR(shape_iou(g, rbox(base + 300.5 + 1e-9, base + 200.25 - 1e-9, 80, 30, 0.6), false), 1.0, 1e-9);
  }
  // The same for concave shapes (Boost.Geometry's path).
  const Poly u{0, 0, 30, 0, 30, 30, 20, 30, 20, 10, 10, 10, 10, 30, 0, 30};
  const Poly u2 = transformed(u, 1e-9, 1e-9, -1e-9);
  const double near_one = shape_iou(u, u2, false);
  EXPECT_GT(near_one, 1 - 1e-7);
  EXPECT_LT(near_one, 1.0);
  const double i = detail::intersection_area_by_clipping(u, u2);
  EXPECT_NEAR(near_one, i / (polygon_area(u) + polygon_area(u2) - i), 1e-13);
  EXPECT_EQ(shape_iou(u, Poly{12, 12, 18, 12, 18, 40, 12, 40}, false), 0.0);  // in the notch
}

TEST(Geometry, TouchingNestedCrowd) {
  const Poly sq{0, 0, 4, 0, 4, 4, 0, 4};
  EXPECT_EQ(shape_iou(sq, Poly{4, 0, 8, 0, 8, 4, 4, 4}, false), 0.0);  // shared edge
  EXPECT_EQ(shape_iou(sq, Poly{4, 4, 8, 4, 8, 8, 4, 8}, false), 0.0);  // shared corner
  EXPECT_EQ(shape_iou(sq, Poly{9, 0, 10, 0, 10, 1}, false), 0.0);      // far
  const Poly inner{1, 1, 3, 1, 3, 3, 1, 3};
  EXPECT_EQ(shape_iou(sq, inner, false), 0.25);
  EXPECT_EQ(shape_iou(inner, sq, true), 1.0);    // crowd: inside the crowd region
  EXPECT_EQ(shape_iou(sq, inner, true), 0.25);   // crowd: D larger than the region
  EXPECT_EQ(shape_iou(Poly{2, 0, 6, 0, 6, 4, 2, 4}, sq, true), 0.5);
  // L shapes completing a square: touching along a concave chain.
  const Poly l{0, 0, 4, 0, 4, 1, 1, 1, 1, 4, 0, 4};
  const Poly rest{1, 1, 4, 1, 4, 4, 1, 4};
  EXPECT_EQ(shape_iou(l, rest, false), 0.0);
  EXPECT_EQ(shape_iou(l, sq, false), 7.0 / 16.0);
  EXPECT_EQ(shape_iou(sq, l, true), 7.0 / 16.0);
  EXPECT_EQ(shape_iou(l, sq, true), 1.0);
  // Degenerate input gives 0, never NaN.
  EXPECT_EQ(shape_iou(Poly{0, 0, 1, 1, 2, 2}, sq, false), 0.0);
  EXPECT_EQ(shape_iou(Poly{}, sq, false), 0.0);
}

// ---- rasterisation: point sampling at cell centres, counted exactly row by row ----

void crossings(const Poly& p, double y, std::vector<double>& xs) {
  xs.clear();
  const std::size_t n = p.size() / 2;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = (i + 1) % n;
    const double x0 = p[2 * i], y0 = p[2 * i + 1], x1 = p[2 * j], y1 = p[2 * j + 1];
    if ((y0 <= y) != (y1 <= y)) xs.push_back(x0 + (y - y0) * (x1 - x0) / (y1 - y0));
  }
  std::sort(xs.begin(), xs.end());
}

// Sampled area(a ∩ b) on an N x N grid over the common extent, and a bound on its error:
// only cells that a boundary edge crosses can be misclassified.
std::pair<double, double> raster_intersection(const Poly& a, const Poly& b, int N) {
  const ShapeInfo ia = shape_info(a), ib = shape_info(b);
  const double x0 = std::max(ia.xmin, ib.xmin), x1 = std::min(ia.xmax, ib.xmax);
  const double y0 = std::max(ia.ymin, ib.ymin), y1 = std::min(ia.ymax, ib.ymax);
  if (x1 <= x0 || y1 <= y0) return {0, 0};
  const double hx = (x1 - x0) / N, hy = (y1 - y0) / N;
  std::vector<double> xa, xb;
  long count = 0;
  for (int r = 0; r < N; ++r) {
    const double y = y0 + (r + 0.5) * hy;
    crossings(a, y, xa);
    crossings(b, y, xb);
    for (std::size_t i = 0; i + 1 < xa.size(); i += 2)
      for (std::size_t j = 0; j + 1 < xb.size(); j += 2) {
        const double l = std::max(xa[i], xb[j]), h = std::min(xa[i + 1], xb[j + 1]);
        if (h <= l) continue;
        // Sample columns c with l <= x0 + (c + 0.5) hx < h.
        const long lo = std::clamp<long>(static_cast<long>(std::ceil((l - x0) / hx - 0.5)), 0, N);
        const long hi = std::clamp<long>(static_cast<long>(std::ceil((h - x0) / hx - 0.5)), 0, N);
        count += std::max(0L, hi - lo);
      }
  }
  double cells = 0;
  for (const Poly* p : {&a, &b}) {
    const std::size_t n = p->size() / 2;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t j = (i + 1) % n;
      cells += std::fabs((*p)[2 * j] - (*p)[2 * i]) / hx + std::fabs((*p)[2 * j + 1] - (*p)[2 * i + 1]) / hy + 3;
    }
  }
  return {count * hx * hy, cells * hx * hy};
}

Poly random_star(std::mt19937_64& rng, double cx, double cy, double r) {
  std::uniform_int_distribution<int> nv(5, 24);
  std::uniform_real_distribution<double> u(0, 1);
  const int n = nv(rng);
  const double phase = 2 * std::numbers::pi * u(rng);
  Poly p;
  for (int k = 0; k < n; ++k) {
    // Strictly increasing angles around the centre: a simple, usually concave polygon.
    const double t = phase + 2 * std::numbers::pi * (k + 0.8 * u(rng)) / n;
    const double rad = r * (0.3 + 0.7 * u(rng));
    p.insert(p.end(), {cx + rad * std::cos(t), cy + rad * std::sin(t)});
  }
  if (u(rng) < 0.5) {  // either orientation
    Poly q;
    for (std::size_t i = p.size(); i >= 2; i -= 2) q.insert(q.end(), {p[i - 2], p[i - 1]});
    p = q;
  }
  return p;
}

TEST(Geometry, AgreesWithRasterisationOnRandomPairs) {
  std::mt19937_64 rng(20240611);
  std::uniform_real_distribution<double> u(0, 1);
  double worst = 0, worst_iou = 0;
  int overlapping = 0;
  for (int k = 0; k < 1000; ++k) {
    const double base = u(rng) < 0.2 ? 5e4 : 0;
    auto shape = [&](int kind) {
      const double cx = base + 50 * u(rng), cy = base + 50 * u(rng), s = 20 + 60 * u(rng);
      if (kind == 0) return rbox(cx, cy, s, s * (0.02 + 0.98 * u(rng)), 40 * u(rng) - 20);
      return random_star(rng, cx, cy, s / 2);
    };
    const int ka = k % 3 == 2 ? 1 : 0, kb = k % 3 == 0 ? 0 : 1;  // box-box, box-star, star-star
    const Poly a = shape(ka), b = shape(kb);
    std::string why;
    ASSERT_TRUE(polygon_is_valid(a, why)) << why;
    ASSERT_TRUE(polygon_is_valid(b, why)) << why;
    const double exact = intersection_area(a, b);
    const auto [sampled, bound] = raster_intersection(a, b, 1024);
    ASSERT_LE(std::fabs(exact - sampled), bound) << "pair " << k;
    if (exact > 0) ++overlapping;
    worst = std::max(worst, std::fabs(exact - sampled) / std::max(bound, 1e-300));
    // The bound above is rigorous but loose; in practice a 1024^2 sampling is much closer.
    const double ua = polygon_area(a) + polygon_area(b);
    EXPECT_NEAR(exact / (ua - exact), sampled / (ua - sampled), 1e-3) << "pair " << k;
    worst_iou = std::max(worst_iou, std::fabs(exact / (ua - exact) - sampled / (ua - sampled)));
    EXPECT_EQ(shape_iou(a, b, false), shape_iou(b, a, false));
    const double iou = shape_iou(a, b, false);
    EXPECT_NEAR(iou, exact / (polygon_area(a) + polygon_area(b) - exact), 1e-12);
    EXPECT_NEAR(detail::intersection_area_by_clipping(a, b), exact, 1e-9 * std::max(1.0, exact));
  }
  EXPECT_GT(overlapping, 500);
  std::printf("random pairs: worst |exact - sampled| / bound = %.3g, worst IoU difference %.3g\n", worst,
              worst_iou);
}

// ---- the provider ----

TEST(ShapeIouProvider, BlocksAreRowMajorWithCrowdPerColumn) {
  GroundTruth gt;
  Detections dt;
  const Poly g0 = rbox(50, 50, 20, 10, 0.3), g1{0, 0, 4, 0, 4, 4, 0, 4}, g2{0, 0, 8, 0, 8, 8, 0, 8};
  for (const Poly* g : {&g0, &g1, &g2}) {
    gt.ann_id.push_back(static_cast<std::int64_t>(gt.ann_id.size()) + 1);
    gt.image.push_back(0);
    gt.category.push_back(0);
    gt.box.push_back({});
    gt.area.push_back(polygon_area(*g));
    gt.shapes.push_back(*g);
  }
  gt.iscrowd = {0, 0, 1};
  const Poly d0 = g0, d1{2, 0, 6, 0, 6, 4, 2, 4};
  for (const Poly* d : {&d0, &d1}) {
    dt.image.push_back(0);
    dt.category.push_back(0);
    dt.score.push_back(1);
    dt.box.push_back({});
    dt.area.push_back(polygon_area(*d));
    dt.shapes.push_back(*d);
  }
  auto provider = make_iou_provider(gt, dt, IouType::rotated);
  ASSERT_TRUE(provider);
  const std::uint32_t rows[] = {1, 0}, cols[] = {0, 1, 2};
  double out[6];
  IouTask task{rows, cols, out};
  provider->compute(std::span<const IouTask>(&task, 1));
  EXPECT_EQ(out[0], 0.0);
  EXPECT_EQ(out[1], 8.0 / 24.0);
  EXPECT_EQ(out[2], 1.0);  // crowd: d1 lies inside g2
  EXPECT_EQ(out[3], 1.0);
  EXPECT_EQ(out[4], 0.0);
  EXPECT_EQ(out[5], 0.0);
  EXPECT_TRUE(make_iou_provider(gt, dt, IouType::polygon));

  dt.shapes.clear();
  EXPECT_THROW(make_iou_provider(gt, dt, IouType::polygon), InputError);
}

}  // namespace
}  // namespace deteval
