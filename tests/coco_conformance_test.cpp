// Every public pycocotools conformance case (fixtures/coco), through the library
// and through the CLI: stats, per-category values and parameters to 1e-12, and the
// summary text byte for byte.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "deteval/analysis.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/summary.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::fixture;

constexpr double kTol = 1e-12;

struct Case {
  std::string name, iou_type;
  std::string root = "coco";  // fixtures/<root>/<name>
  double tol = kTol;
};
// gtest prints a parameter in failure messages: the case, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.root << "/" << c.name << " (" << c.iou_type << ")"; }

// fixtures/coco: pycocotools' own values (1e-12). fixtures/geometry: exact polygon
// geometry plugged into pycocotools' matching; its README asks for 1e-9.
std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const char* root : {"coco", "geometry"})
    for (const auto& dir : std::filesystem::directory_iterator(fixture(root))) {
      if (!dir.is_directory()) continue;
      for (const char* t : {"bbox", "segm", "rotated", "polygon"})
        if (std::filesystem::exists(dir.path() / (std::string("expected_") + t + ".json")))
          out.push_back({dir.path().filename().string(), t, root, std::string(root) == "coco" ? kTol : 1e-9});
    }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) {
    return std::tie(a.name, a.iou_type) < std::tie(b.name, b.iou_type);
  });
  return out;
}

Params case_params(const std::filesystem::path& dir, IouType type) {
  Params p;
  p.iou_type = type;
  if (std::filesystem::exists(dir / "params.json")) read_coco_params((dir / "params.json").string(), p);
  return p;
}

class CocoConformance : public ::testing::TestWithParam<Case> {};

TEST_P(CocoConformance, LibraryMatchesPycocotools) {
  const Case& c = GetParam();
  const auto dir = fixture(c.root + "/" + c.name);
  const double kTol = c.tol;
  const IouType type = parse_iou_type(c.iou_type);
  const json expected = json::parse(test::slurp(dir / ("expected_" + c.iou_type + ".json")));
  const Params params = case_params(dir, type);

  const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), type);
  const Detections dt = read_coco_results((dir / "dt.json").string(), gt, type);
  const Evaluation ev = evaluate(gt, dt, params);

  const json& ep = expected["effective_params"];
  EXPECT_EQ(ev.params.iou_thrs, ep["iouThrs"].get<std::vector<double>>());
  EXPECT_EQ(ev.params.rec_thrs, ep["recThrs"].get<std::vector<double>>());
  EXPECT_EQ(ev.params.max_dets, ep["maxDets"].get<std::vector<int>>());
  EXPECT_EQ(ev.params.use_cats ? 1 : 0, ep["useCats"].get<int>());

  const Summary s = summarize(ev);
  const auto stats = expected["stats"].get<std::vector<double>>();
  ASSERT_EQ(stats.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_NEAR(s.stats[i], stats[i], kTol) << kStatNames[i];
  const auto summary_file = dir / ("expected_summary_" + c.iou_type + ".txt");
  if (std::filesystem::exists(summary_file)) EXPECT_EQ(s.text, test::slurp(summary_file));

  const auto cats = per_category(ev);
  if (!expected.contains("per_category")) {
    EXPECT_TRUE(cats.empty());
    return;
  }
  const json& pc = expected["per_category"];
  ASSERT_EQ(cats.size(), pc.size());
  for (const auto& m : cats) {
    const json& e = pc.at(std::to_string(m.id));
    EXPECT_NEAR(m.ap, e["AP"].get<double>(), kTol) << "category " << m.id;
    EXPECT_NEAR(m.ar, e["AR100"].get<double>(), kTol) << "category " << m.id;
    EXPECT_EQ(m.has_ap50, e.contains("AP50"));
    EXPECT_EQ(m.has_ap75, e.contains("AP75"));
    if (m.has_ap50) EXPECT_NEAR(m.ap50, e["AP50"].get<double>(), kTol) << "category " << m.id;
    if (m.has_ap75) EXPECT_NEAR(m.ap75, e["AP75"].get<double>(), kTol) << "category " << m.id;
  }
}

