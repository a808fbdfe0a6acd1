// DOTA Task 1: the hand-made fixture (library and CLI), the matching rules on in-memory
// quadrilaterals, agreement with the VOC evaluation on axis-aligned boxes, and one test per
// kind of bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "deteval/dota.hpp"
#include "deteval/formats/dota.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/geometry.hpp"
#include "deteval/voc.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Quad = std::array<double, 8>;

Quad box_quad(double x1, double y1, double x2, double y2) { return {x1, y1, x2, y1, x2, y2, x1, y2}; }

DotaPaths fixture_paths() {
  const fs::path d = test::fixture("dota/basic");
  return {(d / "labelTxt").string(), "", (d / "results/Task1_{class}.txt").string(), {}};
}

void expect_number_or_null(const json& got, const json& exp, const std::string& what) {
  if (exp.is_null()) {
    EXPECT_TRUE(got.is_null()) << what << ": " << got;
  } else {
    ASSERT_TRUE(got.is_number()) << what << ": " << got;
    EXPECT_NEAR(got.get<double>(), exp.get<double>(), 1e-12) << what;
  }
}

// `got` is a --json document (dota_evaluation_json or the CLI's file).
void expect_matches_fixture(const json& got) {
  const json exp = json::parse(test::slurp(test::fixture("dota/basic/expected.json")));
  EXPECT_EQ(got["iou_threshold"], exp["iou_threshold"]);
  expect_number_or_null(got["mAP_voc07"], exp["mAP_voc07"], "mAP_voc07");
  expect_number_or_null(got["mAP_area"], exp["mAP_area"], "mAP_area");
  EXPECT_EQ(got["map_classes"], exp["map_classes"]);
  ASSERT_EQ(got["per_class"].size(), exp["per_class"].size());
  for (const auto& [cls, e] : exp["per_class"].items()) {
    SCOPED_TRACE(cls);
    const json& g = got["per_class"][cls];
    for (const char* k : {"npos", "num_detections", "tp", "fp", "ignored"}) EXPECT_EQ(g[k], e[k]) << k;
    for (const char* k : {"ap_voc07", "ap_area"}) expect_number_or_null(g[k], e[k], k);
  }
}

// ---- the fixture through the library ----

TEST(DotaFixture, MatchesHandDerivedValues) {
  const DotaInput in = load_dota(fixture_paths());
  EXPECT_EQ(in.images.ids, (std::vector<std::string>{"P0001", "P0002", "P0003", "P0004"}));
  EXPECT_TRUE(in.classes_without_file.empty());
  const VocResult r = dota_evaluate(in.dataset, 0.5);
  expect_matches_fixture(json::parse(dota_evaluation_json(r, in.dataset)));

  // The curves, where the fixture spells them out.
  const json exp = json::parse(test::slurp(test::fixture("dota/basic/expected.json")));
  for (std::size_t k = 0; k < in.dataset.classes.size(); ++k) {
    const json& e = exp["per_class"][in.dataset.classes[k].name];
    if (!e.contains("recall")) continue;
    SCOPED_TRACE(in.dataset.classes[k].name);
    const auto rec = e["recall"].get<std::vector<double>>(), prec = e["precision"].get<std::vector<double>>();
    ASSERT_EQ(r.classes[k].recall.size(), rec.size());
    for (std::size_t i = 0; i < rec.size(); ++i) {
      EXPECT_NEAR(r.classes[k].recall[i], rec[i], 1e-15) << i;
      EXPECT_NEAR(r.classes[k].precision[i], prec[i], 1e-15) << i;
    }
  }
  // The 11 terms of a perfect curve are added in order, as numpy's loop does.
  EXPECT_EQ(r.classes[3].ap_voc07, 1.0000000000000002);
  EXPECT_EQ(r.num_map_classes, 3u);
}

