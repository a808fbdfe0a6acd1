#include "deteval/box.hpp"

#include <gtest/gtest.h>

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

}  // namespace deteval
