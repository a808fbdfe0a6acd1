// COCO keypoint evaluation (iouType "keypoints", OKS): every public pycocotools case
// (fixtures/keypoints) through the library and the CLI, the OKS function itself, the
// readers' located errors, and the analyses and report on keypoints.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "deteval/analysis.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/oks.hpp"
#include "deteval/summary.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::fixture;

constexpr double kTol = 1e-12;

std::vector<std::string> case_names() {
  std::vector<std::string> out;
  for (const auto& dir : std::filesystem::directory_iterator(fixture("keypoints")))
    if (dir.is_directory()) out.push_back(dir.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

Params case_params(const std::filesystem::path& dir) {
  Params p(IouType::keypoints);
  if (std::filesystem::exists(dir / "params.json")) read_coco_params((dir / "params.json").string(), p);
  return p;
}

class KeypointConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(KeypointConformance, LibraryMatchesPycocotools) {
  const auto dir = fixture("keypoints/" + GetParam());
  const json expected = json::parse(test::slurp(dir / "expected_keypoints.json"));
  const Params params = case_params(dir);
  const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), IouType::keypoints);
  const Detections dt = read_coco_results((dir / "dt.json").string(), gt, IouType::keypoints);
  const Evaluation ev = evaluate(gt, dt, params);

  const json& ep = expected["effective_params"];
  EXPECT_EQ(ev.params.iou_thrs, ep["iouThrs"].get<std::vector<double>>());
  EXPECT_EQ(ev.params.rec_thrs, ep["recThrs"].get<std::vector<double>>());
  EXPECT_EQ(ev.params.max_dets, ep["maxDets"].get<std::vector<int>>());
  EXPECT_EQ(ev.params.kpt_oks_sigmas, ep["kpt_oks_sigmas"].get<std::vector<double>>());
  ASSERT_EQ(ev.params.area_ranges.size(), ep["areaRng"].size());
  for (std::size_t a = 0; a < ev.params.area_ranges.size(); ++a) {
    EXPECT_EQ(ev.params.area_ranges[a].label, ep["areaRngLbl"][a].get<std::string>());
    EXPECT_EQ(ev.params.area_ranges[a].lo, ep["areaRng"][a][0].get<double>());
    EXPECT_EQ(ev.params.area_ranges[a].hi, ep["areaRng"][a][1].get<double>());
  }

  const Summary s = summarize(ev);
  const auto stats = expected["stats"].get<std::vector<double>>();
  const auto names = expected["stat_names"].get<std::vector<std::string>>();
  ASSERT_EQ(s.stats.size(), stats.size());
  ASSERT_EQ(s.names.size(), names.size());
  for (std::size_t i = 0; i < stats.size(); ++i) {
    EXPECT_EQ(s.names[i], names[i]);
    EXPECT_NEAR(s.stats[i], stats[i], kTol) << names[i];
  }
  EXPECT_EQ(s.text, test::slurp(dir / "expected_summary_keypoints.txt"));

  const auto cats = per_category(ev);
  const json& pc = expected["per_category"];
  ASSERT_EQ(cats.size(), pc.size());
  for (const auto& m : cats) {
    const json& e = pc.at(std::to_string(m.id));
    EXPECT_NEAR(m.ap, e["AP"].get<double>(), kTol);
    EXPECT_NEAR(m.ap50, e["AP50"].get<double>(), kTol);
    EXPECT_NEAR(m.ap75, e["AP75"].get<double>(), kTol);
    EXPECT_NEAR(m.ar, e["AR100"].get<double>(), kTol);
  }
}

