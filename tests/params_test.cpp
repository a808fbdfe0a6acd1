#include "deteval/params.hpp"

#include <gtest/gtest.h>

#include "deteval/detail/pairwise_sum.hpp"
#include "deteval/error.hpp"

namespace deteval {

TEST(Params, DefaultsAreNumpyLinspaceBitForBit) {
  Params p;
  ASSERT_EQ(p.iou_thrs.size(), 10u);
  EXPECT_EQ(p.iou_thrs[8], 0.8999999999999999);
  EXPECT_EQ(p.iou_thrs[9], 0.95);
  ASSERT_EQ(p.rec_thrs.size(), 101u);
  EXPECT_EQ(p.rec_thrs[35], 0.35000000000000003);
  EXPECT_EQ(p.rec_thrs[57], 0.5700000000000001);
  EXPECT_EQ(p.rec_thrs[100], 1.0);
  EXPECT_EQ(p.max_dets, (std::vector<int>{1, 10, 100}));
  ASSERT_EQ(p.area_ranges.size(), 4u);
  EXPECT_EQ(p.area_ranges[2], (AreaRange{"medium", 1024, 9216}));
  EXPECT_NO_THROW(check_params(p));
}

// The message check_params throws for `p`.
std::string why_refused(const Params& p) {
  try {
    check_params(p);
  } catch (const UsageError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(Params, CheckNamesTheProblem) {
  Params p;
  p.max_dets = {0};
  EXPECT_EQ(why_refused(p), "max dets: expected positive integers, got 0");
  p = Params{};
  p.area_ranges = {{"x", 5, 1}};
  EXPECT_NE(why_refused(p).find("lo <= hi"), std::string::npos);
  p = Params{};
  p.iou_thrs = {};
  EXPECT_NE(why_refused(p).find("iou"), std::string::npos);
}

TEST(Params, IouTypeNames) {
  EXPECT_EQ(parse_iou_type("segm"), IouType::segm);
  try {
    parse_iou_type("mask");
    FAIL() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.parameter(), "iou_type");
    EXPECT_EQ(e.message(), "expected bbox, segm, rotated, polygon or keypoints, got 'mask'");
  }
  EXPECT_STREQ(to_string(IouType::rotated), "rotated");
}

TEST(PairwiseSum, MatchesNumpyBlocking) {
  // 0.1 summed 1000 times: numpy 1.24's sum gives 100.00000000000001 whereas a
  // sequential loop gives 99.9999999999986.
  std::vector<double> v(1000, 0.1);
  EXPECT_EQ(detail::pairwise_sum(v.data(), v.size()), 100.00000000000001);
  double seq = 0;
  for (double x : v) seq += x;
  EXPECT_NE(seq, detail::pairwise_sum(v.data(), v.size()));
}

TEST(PairwiseSum, LargeArraysAreSummedInBlocksOf8192) {
  // Values 1/(k+1) for k < 100000; numpy 1.24: np.sum(1 / np.arange(1, 100001)).
  // One pairwise tree over all of them would give 12.090146129863431.
  std::vector<double> v(100000);
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = 1.0 / static_cast<double>(k + 1);
  EXPECT_EQ(detail::numpy_sum(v.data(), v.size()), 12.090146129863433);
}

}  // namespace deteval
