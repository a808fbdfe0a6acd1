// Every LVIS conformance case (fixtures/lvis), through the library and through the CLI:
// results, per-category values and counts against lvis-api's (1e-12), the print_results()
// text byte for byte; plus the per-image cap on its own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "deteval/formats/lvis.hpp"
#include "deteval/lvis.hpp"
#include "deteval/summary.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::fixture;

constexpr double kTol = 1e-12;

struct Case {
  std::string name, iou_type;
};

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const auto& dir : std::filesystem::directory_iterator(fixture("lvis"))) {
    if (!dir.is_directory()) continue;
    for (const char* t : {"bbox", "segm"})
      if (std::filesystem::exists(dir.path() / (std::string("expected_") + t + ".json")))
        out.push_back({dir.path().filename().string(), t});
  }
  std::sort(out.begin(), out.end(),
            [](const Case& a, const Case& b) { return std::tie(a.name, a.iou_type) < std::tie(b.name, b.iou_type); });
  return out;
}

// -1 in the expected files; null in our JSON.
double or_minus_one(const json& v) { return v.is_null() ? -1.0 : v.get<double>(); }

class LvisConformance : public ::testing::TestWithParam<Case> {};

TEST_P(LvisConformance, LibraryMatchesLvisApi) {
  const Case& c = GetParam();
  const auto dir = fixture("lvis/" + c.name);
  IouType type;
  ASSERT_TRUE(parse_iou_type(c.iou_type, type));
  const json expected = json::parse(test::slurp(dir / ("expected_" + c.iou_type + ".json")));
  ASSERT_TRUE(expected["params"].empty()) << "non-default parameters are not read here";

  const LvisGroundTruth gt = read_lvis_gt((dir / "gt.json").string(), type);
  const Detections dt = read_lvis_results((dir / "dt.json").string(), gt, type);
  const Params params = lvis_params(type);
  const LvisEvaluation ev = lvis_evaluate(gt, dt, params);

  const json& ep = expected["effective_params"];
  EXPECT_EQ(ev.eval.params.iou_thrs, ep["iou_thrs"].get<std::vector<double>>());
  EXPECT_EQ(ev.eval.params.rec_thrs, ep["rec_thrs"].get<std::vector<double>>());
  EXPECT_EQ(ev.eval.params.max_dets[0], ep["max_dets"].get<int>());
  ASSERT_EQ(ev.eval.params.area_ranges.size(), ep["area_rng"].size());
  for (std::size_t a = 0; a < ev.eval.params.area_ranges.size(); ++a) {
    EXPECT_EQ(ev.eval.params.area_ranges[a].lo, ep["area_rng"][a][0].get<double>());
    EXPECT_EQ(ev.eval.params.area_ranges[a].hi, ep["area_rng"][a][1].get<double>());
    EXPECT_EQ(ev.eval.params.area_ranges[a].label, ep["area_rng_lbl"][a].get<std::string>());
  }

  const json& n = expected["counts"];
  EXPECT_EQ(ev.counts.images, n["images"].get<std::size_t>());
  EXPECT_EQ(ev.counts.categories, n["categories"].get<std::size_t>());
  EXPECT_EQ(ev.counts.gt, n["gt"].get<std::size_t>());
  EXPECT_EQ(ev.counts.dt, n["dt"].get<std::size_t>());
  EXPECT_EQ(ev.counts.dt_after_cap, n["dt_after_cap"].get<std::size_t>());
  EXPECT_EQ(ev.counts.gt_evaluated, n["gt_evaluated"].get<std::size_t>());
  EXPECT_EQ(ev.counts.dt_evaluated, n["dt_evaluated"].get<std::size_t>());
  EXPECT_EQ(ev.counts.categories_with_ap, n["categories_with_ap"].get<std::size_t>());

  const LvisSummary s = lvis_summarize(ev, gt);
  // ordered_json: the file's key order is LVISEval.results' order.
  const nlohmann::ordered_json res =
      nlohmann::ordered_json::parse(test::slurp(dir / ("expected_" + c.iou_type + ".json")))["results"];
  ASSERT_EQ(s.results.size(), res.size());
  std::size_t i = 0;
  for (auto it = res.begin(); it != res.end(); ++it, ++i) {  // same names, same order
    EXPECT_EQ(s.results[i].first, it.key());
    EXPECT_NEAR(s.results[i].second, it.value().get<double>(), kTol) << it.key();
  }
  EXPECT_EQ(s.text, test::slurp(dir / ("expected_summary_" + c.iou_type + ".txt")));

  const auto cats = per_category(ev.eval);
  const json& pc = expected["per_category"];
  ASSERT_EQ(cats.size(), pc.size());
  for (const auto& m : cats) {
    const json& e = pc.at(std::to_string(m.id));
    EXPECT_NEAR(m.ap, e["AP"].get<double>(), kTol) << "category " << m.id;
    EXPECT_NEAR(m.ap50, e["AP50"].get<double>(), kTol) << "category " << m.id;
    EXPECT_NEAR(m.ap75, e["AP75"].get<double>(), kTol) << "category " << m.id;
    EXPECT_NEAR(m.ar, e["AR@300"].get<double>(), kTol) << "category " << m.id;
  }
}