TEST_P(KeypointConformance, CommandLineMatchesPycocotools) {
  const auto dir = fixture("keypoints/" + GetParam());
  const json expected = json::parse(test::slurp(dir / "expected_keypoints.json"));
  test::TempDir tmp;
  std::string args = "coco --iou-type keypoints --gt " + test::q(dir / "gt.json") + " --dt " + test::q(dir / "dt.json") +
                     " --json " + test::q(tmp / "out.json");
  if (std::filesystem::exists(dir / "params.json")) args += " --params " + test::q(dir / "params.json");
  const auto r = test::run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string summary = test::slurp(dir / "expected_summary_keypoints.txt");
  EXPECT_EQ(r.out.substr(0, summary.size()), summary);

  const json got = json::parse(test::slurp(tmp / "out.json"));
  EXPECT_EQ(got["iou_type"], "keypoints");
  const auto stats = expected["stats"].get<std::vector<double>>();
  const auto names = expected["stat_names"].get<std::vector<std::string>>();
  ASSERT_EQ(got["stats"].size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_NEAR(got["stats"][names[i]].get<double>(), stats[i], kTol);
  for (const char* key : {"iouThrs", "recThrs", "maxDets", "areaRng", "areaRngLbl", "kpt_oks_sigmas"})
    EXPECT_EQ(got["params"][key], expected["effective_params"][key]) << key;
  ASSERT_EQ(got["per_category"].size(), 1u);
  const json& m = got["per_category"][0];
  const json& e = expected["per_category"].at(std::to_string(m["id"].get<std::int64_t>()));
  for (const char* key : {"AP", "AP50", "AP75", "AR100"}) EXPECT_NEAR(m[key].get<double>(), e[key].get<double>(), kTol);
}

INSTANTIATE_TEST_SUITE_P(Cases, KeypointConformance, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

// fixtures/keypoints_more: further pycocotools values (other parameters, 14 keypoints,
// results with masks), through the library and the CLI.
TEST(KeypointConformanceMore, LibraryAndCommandLineMatchPycocotools) {
  const json cases = json::parse(test::slurp(fixture("keypoints_more/cases.json")));
  ASSERT_GE(cases.size(), 7u);
  for (const json& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    test::TempDir tmp;
    test::spit(tmp / "params.json", c["params"].dump());
    Params p(IouType::keypoints);
    read_coco_params((tmp / "params.json").string(), p);
    const auto gt_path = fixture(c["gt"].get<std::string>()), dt_path = fixture(c["dt"].get<std::string>());
    const GroundTruth gt = read_coco_gt(gt_path.string(), IouType::keypoints);
    const Detections dt = read_coco_results(dt_path.string(), gt, IouType::keypoints);
    const Summary s = summarize(evaluate(gt, dt, p));
    const auto stats = c["stats"].get<std::vector<double>>();
    ASSERT_EQ(s.stats.size(), stats.size());
    for (std::size_t i = 0; i < stats.size(); ++i) EXPECT_NEAR(s.stats[i], stats[i], kTol) << s.names[i];
    EXPECT_EQ(s.text, c["summary"].get<std::string>());

    const auto r = test::run_cli("coco --iou-type keypoints --no-per-class -q --gt " + test::q(gt_path) + " --dt " +
                                 test::q(dt_path) + " --params " + test::q(tmp / "params.json"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, c["summary"].get<std::string>());
  }
}

TEST(KeypointEvaluation, OneThreadEqualsMany) {
  const auto dir = fixture("keypoints/random_120img");
  const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), IouType::keypoints);
  const Detections dt = read_coco_results((dir / "dt.json").string(), gt, IouType::keypoints);
  EvalOptions one, many;
  one.threads = 1;
  many.threads = 8;
  const Params p(IouType::keypoints);
  const Evaluation a = evaluate(gt, dt, p, one), b = evaluate(gt, dt, p, many);
  EXPECT_EQ(a.precision, b.precision);
  EXPECT_EQ(a.recall, b.recall);
  EXPECT_EQ(a.dt_match, b.dt_match);
}

// ---- OKS itself ------------------------------------------------------------------

TEST(Oks, IdenticalLabelledKeypointsGiveOne) {
  const std::vector<double> gt = {10, 10, 2, 20, 20, 1, 0, 0, 0};
  const std::vector<double> dt = {10, 10, 0.5, 20, 20, 0.1, 99, 99, 0.9};  // keypoint 3 is unlabelled in gt
  EXPECT_EQ(oks(dt, gt, Box{0, 0, 30, 30}, 900, std::vector<double>{0.1, 0.1, 0.1}), 1.0);
}

TEST(Oks, FollowsPycocotoolsFormula) {
  const std::vector<double> sigmas = {0.026000000000000002, 0.079};
  const std::vector<double> gt = {10, 10, 2, 20, 20, 2};
  const std::vector<double> dt = {13, 14, 1, 20, 21, 1};
  const double area = 400;
  double e[2];
  e[0] = (3.0 * 3 + 4.0 * 4) / ((sigmas[0] * 2) * (sigmas[0] * 2)) / (area + 2.220446049250313e-16) / 2;
  e[1] = (0.0 + 1.0) / ((sigmas[1] * 2) * (sigmas[1] * 2)) / (area + 2.220446049250313e-16) / 2;
  const double expected = (0.0 + std::exp(-e[0]) + std::exp(-e[1])) / 2;
  EXPECT_EQ(oks(dt, gt, Box{5, 5, 20, 20}, area, sigmas), expected);
}

TEST(Oks, NoLabelledKeypointMeasuresOutsideTheGrownBox) {
  // gt box [10, 10, 10, 20] grows to x in [0, 30], y in [-10, 50].
  const std::vector<double> sigmas = {0.1, 0.1};
  const std::vector<double> gt = {0, 0, 0, 0, 0, 0};
  EXPECT_EQ(oks(std::vector<double>{0, -10, 1, 30, 50, 1}, gt, Box{10, 10, 10, 20}, 200, sigmas), 1.0);
  const double e = (4.0 * 4 + 0) / (0.2 * 0.2) / (200 + 2.220446049250313e-16) / 2;  // 4 px right of the region
  EXPECT_EQ(oks(std::vector<double>{34, 0, 1, 5, 5, 1}, gt, Box{10, 10, 10, 20}, 200, sigmas),
            (0.0 + std::exp(-e) + 1.0) / 2);
}

TEST(Oks, MismatchedSizesAreRefused) {
  const std::vector<double> three = {0, 0, 2, 1, 1, 2, 2, 2, 2}, two = {0, 0, 2, 1, 1, 2};
  EXPECT_THROW(oks(three, two, Box{0, 0, 1, 1}, 1, std::vector<double>{0.1, 0.1}), InputError);
}

TEST(KeypointParams, DefaultsArePycocotools) {
  const Params p(IouType::keypoints);
  EXPECT_EQ(p.max_dets, std::vector<int>{20});
  ASSERT_EQ(p.area_ranges.size(), 3u);
  EXPECT_EQ(p.area_ranges[1].label, "medium");
  EXPECT_EQ(p.kpt_oks_sigmas.size(), 17u);
  EXPECT_EQ(p.kpt_oks_sigmas[0], 0.026000000000000002);
  EXPECT_EQ(p.kpt_oks_sigmas[3], 0.034999999999999996);
  EXPECT_EQ(p.kpt_oks_sigmas[11], 0.10700000000000001);
  IouType t;
  ASSERT_TRUE(parse_iou_type("keypoints", t));
  EXPECT_EQ(t, IouType::keypoints);
  EXPECT_STREQ(to_string(t), "keypoints");
}

// ---- Rules beyond the fixtures ---------------------------------------------------

// A small dataset: one image, one person with 3 keypoints (no `keypoints` field when empty).
std::string small_gt(const std::string& keypoints = "[10,10,2,20,20,2,30,30,1]", const std::string& num = "3") {
  return R"({"images":[{"id":1,"width":100,"height":100}],
 "categories":[{"id":1,"name":"person","keypoints":["a","b","c"]}],
 "annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[5,5,30,30],"area":900,"iscrowd":0,
   "num_keypoints":)" +
         num + (keypoints.empty() ? "" : ",\"keypoints\":" + keypoints) + "}]}";
}

