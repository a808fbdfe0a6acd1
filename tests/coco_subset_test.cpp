// Subsets (imgIds / catIds, --img-ids / --cat-ids) and --area-from mask against
// pycocotools' values (fixtures/coco_subsets, made from the conformance cases), through
// the library and the CLI; --params inline; the JSON stats in pycocotools' order; the
// undefined values of the analyses (null / -).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/subset.hpp"
#include "deteval/summary.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
constexpr double kTol = 1e-12;

struct Case {
  std::string name, iou_type, source;
  bool drop_bbox = false;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name << " " << c.iou_type; }

std::vector<Case> cases() {
  const json all = json::parse(test::slurp(test::fixture("coco_subsets/cases.json")));
  std::vector<Case> out;
  for (auto it = all.begin(); it != all.end(); ++it)
    for (const auto& t : it.value()["iou_types"])
      out.push_back({it.key(), t.get<std::string>(), it.value()["source"].get<std::string>(),
                     it.value().value("drop_bbox", false)});
  return out;
}

class CocoSubset : public ::testing::TestWithParam<Case> {};

TEST_P(CocoSubset, LibraryMatchesPycocotools) {
  const Case& c = GetParam();
  const fs::path dir = test::fixture("coco_subsets/" + c.name), src = test::fixture("coco/" + c.source);
  const json expected = json::parse(test::slurp(dir / ("expected_" + c.iou_type + ".json")));
  Params p;
  ASSERT_TRUE(parse_iou_type(c.iou_type, p.iou_type));
  Subset subset;
  read_coco_params((dir / "params.json").string(), p, &subset);
  CocoReadOptions ro;
  if (c.drop_bbox) ro.area_from = AreaFrom::mask;
  const GroundTruth full_gt = read_coco_gt((src / "gt.json").string(), p.iou_type, ro);
  const Detections full_dt = read_coco_results((src / "dt.json").string(), full_gt, p.iou_type, nullptr, ro);
  const SubsetData sub = subset.empty() ? SubsetData{full_gt, full_dt, {}} : select_subset(full_gt, full_dt, subset, p.use_cats);
  const Evaluation ev = evaluate(sub.gt, sub.dt, p);
  const Summary s = summarize(ev);
  const auto stats = expected["stats"].get<std::vector<double>>();
  for (std::size_t i = 0; i < 12; ++i) EXPECT_NEAR(s.stats[i], stats[i], kTol) << kStatNames[i];
  EXPECT_EQ(s.text, test::slurp(dir / ("expected_summary_" + c.iou_type + ".txt")));
  if (!expected.contains("per_category")) return;
  // The per-category arrays follow pycocotools' catIds after evaluate().
  const auto order = expected["category_order"].get<std::vector<std::int64_t>>();
  EXPECT_EQ(ev.category_ids, order);
  const auto cats = per_category(ev);
  ASSERT_EQ(cats.size(), order.size());
  for (const auto& cm : cats) {
    const json& e = expected["per_category"][std::to_string(cm.id)];
    EXPECT_NEAR(cm.ap, e["AP"].get<double>(), kTol) << cm.id;
    EXPECT_NEAR(cm.ar, e["AR100"].get<double>(), kTol) << cm.id;
    if (e.contains("AP50")) EXPECT_NEAR(cm.ap50, e["AP50"].get<double>(), kTol) << cm.id;
    if (e.contains("AP75")) EXPECT_NEAR(cm.ap75, e["AP75"].get<double>(), kTol) << cm.id;
  }
}

