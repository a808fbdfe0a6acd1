// The IoU type is decided once: datasets remember what they were read for, and an
// evaluation of another type is an error, never a silent box evaluation of segm files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "deteval/error.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/summary.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;

const auto kDir = test::fixture("coco/segm_only_results");

std::vector<double> expected_stats(const std::string& type) {
  return json::parse(test::slurp(kDir / ("expected_" + type + ".json")))["stats"].get<std::vector<double>>();
}

void expect_stats(const Evaluation& ev, const std::vector<double>& want) {
  const Summary s = summarize(ev);
  ASSERT_EQ(want.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_NEAR(s.stats[i], want[i], 1e-12) << i;
}

TEST(IouType, SegmFilesWithBoxParamsAreRefused) {
  // The case: both reads say segm, Params{} says bbox.
  const GroundTruth gt = read_coco_gt((kDir / "gt.json").string(), IouType::segm);
  const Detections dt = read_coco_results((kDir / "dt.json").string(), gt, IouType::segm);
  EXPECT_EQ(gt.iou_type, IouType::segm);
  EXPECT_EQ(dt.iou_type, IouType::segm);
  try {
    evaluate(gt, dt, Params{});
    FAIL() << "evaluated segm files as boxes";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_EQ(e.parameter(), "iou_type");
    EXPECT_EQ(std::string(e.what()),
              "iou_type: the parameters ask for bbox but the ground truth was read for segm: set "
              "Params::iou_type to segm, or read the files for bbox");
  }
  // The provider overload checks too.
  const auto boxes = make_box_iou_provider(gt, dt);
  EXPECT_THROW(evaluate(gt, dt, Params{}, *boxes), UsageError);

  Params segm;
  segm.iou_type = IouType::segm;
  expect_stats(evaluate(gt, dt, segm), expected_stats("segm"));
}

TEST(IouType, DetectionsReadForAnotherTypeAreRefused) {
  const GroundTruth gt = read_coco_gt((kDir / "gt.json").string(), IouType::bbox);
  const Detections dt = read_coco_results((kDir / "dt.json").string(), gt, IouType::segm);
  try {
    evaluate(gt, dt, Params{});
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the detections were read for segm"), std::string::npos) << e.what();
  }
}

TEST(IouType, HandBuiltDataHasNoTypeAndIsEvaluated) {
  GroundTruth gt;
  gt.images = {{1, 100, 100, "a.jpg"}};
  gt.categories = {{1, "cat", ""}};
  gt.ann_id = {1};
  gt.image = {0};
  gt.category = {0};
  gt.box = {{10, 10, 40, 40}};
  gt.area = {1600};
  gt.iscrowd = {0};
  Detections dt;
  dt.image = {0};
  dt.category = {0};
  dt.score = {0.9};
  dt.box = {{10, 10, 40, 40}};
  dt.area = {1600};
  EXPECT_NO_THROW(check_iou_type(gt, dt, IouType::bbox));
  EXPECT_GT(summarize(evaluate(gt, dt, Params{})).stats[1], 0.999);
}

TEST(IouType, EvaluateCocoReadsForTheParamsType) {
  const CocoEvaluation box = evaluate_coco((kDir / "gt.json").string(), (kDir / "dt.json").string());
  EXPECT_EQ(box.gt.iou_type, IouType::bbox);
  expect_stats(box.eval, expected_stats("bbox"));
  Params segm;
  segm.iou_type = IouType::segm;
  const CocoEvaluation mask = evaluate_coco((kDir / "gt.json").string(), (kDir / "dt.json").string(), segm);
  EXPECT_EQ(mask.dt.iou_type, IouType::segm);
  expect_stats(mask.eval, expected_stats("segm"));
}

TEST(IouType, OneCatchBlockForEveryLayer) {
  // A missing file (I/O), a bad parameter (usage), bad content (input): all deteval::Error.
  int caught = 0;
  for (auto f : std::initializer_list<void (*)()>{
           [] { read_coco_gt("/nonexistent/gt.json", IouType::bbox); },
           [] { parse_iou_type("mask"); },
           [] { parse_coco_gt("{", "gt.json", IouType::bbox); },
       }) {
    try {
      f();
    } catch (const Error& e) {
      ++caught;
      EXPECT_NE(std::string(to_string(e.kind())), "internal");
    }
  }
  EXPECT_EQ(caught, 3);
}

}  // namespace
}  // namespace deteval