TEST(DotaFixture, LabelFileDetails) {
  const DotaInput in = load_dota(fixture_paths());
  const DotaAnnotation& a = in.annotations[0];
  EXPECT_EQ(a.imagesource, "GoogleEarth");
  EXPECT_EQ(a.gsd, "0.146343590398");
  ASSERT_EQ(a.objects.size(), 4u);
  EXPECT_EQ(a.objects[0].line, 3u);
  EXPECT_EQ(a.objects[0].quad, box_quad(100, 100, 200, 200));
  EXPECT_TRUE(a.objects[2].difficult);
  EXPECT_EQ(a.objects[3].name, "ship");
  EXPECT_FALSE(a.objects[3].difficult);  // no difficult field
  EXPECT_TRUE(in.annotations[3].objects.empty());  // headers only
}

TEST(DotaFixture, ThreadCountAndImageSetOrderDoNotMatter) {
  const DotaInput in = load_dota(fixture_paths());
  const VocResult a = dota_evaluate(in.dataset, 0.5, EvalOptions{1});
  test::TempDir tmp;
  test::spit(tmp / "set.txt", "P0004\nP0003\r\n\nP0001\nP0002\n");
  DotaPaths p = fixture_paths();
  p.image_set = (tmp / "set.txt").string();
  const DotaInput in2 = load_dota(p);
  EXPECT_EQ(in2.images.ids.front(), "P0004");
  const VocResult b = dota_evaluate(in2.dataset, 0.5, EvalOptions{0});
  EXPECT_EQ(dota_evaluation_json(a, in.dataset), dota_evaluation_json(b, in2.dataset));
}

// ---- matching rules on in-memory data ----

struct Det {
  std::uint32_t image;
  double score;
  Quad q;
};

DotaClassData one_class(const std::vector<Quad>& gts, std::vector<std::uint8_t> difficult,
                        const std::vector<Det>& dets) {
  DotaClassData c;
  c.name = "x";
  for (const auto& g : gts) {
    c.gt_image.push_back(0);
    c.gt_poly.push_back(g);
  }
  c.gt_difficult = std::move(difficult);
  for (const auto& d : dets) {
    c.det_image.push_back(d.image);
    c.det_score.push_back(d.score);
    c.det_poly.push_back(d.q);
  }
  return c;
}

// A square of side s centred at (cx, cy), turned by theta.
Quad turned_square(double cx, double cy, double s, double theta) {
  double xy[8];
  rbox_corners(cx, cy, s, s, theta, xy);
  return {xy[0], xy[1], xy[2], xy[3], xy[4], xy[5], xy[6], xy[7]};
}

TEST(DotaMatching, IdenticalQuadsGiveApOne) {
  const Quad g = turned_square(50, 50, 20, 0.3);
  const Quad reordered = {g[4], g[5], g[2], g[3], g[0], g[1], g[6], g[7]};  // other start, other orientation
  const auto r = dota_evaluate_class(one_class({g}, {0}, {{0, 0.9, reordered}}), 1, 0.5);
  EXPECT_EQ(r.tp, 1u);
  EXPECT_EQ(r.fp, 0u);
  EXPECT_DOUBLE_EQ(r.ap_area, 1.0);
  EXPECT_DOUBLE_EQ(r.ap_voc07, 1.0);
}

TEST(DotaMatching, RotatedDuplicateIsAFalsePositive) {
  const Quad g = turned_square(50, 50, 20, 0.3);
  // The same square turned by 10 degrees more: IoU about 0.8 with g, and it scores lower.
  const Quad dup = turned_square(50, 50, 20, 0.3 + 10 * M_PI / 180);
  ASSERT_GT(shape_iou(dup, g, false), 0.7);
  const auto r = dota_evaluate_class(one_class({g}, {0}, {{0, 0.9, g}, {0, 0.8, dup}}), 1, 0.5);
  EXPECT_EQ(r.tp, 1u);
  EXPECT_EQ(r.fp, 1u);
  EXPECT_DOUBLE_EQ(r.ap_area, 1.0);
  EXPECT_DOUBLE_EQ(r.precision[1], 0.5);
}

TEST(DotaMatching, BetterFittingLowerScoredDetectionIsStillAFalsePositive) {
  const Quad g = turned_square(50, 50, 20, 0.3);
  const Quad rough = turned_square(53, 50, 20, 0.3);  // IoU 0.74
  const auto r = dota_evaluate_class(one_class({g}, {0}, {{0, 0.9, rough}, {0, 0.8, g}}), 1, 0.5);
  EXPECT_EQ(r.tp, 1u);
  EXPECT_EQ(r.fp, 1u);
  EXPECT_DOUBLE_EQ(r.recall[0], 1.0);  // the first-ranked one took the object
}