TEST_P(CocoConformance, CommandLineMatchesPycocotools) {
  const Case& c = GetParam();
  const auto dir = fixture(c.root + "/" + c.name);
  const double kTol = c.tol;
  const json expected = json::parse(test::slurp(dir / ("expected_" + c.iou_type + ".json")));
  test::TempDir tmp;
  std::string args = "coco --gt " + test::q(dir / "gt.json") + " --dt " + test::q(dir / "dt.json") +
                     " --iou-type " + c.iou_type + " --json " + test::q(tmp / "out.json");
  if (std::filesystem::exists(dir / "params.json")) args += " --params " + test::q(dir / "params.json");
  const auto r = test::run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary_file = dir / ("expected_summary_" + c.iou_type + ".txt");
  if (std::filesystem::exists(summary_file)) {
    const std::string summary = test::slurp(summary_file);
    EXPECT_EQ(r.out.substr(0, summary.size()), summary);
  }

  const json got = json::parse(test::slurp(tmp / "out.json"));
  EXPECT_EQ(got["iou_type"], c.iou_type);
  const auto stats = expected["stats"].get<std::vector<double>>();
  for (std::size_t i = 0; i < 12; ++i) EXPECT_NEAR(got["stats"][kStatNames[i]].get<double>(), stats[i], kTol);
  EXPECT_EQ(got["params"]["iouThrs"], expected["effective_params"]["iouThrs"]);
  EXPECT_EQ(got["params"]["recThrs"], expected["effective_params"]["recThrs"]);
  EXPECT_EQ(got["params"]["maxDets"], expected["effective_params"]["maxDets"]);
  EXPECT_EQ(got["params"]["areaRngLbl"], expected["effective_params"]["areaRngLbl"]);
  if (expected.contains("per_category")) {
    ASSERT_EQ(got["per_category"].size(), expected["per_category"].size());
    for (const json& m : got["per_category"]) {
      const json& e = expected["per_category"].at(std::to_string(m["id"].get<std::int64_t>()));
      EXPECT_NEAR(m["AP"].get<double>(), e["AP"].get<double>(), kTol);
      EXPECT_NEAR(m["AR100"].get<double>(), e["AR100"].get<double>(), kTol);
      if (e.contains("AP50")) EXPECT_NEAR(m["AP50"].get<double>(), e["AP50"].get<double>(), kTol);
      if (e.contains("AP75")) EXPECT_NEAR(m["AP75"].get<double>(), e["AP75"].get<double>(), kTol);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CocoConformance, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) { return info.param.name + "_" + info.param.iou_type; });

// Results must not depend on the number of threads: every array bit-identical.
TEST(CocoDeterminism, OneThreadEqualsMany) {
  const auto dir = fixture("coco/random_large_1000img");
  const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), IouType::bbox);
  const Detections dt = read_coco_results((dir / "dt.json").string(), gt, IouType::bbox);
  EvalOptions one, many;
  one.threads = 1;
  many.threads = 8;
  const Evaluation a = evaluate(gt, dt, Params{}, one), b = evaluate(gt, dt, Params{}, many);
  EXPECT_EQ(a.precision, b.precision);
  EXPECT_EQ(a.recall, b.recall);
  EXPECT_EQ(a.scores, b.scores);
  EXPECT_EQ(a.dt_match, b.dt_match);
  EXPECT_EQ(summarize(a).stats, summarize(b).stats);
}

