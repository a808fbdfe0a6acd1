// `deteval panoptic` end to end: the printed table byte for byte and the --json document
// against every conformance case, exit code 3 and the message for every refusal, the
// undefined Stuff group, the HTML report.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;

class PanopticCli : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (std::string(DETEVAL_CLI).empty()) GTEST_SKIP() << "CLI not built";
  }
};

std::string args(const std::string& name) {
  const auto d = test::fixture("panoptic/" + name);
  return "panoptic --gt-json " + test::q(d / "gt.json") + " --pred-json " + test::q(d / "pred.json");
}

TEST_P(PanopticCli, TableAndJson) {
  const std::string name = GetParam();
  test::TempDir tmp;
  const auto r = test::run_cli(args(name) + " --threads 2 --json " + test::q(tmp / "out.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string summary = test::slurp(test::fixture("panoptic/" + name + "/expected_summary.txt"));
  const std::size_t from = summary.find("          |"), to = summary.find("Time elapsed");
  ASSERT_NE(from, std::string::npos);
  // pq_compute's table first, byte for byte, then a blank line and the per-class table.
  EXPECT_EQ(r.out.substr(0, to - from + 1), summary.substr(from, to - from) + "\n") << r.out;
  const json got = json::parse(test::slurp(tmp / "out.json"));
  const json exp = json::parse(test::slurp(test::fixture("panoptic/" + name + "/expected.json")));
  for (const char* g : {"All", "Things", "Stuff"}) {
    SCOPED_TRACE(g);
    EXPECT_EQ(got[g]["n"], exp[g]["n"]);
    for (const char* k : {"pq", "sq", "rq"}) EXPECT_NEAR(got[g][k].get<double>(), exp[g][k].get<double>(), 1e-12) << k;
  }
  ASSERT_EQ(got["per_class"].size(), exp["per_class"].size());
  for (const auto& [id, e] : exp["per_class"].items()) {
    SCOPED_TRACE(id);
    const json& c = got["per_class"][id];
    for (const char* k : {"tp", "fp", "fn"}) EXPECT_EQ(c[k], e[k]) << k;
    for (const char* k : {"pq", "sq", "rq", "iou_sum"}) EXPECT_NEAR(c[k].get<double>(), e[k].get<double>(), 1e-12) << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PanopticCli,
                         ::testing::Values("iou_threshold_edges", "crowd_regions", "void_handling", "stuff_and_things",
                                           "absent_categories_empty_images", "many_segments", "random_40img",
                                           "gt_area_from_json", "inconsistent_inputs"));

struct Refusal {
  const char* name;
  const char* fact;
};
class PanopticCliRefusal : public ::testing::TestWithParam<Refusal> {
 protected:
  void SetUp() override {
    if (std::string(DETEVAL_CLI).empty()) GTEST_SKIP() << "CLI not built";
  }
};

TEST_P(PanopticCliRefusal, ExitThreeWithALocatedMessage) {
  test::TempDir tmp;
  const auto r = test::run_cli(args(GetParam().name) + " --json " + test::q(tmp / "out.json"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err.rfind("deteval: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(GetParam().fact), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(std::filesystem::exists(tmp / "out.json"));  // nothing half-written
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PanopticCliRefusal,
    ::testing::Values(Refusal{"reject_json_segment_missing_in_png", "segment id 7 is in the prediction's segments_info"},
                      Refusal{"reject_png_segment_missing_in_json", "segment id 5 is in the prediction's label map"},
                      Refusal{"reject_unknown_category", "segment id 9 has category_id 5"},
                      Refusal{"reject_no_prediction_for_image", "expected a prediction for image_id 42"},
                      Refusal{"reject_png_size_mismatch", "expected 30 x 20 pixels"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PanopticCliUndefined, StuffWithoutCategoriesIsShownUndefined) {
  if (std::string(DETEVAL_CLI).empty()) GTEST_SKIP() << "CLI not built";
  test::TempDir tmp;
  const auto r = test::run_cli(args("reject_no_stuff_categories") + " --json " + test::q(tmp / "out.json") +
                               " --report " + test::q(tmp / "r.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\nStuff     |     -      -      -     0\n"), std::string::npos) << r.out;
  const json got = json::parse(test::slurp(tmp / "out.json"));
  EXPECT_TRUE(got["Stuff"]["pq"].is_null());
  EXPECT_TRUE(got["Stuff"]["sq"].is_null());
  EXPECT_TRUE(got["Stuff"]["rq"].is_null());
  EXPECT_EQ(got["Stuff"]["n"], 0);
  EXPECT_EQ(got["All"], got["Things"]);
  const std::string html = test::slurp(tmp / "r.html");
  EXPECT_NE(html.find("<tr data-group=\"Stuff\"><th scope=row>Stuff</th><td class=num data-col=\"pq\">–</td>"),
            std::string::npos);
}

// The report's bars and table carry the JSON's exact values.
TEST(PanopticCliReport, BarsHoldTheJsonValues) {
  if (std::string(DETEVAL_CLI).empty()) GTEST_SKIP() << "CLI not built";
  test::TempDir tmp;
  const auto r = test::run_cli(args("absent_categories_empty_images") + " --no-per-class --json " +
                               test::q(tmp / "out.json") + " --report " + test::q(tmp / "r.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("category"), std::string::npos) << r.out;  // --no-per-class
  const json got = json::parse(test::slurp(tmp / "out.json"));
  const std::string html = test::slurp(tmp / "r.html");
  std::size_t bars = 0;
  for (const auto& [id, c] : got["per_class"].items()) {
    const bool occurs = c["tp"].get<int>() + c["fp"].get<int>() + c["fn"].get<int>() > 0;
    char v[64];
    std::snprintf(v, sizeof v, "%.17g", c["pq"].get<double>());
    const std::string bar = "<rect class=pq-bar data-k=\"" + id + "\" data-col=\"pq\" data-v=\"" + v + "\"";
    EXPECT_EQ(html.find(bar) != std::string::npos, occurs) << id;
    bars += occurs;
  }
  EXPECT_EQ(bars, got["All"]["n"].get<std::size_t>());
  EXPECT_NE(html.find("<tr data-group=\"All\">"), std::string::npos);
}

}  // namespace
}  // namespace deteval