TEST(DotaMatching, DifficultObjectsIgnoreTheirDetectionsAndShadow) {
  const Quad g = turned_square(50, 50, 20, 0.3);
  // Two identical objects, the difficult one listed first: it wins every tie, so the
  // non-difficult one can never be matched (the devkit's first argmax).
  const auto r = dota_evaluate_class(one_class({g, g}, {1, 0}, {{0, 0.9, g}, {0, 0.8, g}}), 1, 0.5);
  EXPECT_EQ(r.npos, 1u);
  EXPECT_EQ(r.ignored, 2u);
  EXPECT_EQ(r.tp, 0u);
  EXPECT_EQ(r.fp, 0u);
  EXPECT_EQ(r.precision[0], 0.0);
  EXPECT_EQ(r.ap_area, 0.0);
}

TEST(DotaMatching, ClassWithoutGroundTruth) {
  const Quad g = turned_square(50, 50, 20, 0.3);
  const auto only_difficult = dota_evaluate_class(one_class({g}, {1}, {{0, 0.9, g}}), 1, 0.5);
  EXPECT_EQ(only_difficult.npos, 0u);
  EXPECT_EQ(only_difficult.ap_voc07, 0.0);
  EXPECT_TRUE(std::isnan(only_difficult.ap_area));
  const auto nothing = dota_evaluate_class(one_class({}, {}, {}), 1, 0.5);
  EXPECT_EQ(nothing.ap_voc07, 0.0);
  EXPECT_EQ(nothing.ap_area, 0.0);

  DotaDataset ds;
  ds.num_images = 1;
  ds.classes = {one_class({g}, {1}, {{0, 0.9, g}}), one_class({g}, {0}, {{0, 0.9, g}})};
  const VocResult r = dota_evaluate(ds);
  EXPECT_EQ(r.num_map_classes, 1u);
  EXPECT_DOUBLE_EQ(r.map_area, 1.0);
}

TEST(DotaMatching, ExactIouWithoutThePlusOnePixel) {
  // [0,10]x[0,5] in [0,10]²: exact IoU 1/2, not above 0.5. With VOC's +1 convention the
  // same corners give 66/121 > 0.5, a match.
  const auto dota = dota_evaluate_class(one_class({box_quad(0, 0, 10, 10)}, {0}, {{0, 0.9, box_quad(0, 0, 10, 5)}}),
                                        1, 0.5);
  EXPECT_EQ(dota.tp, 0u);
  EXPECT_EQ(dota.fp, 1u);
  EXPECT_GT(voc_iou({0, 0, 10, 5}, {0, 0, 10, 10}), 0.5);
  // Just above: [0,10]x[0,5.001].
  const auto above = dota_evaluate_class(
      one_class({box_quad(0, 0, 10, 10)}, {0}, {{0, 0.9, box_quad(0, 0, 10, 5.001)}}), 1, 0.5);
  EXPECT_EQ(above.tp, 1u);
}

TEST(DotaMatching, TouchingAndDisjointQuadsNeverMatch) {
  const Quad g = box_quad(0, 0, 10, 10);
  // Within the devkit's +1 pixel bounding-box prefilter, but not overlapping.
  const auto r = dota_evaluate_class(
      one_class({g}, {0}, {{0, 0.9, box_quad(10, 0, 20, 10)}, {0, 0.8, box_quad(10.5, 0, 20, 10)}}), 1, 0.0);
  EXPECT_EQ(r.fp, 2u);
}

TEST(DotaMatching, BadArraysAreRefused) {
  DotaClassData c = one_class({box_quad(0, 0, 1, 1)}, {0}, {});
  EXPECT_THROW(dota_evaluate_class(c, 0, 0.5), InputError);  // image out of range
  c.gt_difficult.clear();
  EXPECT_THROW(dota_evaluate_class(c, 1, 0.5), InputError);
  DotaClassData d = one_class({}, {}, {});
  const double two[] = {0, 0, 1, 1};
  d.gt_image.push_back(0);
  d.gt_difficult.push_back(0);
  d.gt_poly.push_back(two);
  EXPECT_THROW(dota_evaluate_class(d, 1, 0.5), InputError);
}

