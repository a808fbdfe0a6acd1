// Polygon rasterisation with pycocotools' pixels (maskApi.c rleFrPoly).
//
// rleFrPoly scales the vertices by 5, walks every edge one upsampled step at a
// time (along x when |dx| >= |dy|, else along y), and keeps the points where
// the walk moves from one upsampled column to the next at a pixel column's
// centre (upsampled x = 5X + 2). Each kept point toggles the mask at pixel
// (X, ceil(y)) in column-major order.
//
// Materialising every upsampled point costs memory proportional to the
// perimeter, which is unbounded for vertices far outside the image. Here each
// edge is visited only where a kept point can be: for every pixel column X the
// edge spans, the step that crosses 5X+2 | 5X+3 is found directly (x-major
// edges) or by bisection (y-major edges, whose x is monotone along the walk),
// and its two points are computed with maskApi's exact expressions. The set of
// kept points, and so the mask, is the same as maskApi's.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "deteval/mask.hpp"

namespace deteval {

namespace {

constexpr double kScale = 5;
// Coordinates beyond this are clamped: up to it, every integer maskApi forms fits
// in an int (5 * 2e8 and differences of two such), so its results are defined.
constexpr double kCoordLimit = 2e8;

/// C's (int) conversion as x86-64 performs it (cvttsd2si): truncation toward
/// zero, and INT_MIN for NaN or out of range. maskApi relies on it for the 0/0
/// slope of a zero-length edge.
int to_int(double v) {
  if (!(v > -2147483649.0 && v < 2147483648.0)) return INT_MIN;
  return static_cast<int>(v);
}

struct Point {
  int u, v;  // upsampled x, y
};

/// One edge of the upsampled polygon as maskApi walks it.
struct Edge {
  int xs, ys, xe, ye;  // after maskApi's flip: the walk's parameter t runs from (xs, ys)
  bool x_major;        // dx >= dy: t steps along x
  bool flip;           // the walk visits t from n-1 down to 0
  int n;               // number of points, max(dx, dy) + 1
  double s;            // slope, maskApi's `s`

  Edge(int x0, int y0, int x1, int y1) {
    const int dx = std::abs(x1 - x0), dy = std::abs(y0 - y1);
    x_major = dx >= dy;
    flip = (x_major && x0 > x1) || (!x_major && y0 > y1);
    if (flip) {
      std::swap(x0, x1);
      std::swap(y0, y1);
    }
    xs = x0, ys = y0, xe = x1, ye = y1;
    // Same expression and types as maskApi (0/0 gives NaN for a zero-length edge).
    s = x_major ? static_cast<double>(ye - ys) / dx : static_cast<double>(xe - xs) / dy;
    n = std::max(dx, dy) + 1;
  }

  int u_at(int t) const { return x_major ? t + xs : to_int(xs + s * t + .5); }
  int v_at(int t) const { return x_major ? to_int(ys + s * t + .5) : t + ys; }
  Point at(int t) const { return {u_at(t), v_at(t)}; }
  Point first() const { return at(flip ? n - 1 : 0); }
  Point last() const { return at(flip ? 0 : n - 1); }

