// The CUDA backend's arithmetic and chunking run on the host (no GPU needed): the
// same functions the kernels call (cuda/src/mask_kernels.hpp) and the same planner
// and packer (cuda/src/mask_plan.hpp), compared with the CPU backend. What this
// cannot cover: the CUDA calls, kernel launches, streams and transfers
// (cuda_test.cpp, on a GPU).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "deteval/mask.hpp"
#include "deteval/mask_iou.hpp"
#include "mask_gen.hpp"
#include "mask_plan.hpp"

namespace deteval {
namespace {

using cuda_detail::ChunkLimits;
using cuda_detail::PairCounts;

void expect_same_as_cpu(const test::StressBatch& b, const ChunkLimits& limits) {
  std::vector<IouCounts> want(b.pairs.size());
  mask_iou_counts_cpu(b.dts, b.gts, b.pairs, want.data());
  std::vector<PairCounts> got(b.pairs.size(), {~0ull, ~0ull});
  ASSERT_TRUE(cuda_detail::emulate_counts(b.dts, b.gts, b.pairs, got.data(), limits));
  for (std::size_t k = 0; k < b.pairs.size(); ++k) {
    ASSERT_EQ(got[k].intersection, want[k].intersection) << "pair " << k;
    ASSERT_EQ(got[k].union_, want[k].union_) << "pair " << k;
  }
}

TEST(CudaEmulation, StressBatchMatchesCpuCounts) {
  const test::StressBatch b = test::stress_batch(2024);
  ASSERT_GT(b.pairs.size(), 3000u);
  expect_same_as_cpu(b, {});
}

TEST(CudaEmulation, SmallChunksGiveTheSameCounts) {
  const test::StressBatch b = test::stress_batch(7, 60);
  expect_same_as_cpu(b, {.max_pairs = 17, .max_blob_bytes = 1});  // one pair per chunk by bytes
  expect_same_as_cpu(b, {.max_pairs = 5, .max_blob_bytes = 1 << 20});
}

TEST(CudaEmulation, ChunkPlanUploadsEachMaskOnceAsStored) {
  const test::StressBatch b = test::stress_batch(11, 50);
  cuda_detail::ChunkPlanner planner(b.dts, b.gts);
  cuda_detail::ChunkPlan plan;
  planner.plan(b.pairs, 0, {}, plan);
  ASSERT_EQ(plan.end, b.pairs.size());
  std::vector<int> dt_seen(b.dts.size()), gt_seen(b.gts.size());
  for (const MaskPair& p : b.pairs) dt_seen[p.dt] = gt_seen[p.gt] = 1;
  std::size_t masks = 0, stored = 0;
  for (std::size_t i = 0; i < b.dts.size(); ++i)
    if (dt_seen[i]) ++masks, stored += b.dts.is_compressed(i) ? b.dts.compressed(i).size() : 4 * b.dts[i].counts.size();
  for (std::size_t i = 0; i < b.gts.size(); ++i)
    if (gt_seen[i]) ++masks, stored += b.gts.is_compressed(i) ? b.gts.compressed(i).size() : 4 * b.gts[i].counts.size();
  EXPECT_EQ(plan.slots.size(), masks);
  EXPECT_GE(plan.blob_bytes, stored);
  EXPECT_LE(plan.blob_bytes, stored + 8 * masks);  // alignment only: no bitmaps
  for (std::size_t k = 0; k < plan.refs.size(); ++k)
    EXPECT_EQ((plan.refs[k].gt & cuda_detail::kCrowdBit) != 0, b.pairs[k].crowd != 0);
}

// pycocotools' loop stops where both masks sit on empty runs (mask_test.cpp,
// IouStopsWhereBothMasksSitOnEmptyRuns): the backend walks such pairs like the CPU.
TEST(CudaEmulation, EmptyRunsInsideFollowTheCpuLoop) {
  test::StressBatch b;
  const Rle dt{1, 10, {0, 5, 0, 0, 2, 3}}, gt{1, 10, {0, 5, 0, 5}}, plain{1, 10, {0, 10}};
  b.dts.push_back(dt);
  b.dts.push_back_compressed(rle_to_string(dt), 1, 10);
  b.gts.push_back(gt);
  b.gts.push_back_compressed(rle_to_string(gt), 1, 10);
  b.gts.push_back(plain);
  for (std::uint32_t d = 0; d < 2; ++d)
    for (std::uint32_t g = 0; g < 3; ++g)
      for (std::uint8_t crowd = 0; crowd < 2; ++crowd) b.pairs.push_back({d, g, crowd});
  expect_same_as_cpu(b, {});
  PairCounts c[2];
  ASSERT_TRUE(cuda_detail::emulate_counts(b.dts, b.gts, std::span(b.pairs.data(), 2), c));
  EXPECT_EQ(c[0].intersection, 5u);  // stopped after 5 pixels
  EXPECT_EQ(c[0].union_, 5u);
  EXPECT_EQ(c[1].union_, 8u);        // crowd: the whole detection
}

TEST(CudaEmulation, InvalidDataIsReportedNotCounted) {
  RleStore dts, gts;
  dts.push_back_compressed("0?!", 1, 3);  // '!' is outside the alphabet: the readers never let this in
  gts.push_back(Rle{1, 3, {0, 3}});
  const MaskPair p{0, 0, 0};
  PairCounts c;
  EXPECT_FALSE(cuda_detail::emulate_counts(dts, gts, std::span(&p, 1), &c));
}

}  // namespace
}  // namespace deteval