// Axis-aligned quadrilaterals against the VOC evaluation of the same corners. The IoUs differ
// (VOC adds one pixel to every side length), so the data avoid every IoU near the threshold
// and every near tie between two objects; then every decision, and so the whole curve, agrees.
TEST(DotaMatching, AxisAlignedQuadsAgreeWithVocAwayFromTheThreshold) {
  std::mt19937 rng(1234);
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  constexpr std::uint32_t kImages = 30;
  constexpr double kThr = 0.5, kMargin = 0.04;
  VocDataset voc;
  DotaDataset dota;
  voc.num_images = dota.num_images = kImages;
  std::size_t kept = 0, tp_total = 0, ignored_total = 0;
  for (int cls = 0; cls < 4; ++cls) {
    VocClassData v;
    DotaClassData q;
    v.name = q.name = "c" + std::to_string(cls);
    std::vector<std::vector<VocBox>> per_image(kImages);
    for (std::uint32_t i = 0; i < kImages; ++i) {
      const int n = static_cast<int>(uni(0, 5));
      for (int k = 0; k < n; ++k) {
        const double x = std::round(uni(0, 400)), y = std::round(uni(0, 400));
        const VocBox b{x, y, x + std::round(uni(15, 120)), y + std::round(uni(15, 120))};
        const std::uint8_t diff = uni(0, 1) < 0.15 ? 1 : 0;
        per_image[i].push_back(b);
        v.gt_image.push_back(i);
        v.gt_box.push_back(b);
        v.gt_difficult.push_back(diff);
        q.gt_image.push_back(i);
        q.gt_poly.push_back(box_quad(b.x1, b.y1, b.x2, b.y2));
        q.gt_difficult.push_back(diff);
      }
    }
    for (int tries = 0; tries < 400; ++tries) {
      const auto img = static_cast<std::uint32_t>(uni(0, kImages));
      VocBox b;
      if (!per_image[img].empty() && uni(0, 1) < 0.8) {  // a jittered object, sometimes a duplicate
        const VocBox& g = per_image[img][static_cast<std::size_t>(uni(0, per_image[img].size()))];
        const double w = g.x2 - g.x1, h = g.y2 - g.y1, s = uni(0, 0.4);
        b = {g.x1 + uni(-s, s) * w, g.y1 + uni(-s, s) * h, g.x2 + uni(-s, s) * w, g.y2 + uni(-s, s) * h};
        if (b.x2 <= b.x1 + 1 || b.y2 <= b.y1 + 1) continue;
      } else {
        const double x = uni(0, 400), y = uni(0, 400);
        b = {x, y, x + uni(10, 100), y + uni(10, 100)};
      }
      // Keep the detection only when both IoUs are far from the threshold and the best
      // object is the same, and clearly so, under both conventions.
      bool ok = true;
      double best_v = -1, second_v = -1, best_q = -1, second_q = -1;
      std::size_t arg_v = 0, arg_q = 0;
      for (std::size_t j = 0; j < per_image[img].size() && ok; ++j) {
        const VocBox& g = per_image[img][j];
        const double iv = voc_iou(b, g);
        const double iq = shape_iou(box_quad(b.x1, b.y1, b.x2, b.y2), box_quad(g.x1, g.y1, g.x2, g.y2), false);
        ok = std::abs(iv - kThr) > kMargin && std::abs(iq - kThr) > kMargin;
        if (iv > best_v) second_v = best_v, best_v = iv, arg_v = j;
        else second_v = std::max(second_v, iv);
        if (iq > best_q) second_q = best_q, best_q = iq, arg_q = j;
        else second_q = std::max(second_q, iq);
      }
      if (!ok || arg_v != arg_q || (best_v > kThr && best_v - second_v < kMargin) ||
          (best_q > kThr && best_q - second_q < kMargin))
        continue;
      const double score = uni(0, 1);
      v.det_image.push_back(img);
      v.det_score.push_back(score);
      v.det_box.push_back(b);
      q.det_image.push_back(img);
      q.det_score.push_back(score);
      q.det_poly.push_back(box_quad(b.x1, b.y1, b.x2, b.y2));
      ++kept;
    }
    voc.classes.push_back(std::move(v));
    dota.classes.push_back(std::move(q));
  }
  ASSERT_GT(kept, 500u);
  const VocResult rv = voc_evaluate(voc, kThr), rq = dota_evaluate(dota, kThr);
  for (std::size_t k = 0; k < rv.classes.size(); ++k) {
    SCOPED_TRACE(k);
    const VocClassResult &a = rv.classes[k], &b = rq.classes[k];
    EXPECT_EQ(a.npos, b.npos);
    EXPECT_EQ(a.tp, b.tp);
    EXPECT_EQ(a.fp, b.fp);
    EXPECT_EQ(a.ignored, b.ignored);
    EXPECT_EQ(a.recall, b.recall);
    EXPECT_EQ(a.precision, b.precision);
    EXPECT_EQ(a.ap_voc07, b.ap_voc07);
    EXPECT_EQ(a.ap_area, b.ap_area);
    tp_total += b.tp;
    ignored_total += b.ignored;
  }
  EXPECT_EQ(rv.map_voc07, rq.map_voc07);
  EXPECT_EQ(rv.map_area, rq.map_area);
  // The data exercise every decision.
  EXPECT_GT(tp_total, 50u);
  EXPECT_GT(ignored_total, 5u);
}