  /// Smallest t whose u lies on the far side of the boundary between upsampled
  /// columns c and c + 1 (u >= c + 1 when u grows with t, u <= c when it shrinks).
  int crossing(int c, bool increasing) const {
    auto beyond = [&](int t) { return increasing ? u_at(t) >= c + 1 : u_at(t) <= c; };
    if (x_major) return c + 1 - xs;  // u = t + xs, always increasing
    // u is monotone in t and beyond(n - 1) holds: start where the line crosses c + 1/2
    // and step to the first t where beyond holds (a step or two; no bisection).
    const double guess = std::clamp((c + .5 - xs) / s, 0.0, static_cast<double>(n - 1));
    int t = static_cast<int>(guess);
    while (t > 0 && beyond(t - 1)) --t;
    while (t < n - 1 && !beyond(t)) ++t;
    return t;
  }
};

/// A thread's buffers for rasterising, reused from polygon to polygon: a COCO-scale ground
/// truth rasterises ~36,000 polygons on every thread at once, and allocating them afresh
/// serialised the threads on the allocator's lock (one malloc arena: runtime/memory.cpp).
struct Scratch {
  std::vector<int> x, y;                        // upsampled vertices
  std::vector<std::uint32_t> at, column;        // toggle positions and their columns
  std::vector<std::uint32_t> start, sorted, next;  // sort_toggles' counting sort
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

class Crossings {
 public:
  Crossings(std::uint32_t h, std::uint32_t w, Scratch& s)
      : h_(h), w_(w), at_(s.at), column_(s.column), start_(s.start), sorted_(s.sorted), next_(s.next) {
    at_.clear();
    column_.clear();
  }

  /// maskApi's test on one pair of consecutive walk points (prev, cur), in integers.
  /// maskApi computes xd = (u + .5) / 5 - .5 and keeps the pair when xd is a whole
  /// number in [0, w-1]; in doubles that is exactly u = 5X + 2 (other remainders land
  /// 0.2 or more from a whole number). Its row, ceil((v + .5) / 5 - .5) clamped to
  /// [0, h], is likewise ceil((v - 2) / 5) clamped.
  void add(Point prev, Point cur) {
    if (cur.u == prev.u) return;
    const std::int64_t u = cur.u < prev.u ? cur.u : std::int64_t{cur.u} - 1;
    if (u < 2 || (u - 2) % 5 != 0 || (u - 2) / 5 > std::int64_t{w_} - 1) return;
    const std::int64_t v = (cur.v < prev.v ? cur.v : prev.v) - std::int64_t{2};
    const std::int64_t row = std::clamp<std::int64_t>(v >= 0 ? (v + 4) / 5 : -(-v / 5), 0, h_);
    // Column-major index of the toggle; at most h*w, which fits (checked by the caller).
    const auto x = static_cast<std::uint32_t>((u - 2) / 5);
    at_.push_back(static_cast<std::uint32_t>(std::uint64_t{x} * h_ + static_cast<std::uint64_t>(row)));
    column_.push_back(x);
    min_column_ = std::min(min_column_, x);
    max_column_ = std::max(max_column_, x);
  }

  /// All pairs of consecutive points inside one edge that maskApi may keep.
  void add_edge(const Edge& e) {
    const int u0 = e.u_at(0), u1 = e.u_at(e.n - 1);
    if (u0 == u1) return;
    const bool increasing = u1 > u0;
    const long lo = std::min(u0, u1), hi = std::max(u0, u1) - 1;  // boundaries c | c+1 the edge crosses
    // Only c = 5X + 2 with 0 <= X < w can pass the test in add().
    const long X0 = lo <= 2 ? 0 : (lo - 2 + 4) / 5;
    const long X1 = std::min<long>(long{w_} - 1, hi < 2 ? -1 : (hi - 2) / 5);
    for (long X = X0; X <= X1; ++X) {
      const int c = static_cast<int>(5 * X + 2);
      const int t = e.crossing(c, increasing);  // the pair is (t - 1, t)
      const Point a = e.at(t - 1), b = e.at(t);
      const Point prev = e.flip ? b : a, cur = e.flip ? a : b;
      // A pair that jumps over several boundaries is maskApi's to keep at one of them only.
      const int xraw = cur.u < prev.u ? cur.u : cur.u - 1;
      if (xraw == c) add(prev, cur);
    }
  }

