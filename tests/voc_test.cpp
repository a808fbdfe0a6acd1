// VOC evaluation against the conformance cases (fixtures/voc, values of py-faster-rcnn's
// voc_eval.py), plus the rules that the cases pin down, tested in isolation.
#include "deteval/voc.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "deteval/formats/voc.hpp"

namespace deteval {
namespace {

using nlohmann::json;

const std::string kVoc = std::string(DETEVAL_SOURCE_DIR) + "/fixtures/voc/";
constexpr double kTol = 1e-12;  // the README's tolerance: numpy sums pairwise

json load_json(const std::string& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << path;
  return json::parse(f);
}

// null in expected.json is the reference's NaN.
void expect_value(const json& expected, double actual, const std::string& what) {
  if (expected.is_null()) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": expected null (NaN), got " << actual;
  } else {
    EXPECT_NEAR(actual, expected.get<double>(), kTol) << what;
  }
}

VocInput load_case(const std::string& name, const json& c) {
  VocPaths p;
  p.annotations_dir = kVoc + name + "/Annotations";
  p.image_set = kVoc + name + "/" + c["image_set"].get<std::string>();
  p.detections = kVoc + name + "/" + c["detections"].get<std::string>();
  p.classes = c["classes"].get<std::vector<std::string>>();
  return load_voc(p);
}

class VocConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(VocConformance, MatchesReference) {
  const std::string name = GetParam();
  const json c = load_json(kVoc + name + "/case.json");
  const json e = load_json(kVoc + name + "/expected.json");
  const VocInput in = load_case(name, c);
  EXPECT_TRUE(in.classes_without_file.empty());
  ASSERT_EQ(in.images.ids.size(), c["num_images"].get<std::size_t>());

  const double iou = c["iou_threshold"].get<double>();
  ASSERT_EQ(iou, e["iou_threshold"].get<double>());
  const VocResult r = voc_evaluate(in.dataset, iou);
  ASSERT_EQ(r.classes.size(), in.dataset.classes.size());