// ---- bad input ----

template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string label_error(const std::string& text) {
  return input_error([&] { parse_dota_annotation(text, "P1.txt"); });
}

VocImageSet two_images() {
  VocImageSet s;
  s.file = "set.txt";
  s.ids = {"P1", "P2"};
  s.index = {{"P1", 0}, {"P2", 1}};
  return s;
}

std::string det_error(const std::string& text) {
  DotaClassData c;
  return input_error([&] { parse_dota_detections(text, "Task1_ship.txt", two_images(), "the image set set.txt", c); });
}

TEST(DotaRead, LenientWhitespaceAndLineEnds) {
  const DotaAnnotation a =
      parse_dota_annotation("imagesource:GoogleEarth\r\ngsd:0.5\r\n\r\n 1 1\t5 1 5 5 1 5  ship 0\r\n2 2 6 2 6 6 2 6 ship 2\n",
                            "P1.txt");
  ASSERT_EQ(a.objects.size(), 2u);
  EXPECT_EQ(a.gsd, "0.5");
  EXPECT_EQ(a.objects[0].line, 4u);
  EXPECT_FALSE(a.objects[0].difficult);
  EXPECT_TRUE(a.objects[1].difficult);  // any non-zero integer, as int() then astype(bool)
  DotaClassData c;
  parse_dota_detections("P2 +.5 1 1 5 1 5 5 1 5\r\n\nP1 -1e-3 1 1 5 1 5 5 1 5", "T.txt", two_images(), "x", c);
  EXPECT_EQ(c.det_image, (std::vector<std::uint32_t>{1, 0}));
  EXPECT_EQ(c.det_score, (std::vector<double>{0.5, -1e-3}));
  DotaClassData empty;
  parse_dota_detections("", "T.txt", two_images(), "x", empty);
  EXPECT_TRUE(empty.det_image.empty());
}

TEST(DotaRead, LabelFieldCounts) {
  EXPECT_EQ(label_error("1 1 5 1 5 5 1 5\n"),
            "P1.txt: line 1: expected 9 or 10 fields '<x1> <y1> <x2> <y2> <x3> <y3> <x4> <y4> <class> "
            "[<difficult>]', got 8 fields");
  EXPECT_NE(label_error("1 1 5 1 5 5 1 5 ship 0 extra\n").find("line 1: expected 9 or 10 fields"), std::string::npos);
  // Header lines are accepted before the objects only.
  EXPECT_NE(label_error("1 1 5 1 5 5 1 5 ship 0\ngsd:0.1\n").find("line 2: expected 9 or 10 fields"),
            std::string::npos);
}