TEST_P(LvisConformance, CommandLineMatchesLvisApi) {
  const Case& c = GetParam();
  const auto dir = fixture("lvis/" + c.name);
  const json expected = json::parse(test::slurp(dir / ("expected_" + c.iou_type + ".json")));
  test::TempDir tmp;
  const auto r = test::run_cli("lvis --gt " + test::q(dir / "gt.json") + " --dt " + test::q(dir / "dt.json") +
                               " --iou-type " + c.iou_type + " --json " + test::q(tmp / "out.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, test::slurp(dir / ("expected_summary_" + c.iou_type + ".txt")));

  const json got = json::parse(test::slurp(tmp / "out.json"));
  EXPECT_EQ(got["iou_type"], c.iou_type);
  const json& res = expected["results"];
  ASSERT_EQ(got["results"].size(), res.size());
  for (auto it = res.begin(); it != res.end(); ++it)
    EXPECT_NEAR(or_minus_one(got["results"][it.key()]), it.value().get<double>(), kTol) << it.key();
  EXPECT_EQ(got["effective_params"]["iou_thrs"], expected["effective_params"]["iou_thrs"]);
  EXPECT_EQ(got["effective_params"]["rec_thrs"], expected["effective_params"]["rec_thrs"]);
  EXPECT_EQ(got["counts"], expected["counts"]);
  const json& pc = expected["per_category"];
  ASSERT_EQ(got["per_category"].size(), pc.size());
  std::int64_t last = INT64_MIN;
  for (const json& m : got["per_category"]) {
    const std::int64_t id = m["id"].get<std::int64_t>();
    EXPECT_GT(id, last);  // ascending ids
    last = id;
    const json& e = pc.at(std::to_string(id));
    for (const char* key : {"AP", "AP50", "AP75", "AR@300"}) {
      EXPECT_NEAR(or_minus_one(m[key]), e[key].get<double>(), kTol) << id << " " << key;
      EXPECT_EQ(m[key].is_null(), e[key].get<double>() == -1) << id << " " << key;
    }
    const std::string f = m["frequency"].get<std::string>();
    EXPECT_TRUE(f == "r" || f == "c" || f == "f");
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, LvisConformance, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) { return info.param.name + "_" + info.param.iou_type; });

TEST(LvisConformanceSet, HasEveryCase) { EXPECT_EQ(all_cases().size(), 8u); }

// Results must not depend on the number of threads.
TEST(LvisDeterminism, OneThreadEqualsMany) {
  const auto dir = fixture("lvis/long_tail_150img");
  const LvisGroundTruth gt = read_lvis_gt((dir / "gt.json").string(), IouType::segm);
  const Detections dt = read_lvis_results((dir / "dt.json").string(), gt, IouType::segm);
  EvalOptions one, many;
  one.threads = 1;
  many.threads = 8;
  const Params p = lvis_params(IouType::segm);
  const LvisEvaluation a = lvis_evaluate(gt, dt, p, one), b = lvis_evaluate(gt, dt, p, many);
  EXPECT_EQ(a.eval.precision, b.eval.precision);
  EXPECT_EQ(a.eval.recall, b.eval.recall);
  EXPECT_EQ(lvis_summarize(a, gt).text, lvis_summarize(b, gt).text);
}

// The report: APr/APc/APf with lvis-api's values, the per-frequency view, the group column.
TEST(LvisCli, ReportShowsFrequencyGroups) {
  const auto dir = fixture("lvis/federated_basic");
  const json expected = json::parse(test::slurp(dir / "expected_bbox.json"));
  test::TempDir tmp;
  const auto r = test::run_cli("lvis --gt " + test::q(dir / "gt.json") + " --dt " + test::q(dir / "dt.json") +
                               " --report " + test::q(tmp / "r.html") + " --per-class -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = test::slurp(tmp / "r.html");
  for (const char* key : {"APr", "APc", "APf"}) {
    const std::string tag = std::string("data-stat=\"") + key + "\" data-v=\"";
    const auto at = html.find(tag);
    ASSERT_NE(at, std::string::npos) << key;
    const double v = std::stod(html.substr(at + tag.size(), 40));
    EXPECT_NEAR(v, expected["results"][key].get<double>(), 1e-15) << key;
  }
  EXPECT_NE(html.find("<section id=groups><h2>Per frequency</h2>"), std::string::npos);
  for (const char* g : {"r", "c", "f"}) EXPECT_NE(html.find(std::string("<tr data-group=\"") + g + "\">"), std::string::npos);
  EXPECT_NE(html.find("<td data-col=\"group\">r</td>"), std::string::npos);
  EXPECT_NE(html.find(">AR300</th>"), std::string::npos);
  // --per-class: one block per bin after the 13 summary lines.
  EXPECT_NE(r.out.find("Per category, frequency r (area=all, maxDets=300):"), std::string::npos);
  EXPECT_NE(r.out.find("Per category, frequency f (area=all, maxDets=300):"), std::string::npos);
}

// lvis-api crashes on an empty results list (result_anns[0]); deteval evaluates it: AP 0
// for every category with GT, -1 for the others.
TEST(LvisEdge, EmptyResultsGiveZeroAp) {
  const auto dir = fixture("lvis/federated_basic");
  const LvisGroundTruth gt = read_lvis_gt((dir / "gt.json").string(), IouType::bbox);
  const Detections dt = parse_lvis_results("[]", "dt.json", gt, IouType::bbox);
  const LvisEvaluation ev = lvis_evaluate(gt, dt, lvis_params(IouType::bbox));
  EXPECT_EQ(ev.counts.dt_evaluated, 0u);
  EXPECT_EQ(ev.counts.categories_with_ap, 14u);
  const LvisSummary s = lvis_summarize(ev, gt);
  EXPECT_EQ(lvis_result(s, "AP"), 0.0);
  EXPECT_EQ(lvis_result(s, "AR@300"), 0.0);
}

Detections scored(std::vector<std::uint32_t> image, std::vector<double> score) {
  Detections d;
  d.image = std::move(image);
  d.score = std::move(score);
  d.category.assign(d.image.size(), 0);
  d.box.assign(d.image.size(), Box{0, 0, 1, 1});
  d.area.assign(d.image.size(), 1);
  return d;
}

// The cap is per image, across categories; ties keep file order; images at or under it
// keep everything; a negative cap keeps everything.
TEST(LvisCap, KeepsTheBestPerImageStably) {
  const Detections d = scored({0, 1, 0, 0, 1, 0, 0}, {0.5, 0.1, 0.9, 0.5, 0.2, 0.5, 0.1});
  EXPECT_EQ(lvis_cap(d, 2, 3), (std::vector<std::uint8_t>{1, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(lvis_cap(d, 2, 2), (std::vector<std::uint8_t>{1, 1, 1, 0, 1, 0, 0}));
  EXPECT_EQ(lvis_cap(d, 2, 5), std::vector<std::uint8_t>(7, 1));
  EXPECT_EQ(lvis_cap(d, 2, -1), std::vector<std::uint8_t>(7, 1));
  EXPECT_EQ(lvis_cap(d, 2, 0), (std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 0}));
}

// A custom cap changes the kept detections and the key names and text.
TEST(LvisCap, CustomCapNamesTheKeys) {
  const auto dir = fixture("lvis/maxdets_300_cap");
  const LvisGroundTruth gt = read_lvis_gt((dir / "gt.json").string(), IouType::bbox);
  const Detections dt = read_lvis_results((dir / "dt.json").string(), gt, IouType::bbox);
  const LvisEvaluation ev = lvis_evaluate(gt, dt, lvis_params(IouType::bbox, 100));
  EXPECT_LT(ev.counts.dt_after_cap, 1689u);
  const LvisSummary s = lvis_summarize(ev, gt);
  EXPECT_EQ(s.results[9].first, "AR@100");
  EXPECT_EQ(s.results[12].first, "ARl@100");
  EXPECT_NE(s.text.find("maxDets=100 catIds=all"), std::string::npos);
  EXPECT_EQ(lvis_result(s, "AR@100"), s.results[9].second);
  EXPECT_EQ(lvis_result(s, "AR@300"), -1);
}

}  // namespace
}  // namespace deteval