TEST_P(CocoSubset, CliMatchesPycocotools) {
  const Case& c = GetParam();
  const fs::path dir = test::fixture("coco_subsets/" + c.name), src = test::fixture("coco/" + c.source);
  const json expected = json::parse(test::slurp(dir / ("expected_" + c.iou_type + ".json")));
  test::TempDir tmp;
  const auto r = test::run_cli("coco -q --no-per-class --gt " + test::q(src / "gt.json") + " --dt " +
                               test::q(src / "dt.json") + " --iou-type " + c.iou_type + " --params " +
                               test::q(dir / "params.json") + (c.drop_bbox ? " --area-from mask" : "") +
                               " --json " + test::q(tmp / "out.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, test::slurp(dir / ("expected_summary_" + c.iou_type + ".txt")));
  // Ordered: the stats are checked in the file's order.
  const nlohmann::ordered_json got = nlohmann::ordered_json::parse(test::slurp(tmp / "out.json"));
  const auto stats = expected["stats"].get<std::vector<double>>();
  std::size_t i = 0;
  for (auto it = got["stats"].begin(); it != got["stats"].end(); ++it, ++i)
    EXPECT_NEAR(it.value().get<double>(), stats[i], kTol) << kStatNames[i];
  // The ids evaluated, as pycocotools' params hold them after evaluate() (with useCats 0,
  // accumulate() then replaces catIds by [-1]; deteval keeps the ids evaluated).
  const json params = json::parse(test::slurp(dir / "params.json"));
  const bool use_cats = expected["effective_params"]["useCats"].get<int>() == 1;
  for (const char* key : {"imgIds", "catIds"})
    if (params.contains(key) && (use_cats || std::string(key) == "imgIds"))
      EXPECT_EQ(got["params"][key].get<std::vector<std::int64_t>>(),
                expected["effective_params"][key].get<std::vector<std::int64_t>>())
          << key;
  if (expected.contains("category_order")) {
    std::vector<std::int64_t> ids;
    for (const auto& pc : got["per_category"]) ids.push_back(pc["id"]);
    EXPECT_EQ(ids, expected["category_order"].get<std::vector<std::int64_t>>());
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CocoSubset, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name + "_" + info.param.iou_type; });

const fs::path kBasic = test::fixture("coco/basic_mixed_sizes");

test::RunResult run(const std::string& args) {
  return test::run_cli("coco -q --gt " + test::q(kBasic / "gt.json") + " --dt " + test::q(kBasic / "dt.json") + " " +
                       args);
}

TEST(CocoSubsetCli, IdOptionsEqualParams) {
  test::TempDir tmp;
  test::spit(tmp / "ids.txt", "7\n2\n\n5 1\n");
  const auto a = run("--img-ids 7,2,5,1 --cat-ids 3,1");
  const auto b = run("--img-ids @" + (tmp / "ids.txt").string() + " --cat-ids 1,3");
  const auto c = run("--params '{\"imgIds\": [1, 2, 5, 7], \"catIds\": [3, 1]}'");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out, c.out);
  EXPECT_NE(a.out, run("").out);
  EXPECT_EQ(a.out.find("  2  car"), std::string::npos) << a.out;  // category 2 is left out
}

TEST(CocoSubsetCli, BadSubsets) {
  EXPECT_EQ(run("--cat-ids 1,77").exit_code, 2);
  EXPECT_NE(run("--cat-ids 1,77").err.find("category id 77 is not in the ground truth"), std::string::npos);
  EXPECT_EQ(run("--img-ids 1,x").exit_code, 2);
  EXPECT_EQ(run("--no-cats --cat-ids 3,1").exit_code, 2);
  EXPECT_EQ(run("--img-ids @/nonexistent/ids.txt").exit_code, 4);
  EXPECT_EQ(run("--area-from mask").exit_code, 2);  // bbox evaluation
}

TEST(CocoJson, StatsKeepPycocotoolsOrder) {
  test::TempDir tmp;
  ASSERT_EQ(run("--json " + test::q(tmp / "o.json")).exit_code, 0);
  const std::string text = test::slurp(tmp / "o.json");
  std::size_t at = text.find("\"stats\"");
  ASSERT_NE(at, std::string::npos);
  for (const char* name : kStatNames) {
    const std::size_t next = text.find(std::string("\"") + name + "\"", at);
    ASSERT_NE(next, std::string::npos) << name;
    EXPECT_GT(next, at) << name;
    at = next;
  }
  const json doc = json::parse(text);
  EXPECT_EQ(doc["stats"].size(), 12u);
}

TEST(CocoJson, InlineParamsEqualAFile) {
  test::TempDir tmp;
  test::spit(tmp / "p.json", R"({"maxDets": [1, 5, 20], "iouThrs": [0.5, 0.75]})");
  const auto a = run("--params " + test::q(tmp / "p.json"));
  const auto b = run("--params ' {\"maxDets\": [1, 5, 20], \"iouThrs\": [0.5, 0.75]}'");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  const auto bad = run("--params '{\"maxDets\": [1, 5, 0]}'");
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("--params: maxDets[2]"), std::string::npos) << bad.err;
}

TEST(CocoText, PerClassTableExplainsItsDashes) {
  // noncontiguous_ids has categories without ground truth.
  const fs::path d = test::fixture("coco/noncontiguous_ids");
  const auto r = test::run_cli("coco -q --gt " + test::q(d / "gt.json") + " --dt " + test::q(d / "dt.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("    -"), std::string::npos);
  EXPECT_NE(r.out.find("-: undefined (no ground truth of the category"), std::string::npos) << r.out;
  EXPECT_EQ(run("").out.find("-: undefined"), std::string::npos);  // no dash, no legend
}

TEST(CocoAnalysis, UndefinedValuesAreNullAndDash) {
  test::TempDir tmp;
  test::spit(tmp / "empty.json", "[]");
  const auto r = test::run_cli("coco -q --gt " + test::q(kBasic / "gt.json") + " --dt " + test::q(tmp / "empty.json") +
                               " --analyze --bootstrap 5 --json " + test::q(tmp / "o.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("-1.000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("false negatives           dAP -\n"), std::string::npos) << r.out;
  const json doc = json::parse(test::slurp(tmp / "o.json"));
  EXPECT_TRUE(doc["analysis"]["errors"]["false_negatives"]["delta_ap"].is_null());
  EXPECT_TRUE(doc["analysis"]["errors"]["types"]["missed"]["delta_ap"].is_null());
  // No ground truth at all: the AP itself is undefined.
  test::spit(tmp / "gt.json", R"({"images": [{"id": 1, "width": 10, "height": 10}],
    "categories": [{"id": 1, "name": "a"}], "annotations": []})");
  test::spit(tmp / "dt.json", R"([{"image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "score": 0.5}])");
  const auto r2 = test::run_cli("coco -q --gt " + test::q(tmp / "gt.json") + " --dt " + test::q(tmp / "dt.json") +
                                " --analyze --bootstrap 5 --json " + test::q(tmp / "o2.json"));
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  const std::string analysis = r2.out.substr(r2.out.find("Analysis"));
  EXPECT_EQ(analysis.find("-1.000"), std::string::npos) << analysis;
  EXPECT_NE(analysis.find("AP50 = -)"), std::string::npos) << analysis;
  EXPECT_NE(analysis.find("AP - [-, -]"), std::string::npos) << analysis;
  const json doc2 = json::parse(test::slurp(tmp / "o2.json"));
  EXPECT_TRUE(doc2["analysis"]["errors"]["ap"].is_null());
  EXPECT_TRUE(doc2["analysis"]["bootstrap"]["AP"]["value"].is_null());
  EXPECT_TRUE(doc2["analysis"]["bootstrap"]["AP"]["lo"].is_null());
}

}  // namespace
}  // namespace deteval
