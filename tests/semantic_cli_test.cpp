// `deteval semantic`: the printed tables, --json, --report and the refusals (exit 3), run
// through the built binary.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <regex>

#include "deteval/formats/png.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::fixture;
using test::q;
using test::run_cli;

const char* kAccepted[] = {"stuff_basic", "ignore_labels", "absent_classes",
                           "instance_weighting", "category_confusions", "random_12img"};

std::string semantic_args(const std::string& name) {
  const auto dir = fixture("semantic/" + name);
  return "semantic --gt " + q(dir) + " --pred " + q(dir / "pred");
}

bool same_score(const json& a, const json& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  return std::fabs(a.get<double>() - b.get<double>()) <= 1e-12;
}

TEST(SemanticCli, PrintsTheReferenceTablesAndItsJsonKeys) {
  for (const char* name : kAccepted) {
    test::TempDir tmp;
    const auto r = run_cli(semantic_args(name) + " --json " + q(tmp / "out.json"));
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    const std::string printed = test::slurp(fixture(std::string("semantic/") + name + "/expected_summary.txt"));
    ASSERT_FALSE(r.out.empty());
    ASSERT_GE(printed.size(), r.out.size());
    EXPECT_EQ(printed.substr(printed.size() - r.out.size()), r.out) << name;
    const json got = json::parse(test::slurp(tmp / "out.json"));
    const json want = json::parse(test::slurp(fixture(std::string("semantic/") + name + "/expected.json")));
    for (const char* key : {"classScores", "classInstScores", "categoryScores", "categoryInstScores"}) {
      ASSERT_EQ(got[key].size(), want[key].size()) << key;
      for (const auto& [k, v] : want[key].items()) EXPECT_TRUE(same_score(got[key][k], v)) << name << " " << key << "." << k;
    }
    for (const char* key : {"averageScoreClasses", "averageScoreInstClasses", "averageScoreCategories",
                            "averageScoreInstCategories"})
      EXPECT_TRUE(same_score(got[key], want[key])) << name << " " << key;
    EXPECT_EQ(got["confMatrix"], want["confMatrix"]) << name;
    EXPECT_EQ(got["instanceStats"]["classes"].size(), want["instanceStats"]["classes"].size());
    EXPECT_EQ(nlohmann::ordered_json::parse(test::slurp(tmp / "out.json")).begin().key(),
              "classScores");  // the reference's key order
  }
}

TEST(SemanticCli, ThreadsDoNotChangeTheOutput) {
  test::TempDir tmp;
  const auto a = run_cli(semantic_args("random_12img") + " --threads 1 --json " + q(tmp / "1.json"));
  const auto b = run_cli(semantic_args("random_12img") + " --threads 2 --json " + q(tmp / "2.json"));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(test::slurp(tmp / "1.json"), test::slurp(tmp / "2.json"));
}