Params three_sigmas() {
  Params p(IouType::keypoints);
  p.kpt_oks_sigmas = {0.05, 0.05, 0.05};
  return p;
}

// detectron2 writes a box with every keypoint result: it gives the area (as loadRes
// does), never the similarity. A box with the keypoints' extent changes nothing.
TEST(KeypointEvaluation, ResultBoxesDoNotChangeTheMatching) {
  const auto dir = fixture("keypoints/basic_poses");
  const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), IouType::keypoints);
  json dts = json::parse(test::slurp(dir / "dt.json"));
  const std::string plain = dts.dump();
  for (json& r : dts) {
    std::vector<double> kp = r["keypoints"].get<std::vector<double>>();
    double x0 = kp[0], x1 = kp[0], y0 = kp[1], y1 = kp[1];
    for (std::size_t i = 0; i < kp.size(); i += 3) {
      x0 = std::min(x0, kp[i]); x1 = std::max(x1, kp[i]);
      y0 = std::min(y0, kp[i + 1]); y1 = std::max(y1, kp[i + 1]);
    }
    r["bbox"] = {x0, y0, x1 - x0, y1 - y0};
  }
  const Params p(IouType::keypoints);
  const Evaluation a = evaluate(gt, parse_coco_results(plain, "plain", gt, IouType::keypoints), p);
  const Evaluation b = evaluate(gt, parse_coco_results(dts.dump(), "boxed", gt, IouType::keypoints), p);
  EXPECT_EQ(a.dt_match, b.dt_match);
  EXPECT_EQ(a.precision, b.precision);
  EXPECT_EQ(summarize(a).text, summarize(b).text);
}