  /// The RLE from the toggles, as maskApi builds it: sorted positions, their
  /// differences, zero-length runs folded into the run before them.
  Rle finish() {
    const std::uint32_t n = h_ * w_;
    sort_toggles();
    at_.push_back(n);
    std::uint32_t p = 0;
    for (auto& a : at_) {
      const std::uint32_t t = a;
      a -= p;
      p = t;
    }
    Rle r{h_, w_, {}};
    r.counts.reserve(at_.size());
    std::size_t j = 0;
    r.counts.push_back(at_[j++]);
    while (j < at_.size()) {
      if (at_[j] > 0) {
        r.counts.push_back(at_[j++]);
      } else if (++j < at_.size()) {
        r.counts.back() += at_[j++];
      }
    }
    return r;
  }

 private:
  /// Sorts the toggle positions: by column with a counting sort when the columns are
  /// few enough to count (the usual case: a couple of toggles per column), then within
  /// each column.
  void sort_toggles() {
    if (at_.empty()) return;
    const std::size_t span = std::size_t{max_column_} - min_column_ + 1;
    if (span > 4 * at_.size() + 64) {
      std::sort(at_.begin(), at_.end());
      return;
    }
    std::vector<std::uint32_t>&start = start_, &sorted = sorted_, &next = next_;
    start.assign(span + 1, 0);
    sorted.resize(at_.size());
    for (std::uint32_t x : column_) ++start[x - min_column_ + 1];
    for (std::size_t c = 0; c < span; ++c) start[c + 1] += start[c];
    next.assign(start.begin(), start.end() - 1);
    for (std::size_t k = 0; k < at_.size(); ++k) sorted[next[column_[k] - min_column_]++] = at_[k];
    for (std::size_t c = 0; c < span; ++c) {
      std::uint32_t* first = sorted.data() + start[c];
      std::uint32_t* last = sorted.data() + start[c + 1];
      if (last - first > 16) {  // a column crossed by many edges
        std::sort(first, last);
        continue;
      }
      for (std::uint32_t* k = first + 1; k < last; ++k)  // insertion sort: a few toggles
        for (std::uint32_t* j = k; j > first && j[-1] > j[0]; --j) std::swap(j[-1], j[0]);
    }
    at_.swap(sorted);
  }

  std::uint32_t h_, w_;
  std::vector<std::uint32_t>&at_, &column_;  // toggle positions and their columns
  std::vector<std::uint32_t>&start_, &sorted_, &next_;
  std::uint32_t min_column_ = ~0u, max_column_ = 0;
};

}  // namespace

Rle rle_from_polygon(std::span<const double> xy, std::uint32_t height, std::uint32_t width) {
  const std::uint64_t pixels = std::uint64_t{height} * width;
  if (pixels > 0xffffffffu) return {height, width, {}};  // beyond COCO RLE's 32-bit counts
  if (height == 0 || width == 0) return {height, width, {0}};
  const std::size_t k = xy.size() / 2;  // pycocotools: len(poly) / 2 points, an odd last value ignored
  Scratch& scr = scratch();
  std::vector<int>&x = scr.x, &y = scr.y;
  x.resize(k + 1);
  y.resize(k + 1);
  for (std::size_t j = 0; j < k; ++j) {
    double px = xy[2 * j], py = xy[2 * j + 1];
    if (std::isnan(px) || std::isnan(py)) return {height, width, {static_cast<std::uint32_t>(pixels)}};
    px = std::clamp(px, -kCoordLimit, kCoordLimit);
    py = std::clamp(py, -kCoordLimit, kCoordLimit);
    x[j] = to_int(kScale * px + .5);
    y[j] = to_int(kScale * py + .5);
  }
  Crossings crossings(height, width, scr);
  if (k > 0) {
    x[k] = x[0];
    y[k] = y[0];
    Point prev_last{};
    for (std::size_t j = 0; j < k; ++j) {
      const Edge e(x[j], y[j], x[j + 1], y[j + 1]);
      // maskApi walks all edges as one list: the step from one edge's last point
      // to the next edge's first point counts too (but not from the last edge back
      // to the first).
      if (j > 0) crossings.add(prev_last, e.first());
      crossings.add_edge(e);
      prev_last = e.last();
    }
  }
  return crossings.finish();
}

}  // namespace deteval