TEST(DotaRead, LabelValues) {
  EXPECT_EQ(label_error("gsd:1\n1 1 5 1 five 5 1 5 ship 0\n"), "P1.txt: line 2: expected a number for x3, got 'five'");
  EXPECT_EQ(label_error("1 1 5 1 5 5 1 nan ship 0\n"), "P1.txt: line 1: expected a finite number for y4, got 'nan'");
  EXPECT_EQ(label_error("1 1 5 1 5 5 1 5 ship 1.0\n"),
            "P1.txt: line 1: expected an integer (0 or 1) for difficult, got '1.0'");
}

TEST(DotaRead, InvalidQuadrilaterals) {
  // A bow tie (edges crossing) and a flat one.
  const std::string bow = label_error("\n0 0 10 10 10 0 0 10 ship 0\n");
  EXPECT_EQ(bow.rfind("P1.txt: line 2: expected a simple quadrilateral with non-zero area, got ", 0), 0u) << bow;
  EXPECT_EQ(label_error("0 0 1 1 2 2 3 3 ship 0\n"),
            "P1.txt: line 1: expected a simple quadrilateral with non-zero area, got zero area");
  EXPECT_EQ(det_error("P1 0.5 0 0 1 1 2 2 3 3\n"),
            "Task1_ship.txt: line 1: expected a simple quadrilateral with non-zero area, got zero area");
  EXPECT_NE(det_error("P1 0.5 0 0 10 0 10 10 0 10\nP1 0.5 0 0 10 10 10 0 0 10\n")
                .find("Task1_ship.txt: line 2: expected a simple quadrilateral"),
            std::string::npos);
}

TEST(DotaRead, DetectionLines) {
  EXPECT_EQ(det_error("P1 0.5 0 0 10 0 10 10 0\n"),
            "Task1_ship.txt: line 1: expected 10 fields '<image> <score> <x1> <y1> <x2> <y2> <x3> <y3> <x4> <y4>', "
            "got 9 fields");
  EXPECT_EQ(det_error("P1 0.5 0 0 10 0 10 10 0 10\nP9 0.5 0 0 10 0 10 10 0 10\n"),
            "Task1_ship.txt: line 2: expected an image id of the image set set.txt, got 'P9'");
  EXPECT_EQ(det_error("P1 high 0 0 10 0 10 10 0 10\n"), "Task1_ship.txt: line 1: expected a number for the score, got 'high'");
  EXPECT_EQ(det_error("P1 inf 0 0 10 0 10 10 0 10\n"),
            "Task1_ship.txt: line 1: expected a finite number for the score, got 'inf'");
  EXPECT_EQ(det_error("P1 0.5 0 0 10 0 10 10 0 1O\n"), "Task1_ship.txt: line 1: expected a number for y4, got '1O'");
}

TEST(DotaLoad, FilesAndPatterns) {
  test::TempDir tmp;
  fs::create_directories(tmp / "labels");
  test::spit(tmp / "labels/P1.txt", "0 0 10 0 10 10 0 10 ship 0\n");
  test::spit(tmp / "labels/notes.md", "not a label file\n");
  test::spit(tmp / "Task1_ship.txt", "P1 0.9 0 0 10 0 10 10 0 10\n");
  DotaPaths p{(tmp / "labels").string(), "", (tmp / "Task1_{class}.txt").string(), {}};
  const DotaInput in = load_dota(p);
  EXPECT_EQ(in.images.ids, std::vector<std::string>{"P1"});
  EXPECT_DOUBLE_EQ(dota_evaluate(in.dataset).map_area, 1.0);

  // Classes named on the command line: one without a result file is evaluated without detections.
  p.classes = {"ship", "plane"};
  EXPECT_EQ(load_dota(p).classes_without_file, std::vector<std::string>{"plane"});

  DotaPaths bad = p;
  bad.detections = (tmp / "Task1_ship.txt").string();
  EXPECT_THROW(load_dota(bad), UsageError);  // no {class}
  bad = p;
  bad.detections = (tmp / "nothing_{class}.txt").string();
  EXPECT_THROW(load_dota(bad), IoError);  // no class has a file
  bad = p;
  bad.annotations_dir = (tmp / "missing").string();
  EXPECT_THROW(load_dota(bad), IoError);
  bad = p;
  test::spit(tmp / "set.txt", "P1\nP2\n");
  bad.image_set = (tmp / "set.txt").string();
  EXPECT_THROW(load_dota(bad), IoError);  // P2.txt does not exist

  // An unknown image in a result file names where the images come from.
  test::spit(tmp / "Task1_plane.txt", "P7 0.9 0 0 10 0 10 10 0 10\n");
  const std::string msg = input_error([&] { load_dota(p); });
  EXPECT_NE(msg.find("Task1_plane.txt: line 1: expected an image id of the label files in "), std::string::npos)
      << msg;
}