// Each cell's detections in pycocotools' order: by descending score, ties in file order
// (numpy's stable mergesort), for small cells (sorted in place) and large ones (sorted as
// keyed pairs) alike, and with useCats off (a cell then pools its image's categories).
TEST(CocoCells, DetectionsStablySortedByScoreInSmallAndLargeCells) {
  GroundTruth gt;
  for (std::int64_t id : {1, 2}) {
    Image im;
    im.id = id;
    im.width = im.height = 100;
    gt.images.push_back(im);
  }
  for (std::int64_t id : {1, 2}) gt.categories.push_back(Category{id, "c", ""});
  Detections dt;
  std::mt19937 rng(5);
  const double levels[] = {0.25, 0.5, 0.75};
  // image 0: 20 detections (a small cell per category); image 1: 90 (large cells)
  for (std::uint32_t image : {0u, 1u})
    for (int j = 0; j < (image == 0 ? 20 : 90); ++j) {
      dt.image.push_back(image);
      dt.category.push_back(static_cast<std::uint32_t>(rng() % 2));
      dt.score.push_back(levels[rng() % 3]);  // many ties
      dt.box.push_back(Box{1, 1, 5, 5});
      dt.area.push_back(25);
    }
  for (bool use_cats : {true, false}) {
    Params p;
    p.use_cats = use_cats;
    const Evaluation ev = evaluate(gt, dt, p);
    std::size_t checked = 0;
    for (const ImageEval& e : ev.image_evals) {
      if (e.area != 0) continue;
      std::vector<std::uint32_t> expect;  // the image's (and category's) detections
      for (std::uint32_t d = 0; d < dt.size(); ++d)
        if (dt.image[d] == e.image && (!use_cats || dt.category[d] == e.category)) expect.push_back(d);
      if (!use_cats)  // pooled: category order, then file order
        std::stable_sort(expect.begin(), expect.end(),
                         [&](std::uint32_t x, std::uint32_t y) { return dt.category[x] < dt.category[y]; });
      std::stable_sort(expect.begin(), expect.end(),
                       [&](std::uint32_t x, std::uint32_t y) { return dt.score[x] > dt.score[y]; });
      expect.resize(std::min<std::size_t>(expect.size(), 100));
      ASSERT_EQ(e.num_dt, expect.size());
      EXPECT_TRUE(std::equal(expect.begin(), expect.end(), ev.dt_index.begin() + static_cast<std::ptrdiff_t>(e.dt_begin)))
          << "image " << e.image << " category " << e.category << (use_cats ? "" : " (useCats off)");
      checked += expect.size() > 32;
    }
    EXPECT_GE(checked, 1u);  // a large cell was sorted too
  }
}

// Without keep_matches the evaluation keeps no per-detection matches (100 MB at COCO
// scale) and everything else is bit-identical; analyze() then says what to turn on.
TEST(CocoDeterminism, KeepMatchesOffChangesNothingElse) {
  for (IouType type : {IouType::bbox, IouType::segm}) {
    SCOPED_TRACE(to_string(type));
    const auto dir = fixture("coco/random_large_1000img");
    const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), type);
    const Detections dt = read_coco_results((dir / "dt.json").string(), gt, type);
    Params p;
    p.iou_type = type;
    EvalOptions lean;
    lean.keep_matches = false;
    const Evaluation a = evaluate(gt, dt, p), b = evaluate(gt, dt, p, lean);
    ASSERT_FALSE(a.dt_match.empty());
    EXPECT_TRUE(b.dt_match.empty());
    EXPECT_TRUE(b.dt_ignore.empty());
    EXPECT_EQ(a.precision, b.precision);
    EXPECT_EQ(a.recall, b.recall);
    EXPECT_EQ(a.scores, b.scores);
    EXPECT_EQ(a.dt_index, b.dt_index);
    EXPECT_EQ(a.gt_ignore, b.gt_ignore);
    EXPECT_EQ(summarize(a).stats, summarize(b).stats);
    EXPECT_NO_THROW(analyze(gt, dt, a, AnalysisOptions{}));
    try {
      analyze(gt, dt, b, AnalysisOptions{});
      ADD_FAILURE() << "analyze() accepted an evaluation without matches";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage);
      EXPECT_NE(std::string(e.what()).find("keep_matches"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace deteval