TEST(KeypointEvaluation, ResultAreaFollowsLoadRes) {
  const GroundTruth gt = parse_coco_gt(small_gt(), "gt", IouType::keypoints);
  // No box: the keypoints' extent, 0,0 keypoints included.
  Detections d = parse_coco_results(R"([{"image_id":1,"category_id":1,"keypoints":[10,10,1,0,0,0,30,40,1],"score":1}])",
                                    "dt", gt, IouType::keypoints);
  EXPECT_EQ(d.area[0], 30.0 * 40.0);
  // A box in the first result: every area is its box's.
  d = parse_coco_results(R"([{"image_id":1,"category_id":1,"bbox":[0,0,5,6],"keypoints":[10,10,1,0,0,0,30,40,1],"score":1}])",
                         "dt", gt, IouType::keypoints);
  EXPECT_EQ(d.area[0], 30.0);
  // A box only in a later result: loadRes took the keypoints branch for all.
  d = parse_coco_results(R"([{"image_id":1,"category_id":1,"keypoints":[10,10,1,20,20,0,30,30,1],"score":1},
    {"image_id":1,"category_id":1,"bbox":[0,0,5,6],"keypoints":[10,10,1,20,20,0,30,40,1],"score":1}])",
                         "dt", gt, IouType::keypoints);
  EXPECT_EQ(d.area[1], 20.0 * 30.0);
}

// pycocotools' computeOks reads _gts[image, -1] without categories: nothing matches.
TEST(KeypointEvaluation, WithoutCategoriesNothingMatchesAsInPycocotools) {
  const GroundTruth gt = parse_coco_gt(small_gt(), "gt", IouType::keypoints);
  const Detections dt = parse_coco_results(
      R"([{"image_id":1,"category_id":1,"keypoints":[10,10,1,20,20,1,30,30,1],"score":1}])", "dt", gt,
      IouType::keypoints);
  Params p = three_sigmas();
  EXPECT_NEAR(summarize(evaluate(gt, dt, p)).stats[0], 1.0, 1e-12);  // tp / (tp + fp + eps)
  p.use_cats = false;
  const Evaluation e = evaluate(gt, dt, p);
  EXPECT_EQ(summarize(e).stats[0], 0.0);
  EXPECT_EQ(summarize(e).stats[5], 0.0);
}

