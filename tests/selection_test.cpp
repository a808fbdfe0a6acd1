// select() (selection.hpp): pycocotools' params.imgIds / catIds rules on the data model. The
// numbers they lead to are checked against pycocotools in tests/python/test_subsets.py.
#include "deteval/selection.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "deteval/evaluate.hpp"

namespace deteval {

namespace {

// Images 10, 20, 30; categories 1, 2, 5; annotations listed out of category order.
GroundTruth make_gt() {
  GroundTruth gt;
  gt.images = {{10, 50, 40, ""}, {20, 50, 40, ""}, {30, 50, 40, ""}};
  gt.categories = {{1, "a", ""}, {2, "b", ""}, {5, "c", ""}};
  auto add = [&](std::int64_t id, std::uint32_t im, std::uint32_t cat, double x) {
    gt.ann_id.push_back(id);
    gt.image.push_back(im);
    gt.category.push_back(cat);
    gt.box.push_back({x, 0, 10, 10});
    gt.area.push_back(100);
    gt.iscrowd.push_back(0);
  };
  add(100, 0, 2, 0);
  add(101, 0, 0, 1);
  add(102, 1, 1, 2);
  add(103, 2, 0, 3);
  add(104, 0, 1, 4);
  return gt;
}

Detections make_dt() {
  Detections dt;
  auto add = [&](std::uint32_t im, std::uint32_t cat, double score) {
    dt.image.push_back(im);
    dt.category.push_back(cat);
    dt.score.push_back(score);
    dt.box.push_back({0, 0, 10, 10});
    dt.area.push_back(100);
  };
  add(0, 0, 0.9);
  add(1, 1, 0.8);
  add(2, 2, 0.7);
  add(0, 2, 0.6);
  return dt;
}

}  // namespace

TEST(Selection, ImagesAreUniqueSortedAndUnknownIdsSelectNothing) {
  const GroundTruth gt = make_gt();
  const Detections dt = make_dt();
  const std::vector<std::int64_t> images = {30, 10, 999, 30}, cats = {1, 2, 5};
  const Selection s = select(gt, dt, images, cats, true);
  ASSERT_EQ(s.gt.images.size(), 2u);
  EXPECT_EQ(s.gt.images[0].id, 10);
  EXPECT_EQ(s.gt.images[1].id, 30);
  EXPECT_EQ(s.gt_source, (std::vector<std::uint32_t>{0, 1, 3, 4}));  // file order kept
  EXPECT_EQ(s.gt.image, (std::vector<std::uint32_t>{0, 0, 1, 0}));
  EXPECT_EQ(s.dt_source, (std::vector<std::uint32_t>{0, 2, 3}));
  EXPECT_EQ(s.dt.image, (std::vector<std::uint32_t>{0, 1, 0}));
  EXPECT_EQ(s.gt.ann_id[2], 103);
}

TEST(Selection, WithCategoriesUnknownIdsAreEmptyCategories) {
  const GroundTruth gt = make_gt();
  const Detections dt = make_dt();
  const std::vector<std::int64_t> images = {10, 20, 30}, cats = {5, 7, 1, 5};
  const Selection s = select(gt, dt, images, cats, true);
  ASSERT_EQ(s.gt.categories.size(), 3u);  // 1, 5, 7
  EXPECT_EQ(s.gt.categories[0].id, 1);
  EXPECT_EQ(s.gt.categories[1].id, 5);
  EXPECT_EQ(s.gt.categories[1].name, "c");
  EXPECT_EQ(s.gt.categories[2].id, 7);
  EXPECT_EQ(s.gt.categories[2].name, "");
  EXPECT_EQ(s.gt_source, (std::vector<std::uint32_t>{0, 1, 3}));
  EXPECT_EQ(s.gt.category, (std::vector<std::uint32_t>{1, 0, 0}));
  // An evaluation over the subset has K = 3, the unknown category all -1.
  Params p;
  const Evaluation e = evaluate(s.gt, s.dt, p);
  ASSERT_EQ(e.K, 3u);
  EXPECT_EQ(e.recall_at(0, 2, 0, 2), -1);
  EXPECT_GT(e.recall_at(0, 0, 0, 2), -1);
}

TEST(Selection, WithoutCategoriesTheListIsPooledInItsOrderWithRepeats) {
  const GroundTruth gt = make_gt();
  const Detections dt = make_dt();
  const std::vector<std::int64_t> images = {10}, cats = {5, 1, 5};
  const Selection s = select(gt, dt, images, cats, false);
  ASSERT_EQ(s.gt.categories.size(), 3u);
  EXPECT_EQ(s.gt.categories[0].id, 0);  // entry j is category j
  EXPECT_EQ(s.gt.categories[0].name, "c");
  EXPECT_EQ(s.gt.categories[1].name, "a");
  // Image 10 holds annotations 0 (cat 5), 1 (cat 1), 4 (cat 2: not listed).
  EXPECT_EQ(s.gt_source, (std::vector<std::uint32_t>{0, 0, 1}));
  EXPECT_EQ(s.gt.category, (std::vector<std::uint32_t>{0, 2, 1}));
  EXPECT_EQ(s.dt_source, (std::vector<std::uint32_t>{0, 3, 3}));
}

}  // namespace deteval
