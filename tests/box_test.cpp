#include "deteval/box.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace deteval {

TEST(BoxIou, OverlapDisjointAndCrowd) {
  Box a{0, 0, 10, 10}, b{5, 0, 10, 10};
  EXPECT_DOUBLE_EQ(box_iou(a, b, false), 50.0 / 150.0);
  EXPECT_DOUBLE_EQ(box_iou(a, b, true), 50.0 / 100.0);  // union = detection area
  EXPECT_EQ(box_iou(a, Box{10, 0, 5, 5}, false), 0.0);  // touching
  EXPECT_EQ(box_iou(a, Box{20, 20, 5, 5}, false), 0.0);
  EXPECT_EQ(box_iou(a, a, false), 1.0);
}

TEST(BoxIou, DegenerateBoxesGiveZero) {
  EXPECT_EQ(box_iou(Box{0, 0, 0, 10}, Box{0, 0, 10, 10}, false), 0.0);
  EXPECT_EQ(box_iou(Box{5, 5, -3, -3}, Box{0, 0, 10, 10}, false), 0.0);
}

TEST(BoxIou, MatrixLayoutIsDetectionMajor) {
  std::vector<Box> dts{{0, 0, 10, 10}, {100, 100, 1, 1}};
  std::vector<Box> gts{{0, 0, 10, 10}, {0, 0, 5, 10}, {100, 100, 2, 2}};
  std::vector<std::uint8_t> crowd{0, 0, 1};
  double out[6];
  box_iou(dts, gts, crowd, out);
  EXPECT_EQ(out[0], 1.0);
  EXPECT_EQ(out[1], 0.5);
  EXPECT_EQ(out[2], 0.0);
  EXPECT_EQ(out[5], 1.0);  // crowd: intersection / detection area
}

// maskApi.c bbIou written with C's fmin/fmax, as a reference for the special values
// (NaN: the other operand; infinities; signed zeros) that box_iou must treat alike.
double reference_iou(const Box& d, const Box& g, bool crowd) {
  const double w = std::fmin(d.w + d.x, g.w + g.x) - std::fmax(d.x, g.x);
  if (w <= 0) return 0;
  const double h = std::fmin(d.h + d.y, g.h + g.y) - std::fmax(d.y, g.y);
  if (h <= 0) return 0;
  const double i = w * h;
  return i / (crowd ? d.w * d.h : d.w * d.h + g.w * g.h - i);
}

TEST(BoxIou, SpecialValuesAsCsFminFmax) {
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  const double values[] = {0.0, -0.0, 1.0, -2.5, 3.0, 10.0, nan, inf, -inf};
  std::vector<Box> boxes;
  for (double a : values)
    for (double b : values) {
      boxes.push_back({a, 1, b, 2});
      boxes.push_back({1, a, 2, b});
      boxes.push_back({a, b, 3, 3});
    }
  for (const Box& d : boxes)
    for (const Box& g : boxes)
      for (bool crowd : {false, true}) {
        const double got = box_iou(d, g, crowd), want = reference_iou(d, g, crowd);
        if (std::isnan(want))
          EXPECT_TRUE(std::isnan(got));
        else
          EXPECT_EQ(got, want) << d.x << " " << d.y << " " << d.w << " " << d.h << " / " << g.x << " " << g.y << " "
                               << g.w << " " << g.h;
      }
}

}  // namespace deteval