TEST(KeypointEvaluation, NumKeypointsZeroIgnoresTheGroundTruth) {
  // Visible keypoints but num_keypoints 0: ignored, its detection absorbed; no AP defined.
  const GroundTruth gt = parse_coco_gt(small_gt("[10,10,2,20,20,2,30,30,1]", "0"), "gt", IouType::keypoints);
  ASSERT_EQ(gt.num_keypoints[0], 0);
  const Detections dt = parse_coco_results(
      R"([{"image_id":1,"category_id":1,"keypoints":[10,10,1,20,20,1,30,30,1],"score":1}])", "dt", gt,
      IouType::keypoints);
  const Evaluation e = evaluate(gt, dt, three_sigmas());
  EXPECT_EQ(summarize(e).stats[0], -1.0);
  EXPECT_EQ(e.dt_ignore[0], 1);
}

TEST(KeypointEvaluation, SigmaCountMustMatchTheKeypoints) {
  const GroundTruth gt = parse_coco_gt(small_gt(), "gt", IouType::keypoints);
  const Detections dt = parse_coco_results(
      R"([{"image_id":1,"category_id":1,"keypoints":[10,10,1,20,20,1,30,30,1],"score":1}])", "dt", gt,
      IouType::keypoints);
  EXPECT_THROW(evaluate(gt, dt, Params(IouType::keypoints)), InputError);  // 17 default sigmas
}

// ---- The CLI: analyses and report, bad input ---------------------------------------

TEST(KeypointCli, AnalysesAndReportSayOks) {
  const auto dir = fixture("keypoints/crowd_regions");
  test::TempDir tmp;
  const auto r = test::run_cli("coco --iou-type keypoints -q --gt " + test::q(dir / "gt.json") + " --dt " +
                               test::q(dir / "dt.json") + " --analyze --report " + test::q(tmp / "r.html") +
                               " --curves " + test::q(tmp / "c.csv") + " --json " + test::q(tmp / "o.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Analysis (OKS=0.50, area=all, maxDets=20)"), std::string::npos) << r.out;
  const std::string html = test::slurp(tmp / "r.html");
  EXPECT_NE(html.find("COCO keypoints evaluation"), std::string::npos);
  EXPECT_NE(html.find("OKS 0.50"), std::string::npos);
  EXPECT_EQ(html.find("IoU 0.50"), std::string::npos);
  const json doc = json::parse(test::slurp(tmp / "o.json"));
  EXPECT_TRUE(doc.contains("analysis"));
  EXPECT_TRUE(doc["stats"].contains("ARm"));
  EXPECT_FALSE(doc["stats"].contains("APs"));
  EXPECT_NE(test::slurp(tmp / "c.csv").find("category_id,category,iou"), std::string::npos);
}

struct BadKeypoints {
  std::string name, gt, dt, params, message;
};