  std::size_t total_dets = 0;
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const std::string& cls = in.dataset.classes[k].name;
    SCOPED_TRACE(name + "/" + cls);
    const json& x = e["per_class"][cls];
    const VocClassResult& a = r.classes[k];
    EXPECT_EQ(a.npos, x["npos"].get<std::size_t>());
    EXPECT_EQ(a.num_detections, x["num_detections"].get<std::size_t>());
    EXPECT_EQ(a.tp, x["tp"].get<std::size_t>());
    EXPECT_EQ(a.fp, x["fp"].get<std::size_t>());
    EXPECT_EQ(a.ignored, x["ignored"].get<std::size_t>());
    expect_value(x["ap_voc07"], a.ap_voc07, "ap_voc07");
    expect_value(x["ap_area"], a.ap_area, "ap_area");
    ASSERT_EQ(a.recall.size(), x["recall"].size());
    ASSERT_EQ(a.precision.size(), x["precision"].size());
    for (std::size_t i = 0; i < a.recall.size(); ++i) {
      expect_value(x["recall"][i], a.recall[i], "recall[" + std::to_string(i) + "]");
      expect_value(x["precision"][i], a.precision[i], "precision[" + std::to_string(i) + "]");
    }
    total_dets += a.num_detections;
  }
  EXPECT_EQ(total_dets, c["num_detections"].get<std::size_t>());
  EXPECT_EQ(r.num_map_classes, e["map_classes"].size());
  expect_value(e["mAP_voc07"], r.map_voc07, "mAP_voc07");
  expect_value(e["mAP_area"], r.map_area, "mAP_area");
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  const json index = load_json(kVoc + "index.json");
  for (const auto& c : index["cases"]) names.push_back(c["name"].get<std::string>());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Cases, VocConformance, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

TEST(VocConformanceIndex, HasAllSixCases) { EXPECT_EQ(case_names().size(), 6u); }

TEST(VocEvaluate, ThreadCountDoesNotChangeResults) {
  const std::string name = "random_voc20_small";
  const VocInput in = load_case(name, load_json(kVoc + name + "/case.json"));
  const VocResult a = voc_evaluate(in.dataset, 0.5, EvalOptions{1});
  const VocResult b = voc_evaluate(in.dataset, 0.5, EvalOptions{0});
  ASSERT_EQ(a.classes.size(), b.classes.size());
  for (std::size_t k = 0; k < a.classes.size(); ++k) {
    EXPECT_EQ(a.classes[k].precision, b.classes[k].precision);
    EXPECT_EQ(a.classes[k].ap_area, b.classes[k].ap_area);
  }
  EXPECT_EQ(a.map_area, b.map_area);
  EXPECT_EQ(a.map_voc07, b.map_voc07);
}

TEST(VocLoad, DefaultClassesAreTheListedAnnotationsNamesSorted) {
  const std::string dir = kVoc + "empty_images_and_class_coverage/";
  VocPaths p{dir + "Annotations", dir + "ImageSets/Main/test.txt", dir + "results/comp4_det_test_{class}.txt", {}};
  const VocInput in = load_voc(p);
  std::vector<std::string> names;
  for (const auto& c : in.dataset.classes) names.push_back(c.name);
  // `dog` is only in the unlisted 000099.xml, so it is not found.
  EXPECT_EQ(names, (std::vector<std::string>{"bottle", "car", "chair", "horse", "person"}));
  EXPECT_EQ(in.images.ids.front(), "000005");  // ids are strings: leading zeros kept
}

TEST(VocLoad, MissingDetectionFileMeansNoDetections) {
  const std::string dir = kVoc + "basic_tp_fp_miss/";
  VocPaths p{dir + "Annotations", dir + "ImageSets/Main/test.txt", dir + "results/comp4_det_test_{class}.txt",
             {"car", "unicorn"}};
  const VocInput in = load_voc(p);
  EXPECT_EQ(in.classes_without_file, std::vector<std::string>{"unicorn"});
  EXPECT_TRUE(in.dataset.classes[1].det_image.empty());
}

TEST(VocIou, PlusOneConventionAndExactThreshold) {
  // 1x1 GT (xmin == xmax) has area 1.
  EXPECT_EQ(voc_iou({5, 5, 5, 5}, {5, 5, 5, 5}), 1.0);
  // Touching boxes overlap by one pixel column under the +1 convention.
  EXPECT_GT(voc_iou({0, 0, 9, 9}, {9, 0, 18, 9}), 0.0);
  // IoU exactly 0.5: 10x10 vs 10x5 inside it.
  EXPECT_EQ(voc_iou({1, 1, 10, 5}, {1, 1, 10, 10}), 0.5);
}

VocClassData one_class(std::vector<VocBox> gts, std::vector<std::uint8_t> difficult,
                       std::vector<std::pair<double, VocBox>> dets) {
  VocClassData c;
  c.name = "x";
  for (std::size_t i = 0; i < gts.size(); ++i) {
    c.gt_image.push_back(0);
    c.gt_box.push_back(gts[i]);
    c.gt_difficult.push_back(difficult[i]);
  }
  for (auto& [s, b] : dets) {
    c.det_image.push_back(0);
    c.det_score.push_back(s);
    c.det_box.push_back(b);
  }
  return c;
}

TEST(VocMatching, IouEqualToThresholdIsNotAMatch) {
  const auto r = voc_evaluate_class(one_class({{1, 1, 10, 10}}, {0}, {{0.9, {1, 1, 10, 5}}}), 1, 0.5);
  EXPECT_EQ(r.tp, 0u);
  EXPECT_EQ(r.fp, 1u);
}

TEST(VocMatching, DifficultShadowsAndIgnoredKeepsItsRank) {
  // The difficult object is listed first and fits equally well: the detection is ignored,
  // the non-difficult object stays unmatched. Precision before any TP/FP is 0.
  const VocBox g{10, 10, 50, 50};
  const auto r = voc_evaluate_class(one_class({g, g}, {1, 0}, {{0.9, g}, {0.8, {100, 100, 120, 120}}}), 1, 0.5);
  EXPECT_EQ(r.npos, 1u);
  EXPECT_EQ(r.ignored, 1u);
  EXPECT_EQ(r.fp, 1u);
  EXPECT_EQ(r.precision, (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(r.recall, (std::vector<double>{0.0, 0.0}));
}

TEST(VocMatching, DuplicateHasNoFallbackToTheNextObject) {
  const VocBox a{10, 10, 50, 50}, b{12, 10, 52, 50};  // b overlaps a well
  const auto r = voc_evaluate_class(one_class({a, b}, {0, 0}, {{0.9, a}, {0.8, a}}), 1, 0.5);
  EXPECT_EQ(r.tp, 1u);
  EXPECT_EQ(r.fp, 1u);  // the second detection's best object is `a`, already taken
}

TEST(VocMatching, TiesAreRankedInFileOrder) {
  // More than 16 tied detections (where numpy's quicksort stops being an insertion sort):
  // the file order decides, so a TP listed last among the ties is ranked last.
  std::vector<std::pair<double, VocBox>> dets(20, {0.5, {200, 200, 210, 210}});
  dets.push_back({0.5, {10, 10, 50, 50}});
  const auto r = voc_evaluate_class(one_class({{10, 10, 50, 50}}, {0}, dets), 1, 0.5);
  ASSERT_EQ(r.recall.size(), 21u);
  EXPECT_EQ(r.recall[19], 0.0);
  EXPECT_EQ(r.recall[20], 1.0);
}

TEST(VocMatching, RankedOutcomesRecordEachDecision) {
  // Difficult shadow (ignored), TP, duplicate of it, a poor box (FP, nearest object kept)
  // and a box in an image without objects.
  const VocBox a{10, 10, 50, 50}, b{100, 100, 140, 140};
  VocClassData c = one_class({a, b, a}, {0, 0, 1},
                             {{0.5, {100, 100, 119.5, 140}}, {0.9, b}, {0.8, b}, {0.7, a}, {0.6, {200, 200, 220, 220}}});
  c.gt_image[2] = 1;  // the difficult copy of `a` is in image 1, with one detection on it
  c.det_image.push_back(1);
  c.det_score.push_back(0.95);
  c.det_box.push_back(a);
  c.det_image[4] = 2;  // no object in image 2
  const auto r = voc_evaluate_class(c, 3, 0.5);
  ASSERT_EQ(r.ranked.size(), 6u);
  auto at = [&](std::size_t i) { return r.ranked[i]; };
  // Ranked by score: 0.95 (det 5), 0.9 (1), 0.8 (2), 0.7 (3), 0.6 (4), 0.5 (0).
  const std::vector<std::uint32_t> order{5, 1, 2, 3, 4, 0};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(at(i).detection, order[i]) << i;
  EXPECT_EQ(at(0).outcome, VocOutcome::ignored);
  EXPECT_EQ(at(0).gt, 2);
  EXPECT_EQ(at(1).outcome, VocOutcome::tp);
  EXPECT_EQ(at(1).gt, 1);
  EXPECT_EQ(at(1).iou, 1.0);
  EXPECT_EQ(at(2).outcome, VocOutcome::fp);  // duplicate: the object it exceeds the threshold on
  EXPECT_EQ(at(2).gt, 1);
  EXPECT_EQ(at(3).outcome, VocOutcome::tp);
  EXPECT_EQ(at(3).gt, 0);
  EXPECT_EQ(at(4).outcome, VocOutcome::fp);  // no object in its image
  EXPECT_EQ(at(4).gt, -1);
  EXPECT_EQ(at(4).nearest, -1);
  EXPECT_EQ(at(4).iou, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(at(5).outcome, VocOutcome::fp);  // IoU 0.5 exactly with b: no match, but b is nearest
  EXPECT_EQ(at(5).gt, -1);
  EXPECT_EQ(at(5).nearest, 1);
  EXPECT_EQ(at(5).iou, 0.5);
  EXPECT_EQ(r.tp, 2u);
  EXPECT_EQ(r.fp, 3u);
  EXPECT_EQ(r.ignored, 1u);
}

// On every conformance case: the recorded outcomes give back the counts and the curve bit for
// bit, a TP's object is non-difficult and matched once, an ignored one's difficult, a
// duplicate's already matched, and `iou` is the highest IoU over the objects of the image.
TEST(VocMatching, RankedOutcomesReproduceTheCurves) {
  for (const std::string& name : case_names()) {
    const json c = load_json(kVoc + name + "/case.json");
    const VocInput in = load_case(name, c);
    const VocResult r = voc_evaluate(in.dataset, c["iou_threshold"].get<double>());
    for (std::size_t k = 0; k < r.classes.size(); ++k) {
      SCOPED_TRACE(name + "/" + in.dataset.classes[k].name);
      const VocClassData& d = in.dataset.classes[k];
      const VocClassResult& cr = r.classes[k];
      ASSERT_EQ(cr.ranked.size(), d.det_image.size());
      std::vector<std::uint8_t> matched(d.gt_image.size(), 0);
      std::size_t tp = 0, fp = 0, ignored = 0;
      for (std::size_t i = 0; i < cr.ranked.size(); ++i) {
        const VocRankedDetection& x = cr.ranked[i];
        if (i > 0) EXPECT_LE(d.det_score[x.detection], d.det_score[cr.ranked[i - 1].detection]);
        double best = -std::numeric_limits<double>::infinity();
        std::int32_t arg = -1;
        for (std::size_t g = 0; g < d.gt_image.size(); ++g)
          if (d.gt_image[g] == d.det_image[x.detection] && (arg < 0 || voc_iou(d.det_box[x.detection], d.gt_box[g]) > best)) {
            best = voc_iou(d.det_box[x.detection], d.gt_box[g]);
            arg = static_cast<std::int32_t>(g);
          }
        EXPECT_EQ(x.iou, best);
        EXPECT_EQ(x.nearest, arg);
        EXPECT_EQ(x.gt, best > r.iou_threshold ? arg : -1);
        switch (x.outcome) {
          case VocOutcome::tp:
            ASSERT_GE(x.gt, 0);
            EXPECT_FALSE(d.gt_difficult[x.gt]);
            EXPECT_FALSE(matched[x.gt]);
            matched[x.gt] = 1;
            ++tp;
            break;
          case VocOutcome::ignored:
            ASSERT_GE(x.gt, 0);
            EXPECT_TRUE(d.gt_difficult[x.gt]);
            ++ignored;
            break;
          case VocOutcome::fp:
            if (x.gt >= 0) EXPECT_TRUE(matched[x.gt]);
            ++fp;
            break;
        }
        if (cr.npos == 0) EXPECT_TRUE(std::isnan(cr.recall[i]));
        else EXPECT_EQ(cr.recall[i], static_cast<double>(tp) / static_cast<double>(cr.npos));
        EXPECT_EQ(cr.precision[i], static_cast<double>(tp) / std::max(static_cast<double>(tp + fp),
                                                                       std::numeric_limits<double>::epsilon()));
      }
      EXPECT_EQ(tp, cr.tp);
      EXPECT_EQ(fp, cr.fp);
      EXPECT_EQ(ignored, cr.ignored);
    }
  }
}

TEST(VocAp, ElevenPointThresholdsAreNumpyArange) {
  // Recall exactly 3/10 does not reach t_3 = 0.30000000000000004.
  const double rec[] = {0.1, 0.2, 0.3};
  const double prec[] = {1.0, 1.0, 1.0};
  EXPECT_EQ(voc_ap_11point(rec, prec), 1.0 / 11 + 1.0 / 11 + 1.0 / 11);
  const double full[] = {1.0};
  EXPECT_EQ(voc_ap_11point(full, full), 1.0000000000000002);  // summed in order, as the reference
}

TEST(VocAp, ClassWithoutGroundTruth) {
  const VocClassData none = one_class({}, {}, {});
  const auto a = voc_evaluate_class(none, 1, 0.5);
  EXPECT_EQ(a.ap_voc07, 0.0);
  EXPECT_EQ(a.ap_area, 0.0);
  const auto b = voc_evaluate_class(one_class({}, {}, {{0.3, {1, 1, 5, 5}}}), 1, 0.5);
  EXPECT_EQ(b.ap_voc07, 0.0);
  EXPECT_TRUE(std::isnan(b.ap_area));
  EXPECT_TRUE(std::isnan(b.recall[0]));

  VocDataset ds{1, {none}};
  const VocResult r = voc_evaluate(ds);
  EXPECT_EQ(r.num_map_classes, 0u);
  EXPECT_TRUE(std::isnan(r.map_voc07));
  EXPECT_TRUE(std::isnan(r.map_area));
}

TEST(VocEvaluate, RejectsOutOfRangeImageIndex) {
  VocClassData c = one_class({{1, 1, 2, 2}}, {0}, {});
  EXPECT_THROW(voc_evaluate_class(c, 0, 0.5), InputError);
}

}  // namespace
}  // namespace deteval