// ---- the command ----

class DotaCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(DETEVAL_CLI).empty()) GTEST_SKIP() << "CLI not built";
  }
};

std::string fixture_args() {
  const auto d = test::fixture("dota/basic");
  return "dota --annotations " + test::q(d / "labelTxt") + " --dets " + test::q(d / "results/Task1_{class}.txt");
}

TEST_F(DotaCli, JsonMatchesHandDerivedValues) {
  test::TempDir tmp;
  const auto r = test::run_cli(fixture_args() + " --json " + test::q(tmp / "out.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("mAP VOC2007 11-point: 0.5519"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mAP area (VOC2010+):  0.5476"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("harbor"), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
  expect_matches_fixture(json::parse(test::slurp(tmp / "out.json")));
}

TEST_F(DotaCli, OptionsAndWarnings) {
  test::TempDir tmp;
  // At --iou 0.75 the diamond (IoU 0.707) is a plain miss instead of a duplicate: FP either
  // way, so plane keeps its AP.
  auto r = test::run_cli(fixture_args() + " --iou 0.75 --threads 1 --classes plane,helicopter --json " +
                         test::q(tmp / "o.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Task1_helicopter.txt: no such file"), std::string::npos) << r.err;
  const json j = json::parse(test::slurp(tmp / "o.json"));
  EXPECT_EQ(j["iou_threshold"], 0.75);
  EXPECT_EQ(j["map_classes"], json::array({"plane"}));
  EXPECT_NEAR(j["per_class"]["plane"]["ap_area"].get<double>(), 9.0 / 14, 1e-12);
  r = test::run_cli(fixture_args() + " --classes plane,helicopter -q");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(DotaCli, BadInputExitsWithItsCodeAndWritesNothing) {
  test::TempDir tmp;
  fs::create_directories(tmp / "labels");
  test::spit(tmp / "labels/P1.txt", "imagesource:GoogleEarth\ngsd:0.1\n0 0 10 0 10 10 0 10 ship 0\n");
  test::spit(tmp / "Task1_ship.txt", "P1 0.9 0 0 10 0 10 10 0 10\nP1 0.8 0 0 10 10 10 0 0 10\n");
  const std::string args = "dota --annotations " + test::q(tmp / "labels") + " --json " + test::q(tmp / "out.json");
  auto r = test::run_cli(args + " --dets " + test::q(tmp / "Task1_{class}.txt"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("Task1_ship.txt: line 2: expected a simple quadrilateral with non-zero area"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(tmp / "out.json"));

  test::spit(tmp / "labels/P1.txt", "0 0 10 0 10 10 0 10 ship\n0 0 10 0 10 10 0 10\n");
  r = test::run_cli(args + " --dets " + test::q(tmp / "Task1_{class}.txt"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("P1.txt: line 2: expected 9 or 10 fields"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "out.json"));

  r = test::run_cli(args + " --dets " + test::q(tmp / "Task1_ship.txt"));
  EXPECT_EQ(r.exit_code, 2) << r.err;  // no {class}
  test::spit(tmp / "labels/P1.txt", "0 0 10 0 10 10 0 10 ship\n");
  r = test::run_cli(args + " --dets " + test::q(tmp / "nothing_{class}.txt"));
  EXPECT_EQ(r.exit_code, 4) << r.err;  // no class has a result file
  r = test::run_cli(fixture_args() + " --iou 1.5");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = test::run_cli("dota --annotations " + test::q(tmp / "nowhere") + " --dets " + test::q(tmp / "T_{class}.txt"));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "out.json"));
}

}  // namespace
}  // namespace deteval