std::vector<BadKeypoints> bad_keypoints() {
  const std::string dt1 = R"([{"image_id":1,"category_id":1,"keypoints":[10,10,1,20,20,1,30,30,1],"score":1}])";
  const std::string sig3 = R"({"kpt_oks_sigmas":[0.05,0.05,0.05]})";
  return {
      {"gt_wrong_length", small_gt("[10,10,2,20,20,2]"), dt1, sig3,
       "gt.json: annotations[0].keypoints: expected 9 numbers (3 keypoints of x, y, v, as categories[0] lists), got 6 numbers"},
      {"gt_not_triples", small_gt("[10,10,2,20]"), dt1, sig3,
       "gt.json: annotations[0].keypoints: expected 3 numbers (x, y, v) per keypoint, got 4 numbers"},
      {"gt_visibility_3", small_gt("[10,10,2,20,20,3,30,30,1]"), dt1, sig3,
       "gt.json: annotations[0].keypoints[5]: expected a visibility flag 0, 1 or 2 (keypoint 2), got 3"},
      {"gt_visibility_negative", small_gt("[10,10,-1,20,20,2,30,30,1]"), dt1, sig3,
       "gt.json: annotations[0].keypoints[2]: expected a visibility flag 0, 1 or 2 (keypoint 1), got -1"},
      {"gt_coordinate_string", small_gt("[10,\"a\",2,20,20,2,30,30,1]"), dt1, sig3,
       "gt.json: annotations[0].keypoints[1]: expected a number, got the string \"a\""},
      {"gt_missing_keypoints", small_gt(""), dt1, sig3,
       "gt.json: annotations[0].keypoints: expected a list of keypoints [x, y, v, ...], got nothing (the field is missing)"},
      {"gt_num_keypoints_negative", small_gt("[10,10,2,20,20,2,30,30,1]", "-1"), dt1, sig3,
       "gt.json: annotations[0].num_keypoints: expected a non-negative integer (labelled keypoints), got -1"},
      {"dt_wrong_length", small_gt(), R"([{"image_id":1,"category_id":1,"keypoints":[10,10,1,20,20,1],"score":1}])", sig3,
       "dt.json: [0].keypoints: expected 9 numbers (3 keypoints of x, y, score, as in the ground truth), got 6 numbers"},
      {"dt_missing_keypoints", small_gt(), R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":1}])", sig3,
       "dt.json: [0].keypoints: expected a list of keypoints [x, y, score, ...], got nothing (the field is missing)"},
      {"dt_box_mode_without_box", small_gt(),
       R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"keypoints":[1,1,1,2,2,1,3,3,1],"score":1},
           {"image_id":1,"category_id":1,"keypoints":[1,1,1,2,2,1,3,3,1],"score":1}])",
       sig3, "dt.json: [1].bbox: expected a bbox, as the first result has one"},
      {"params_sigma_count", small_gt(), dt1, R"({"kpt_oks_sigmas":[0.05,0.05]})",
       "params.json: kpt_oks_sigmas: expected one sigma per keypoint (3 keypoints per object in"},
      {"params_sigma_zero", small_gt(), dt1, R"({"kpt_oks_sigmas":[0.05,0,0.05]})",
       "params.json: kpt_oks_sigmas[1]: expected a positive sigma, got 0"},
      {"default_sigmas_for_3_keypoints", small_gt(), dt1, "",
       "gt.json: annotations[0].keypoints: 3 keypoints per object, but the default OKS sigmas are COCO's 17"},
  };
}

class KeypointBadInput : public ::testing::TestWithParam<BadKeypoints> {};

TEST_P(KeypointBadInput, RefusedWithLocatedMessageAndNoOutput) {
  const BadKeypoints& b = GetParam();
  test::TempDir tmp;
  test::spit(tmp / "gt.json", b.gt);
  test::spit(tmp / "dt.json", b.dt);
  std::string args = "coco --iou-type keypoints --gt " + test::q(tmp / "gt.json") + " --dt " + test::q(tmp / "dt.json") +
                     " --json " + test::q(tmp / "out.json");
  if (!b.params.empty()) {
    test::spit(tmp / "params.json", b.params);
    args += " --params " + test::q(tmp / "params.json");
  }
  const auto r = test::run_cli(args);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(b.message), std::string::npos) << "stderr was: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "out.json"));
}

INSTANTIATE_TEST_SUITE_P(Kinds, KeypointBadInput, ::testing::ValuesIn(bad_keypoints()),
                         [](const auto& info) { return info.param.name; });

// Subsets keep every keypoint field (subset_gt/subset_dt copy them): pycocotools' text for
// params.imgIds = every third image (fixtures/keypoints_more/README.md).
TEST(KeypointsCli, ImageSubsetEqualsPycocotools) {
  const auto dir = test::fixture("keypoints_more/subset_every_third");
  const auto src = test::fixture("keypoints/random_120img");
  const auto r = test::run_cli("coco --iou-type keypoints --no-per-class --gt " + test::q(src / "gt.json") + " --dt " +
                               test::q(src / "dt.json") + " --img-ids @" + test::q(dir / "img_ids.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, test::slurp(dir / "expected_summary.txt"));
}

}  // namespace
}  // namespace deteval