TEST(SemanticCli, RefusesWhatTheReferenceRefuses) {
  const std::pair<const char*, const char*> cases[] = {
      {"reject_gt_label_255", "gtFine_labelIds.png: pixel (x 0, y 60): expected a Cityscapes label id 0..33, got 255"},
      {"reject_pred_label_255", "labelIds.png: pixel (x 0, y 60): expected a Cityscapes label id 0..33, got 255"},
      {"reject_size_mismatch", "got 120 x 64"},
      {"reject_pred_rgb", "got 3 channels (RGB)"},
      {"reject_instance_of_stuff_class", "got 7001, an instance of 'road'"},
      {"reject_missing_prediction", "frankfurt_000005_000011_gtFine_labelIds.png: expected a prediction"},
  };
  for (const auto& [name, message] : cases) {
    test::TempDir tmp;
    const auto r = run_cli(semantic_args(name) + " --json " + q(tmp / "out.json"));
    EXPECT_EQ(r.exit_code, 3) << name << ": " << r.err;
    EXPECT_EQ(r.err.rfind("deteval: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << name << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << name;  // no score printed
    EXPECT_FALSE(std::filesystem::exists(tmp / "out.json")) << name;
  }
}

TEST(SemanticCli, CityscapesReportShowsTheScoresAndTheMatrix) {
  test::TempDir tmp;
  const auto r = run_cli(semantic_args("instance_weighting") + " --json " + q(tmp / "out.json") + " --report " +
                         q(tmp / "r.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json got = json::parse(test::slurp(tmp / "out.json"));
  const std::string html = test::slurp(tmp / "r.html");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(html, m, std::regex("data-stat=\"IoU class\" data-v=\"([^\"]+)\"")));
  EXPECT_EQ(std::stod(m[1]), got["averageScoreClasses"].get<double>());
  // One IoU bar per defined class score, each carrying its exact value.
  std::size_t bars = 0;
  const std::regex bar("class=iou-bar data-v=\"([^\"]+)\"");
  for (std::sregex_iterator it(html.begin(), html.end(), bar), end; it != end; ++it)
    ++bars;
  std::size_t defined = 0;
  for (const auto& [k, v] : got["classScores"].items()) defined += !v.is_null();
  EXPECT_EQ(bars, defined);
  // Heat-map cells carry the confusion counts: car (26) predicted as truck (27).
  ASSERT_TRUE(std::regex_search(html, m, std::regex("data-r=\"26\" data-c=\"27\" data-n=\"(\\d+)\"")));
  EXPECT_EQ(std::stoull(m[1]), got["confMatrix"][26][27].get<std::uint64_t>());
}

// The worked example of docs/semantic.md, from PNG files.
class LabelsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(tmp / "gt");
    std::filesystem::create_directories(tmp / "pred/sub");
    write(tmp / "gt/a.png", 3, 2, {0, 0, 1, 1, 2, 255});
    write(tmp / "pred/a.png", 3, 2, {0, 1, 1, 1, 2, 0});
    write(tmp / "gt/b.png", 3, 1, {2, 2, 0});
    write(tmp / "pred/sub/b.png", 3, 1, {2, 0, 0});
    test::spit(tmp / "names.txt", "sky\nroad\ncar\nboat\n");
  }
  static void write(const std::filesystem::path& p, int w, int h, std::vector<std::uint8_t> v) {
    PngImage im;
    im.width = w;
    im.height = h;
    im.channels = 1;
    im.bit_depth = 8;
    im.data = std::move(v);
    test::spit(p, encode_png(im));
  }
  std::string args() const {
    return "semantic --format labels --gt " + q(tmp / "gt") + " --pred " + q(tmp / "pred") + " --class-names " +
           q(tmp / "names.txt");
  }
  test::TempDir tmp;
};

TEST_F(LabelsCli, ScoresTheWorkedExample) {
  const auto r = run_cli(args() + " --json " + q(tmp / "out.json") + " --report " + q(tmp / "r.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(test::slurp(tmp / "out.json"));
  EXPECT_DOUBLE_EQ(j["mIoU"].get<double>(), (0.5 + 2.0 / 3 + 2.0 / 3) / 3);
  EXPECT_DOUBLE_EQ(j["mAcc"].get<double>(), (2.0 / 3 + 1.0 + 2.0 / 3) / 3);
  EXPECT_DOUBLE_EQ(j["aAcc"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(j["fwIoU"].get<double>(), 3.0 / 8 * 0.5 + 2.0 / 8 * (2.0 / 3) + 3.0 / 8 * (2.0 / 3));
  EXPECT_EQ(j["classes"][0]["name"], "sky");
  EXPECT_TRUE(j["classes"][3]["iou"].is_null());
  EXPECT_EQ(j["confusion_matrix"][2], json::array({1, 0, 2, 0}));
  EXPECT_EQ(j["images"], 2);
  EXPECT_NE(r.out.find("sky      50.00    66.67"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("75.00   61.11   77.78   60.42"), std::string::npos) << r.out;
  const std::string html = test::slurp(tmp / "r.html");
  EXPECT_NE(html.find("class=iou-bar data-v=\"0.5\""), std::string::npos);
  EXPECT_NE(html.find("data-stat=\"mIoU\""), std::string::npos);
}

TEST_F(LabelsCli, RefusesValuesThatAreNotClassesAndMissingPredictions) {
  write(tmp / "pred/a.png", 3, 2, {0, 1, 1, 1, 9, 0});
  auto r = run_cli(args());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("a.png: pixel (x 1, y 1): expected a class id 0..3, got 9"), std::string::npos) << r.err;
  std::filesystem::remove(tmp / "pred/sub/b.png");
  r = run_cli(args());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("b.png: expected a prediction b.png"), std::string::npos) << r.err;
  r = run_cli("semantic --format labels --gt " + q(tmp / "gt") + " --pred " + q(tmp / "pred"));
  EXPECT_EQ(r.exit_code, 2) << r.err;  // no --num-classes
}

}  // namespace
}  // namespace deteval
