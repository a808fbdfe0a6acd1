// The `deteval voc` command end to end: JSON output against a conformance case, exit
// codes and messages on bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;

std::string case_args(const std::string& name) {
  const auto d = test::fixture("voc/" + name);
  return "voc --annotations " + test::q(d / "Annotations") + " --image-set " + test::q(d / "ImageSets/Main/test.txt") +
         " --dets " + test::q(d / "results/comp4_det_test_{class}.txt");
}

class VocCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(DETEVAL_CLI).empty()) GTEST_SKIP() << "CLI not built";
  }
};

void expect_matches_expected(const std::string& name, const std::string& extra) {
  test::TempDir tmp;
  const auto r = test::run_cli(case_args(name) + extra + " --json " + test::q(tmp / "out.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("mAP VOC2007 11-point"), std::string::npos) << r.out;
  const json got = json::parse(test::slurp(tmp / "out.json"));
  const json exp = json::parse(test::slurp(test::fixture("voc/" + name + "/expected.json")));
  EXPECT_EQ(got["iou_threshold"], exp["iou_threshold"]);
  EXPECT_NEAR(got["mAP_voc07"].get<double>(), exp["mAP_voc07"].get<double>(), 1e-12);
  EXPECT_NEAR(got["mAP_area"].get<double>(), exp["mAP_area"].get<double>(), 1e-12);
  // Same set; the order is the evaluation's class order (sorted by default).
  auto sorted = [](const json& a) {
    auto v = a.get<std::vector<std::string>>();
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(got["map_classes"]), sorted(exp["map_classes"]));
  ASSERT_EQ(got["per_class"].size(), exp["per_class"].size());
  for (const auto& [cls, e] : exp["per_class"].items()) {
    SCOPED_TRACE(cls);
    const json& g = got["per_class"][cls];
    for (const char* k : {"npos", "num_detections", "tp", "fp", "ignored"}) EXPECT_EQ(g[k], e[k]) << k;
    for (const char* k : {"ap_voc07", "ap_area"}) {
      if (e[k].is_null()) {
        EXPECT_TRUE(g[k].is_null()) << k;
      } else {
        EXPECT_NEAR(g[k].get<double>(), e[k].get<double>(), 1e-12) << k;
      }
    }
  }
}

TEST_F(VocCli, JsonMatchesExpectedWithDefaultClasses) {
  // Every class of these cases has objects in the annotations (bottle only difficult ones),
  // so the default classes are the case's classes.
  expect_matches_expected("difficult_and_duplicates", "");
  expect_matches_expected("basic_tp_fp_miss", "");
}

TEST_F(VocCli, ClassesWithoutGroundTruthAndIouOption) {
  const json c = json::parse(test::slurp(test::fixture("voc/empty_images_and_class_coverage/case.json")));
  std::string classes;
  for (const auto& k : c["classes"]) classes += (classes.empty() ? "" : ",") + k.get<std::string>();
  expect_matches_expected("empty_images_and_class_coverage", " --classes " + classes);
  expect_matches_expected("iou_threshold_0_7", " --iou 0.7");
}

TEST_F(VocCli, BadInputExitsWithItsCodeAndWritesNothing) {
  test::TempDir tmp;
  std::filesystem::create_directories(tmp / "A");
  test::spit(tmp / "set.txt", "x\n");
  test::spit(tmp / "A/x.xml", "<annotation><object><name>dog</name></object></annotation>\n");
  test::spit(tmp / "d_dog.txt", "x 0.5 1 1 2 2\n");
  const std::string args = "voc --annotations " + test::q(tmp / "A") + " --image-set " + test::q(tmp / "set.txt") +
                           " --json " + test::q(tmp / "out.json");
  auto r = test::run_cli(args + " --dets " + test::q(tmp / "d_{class}.txt"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("x.xml: line 1: expected a <bndbox> element in <object>, got none"), std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "out.json"));

  r = test::run_cli(args + " --dets " + test::q(tmp / "d_dog.txt"));
  EXPECT_EQ(r.exit_code, 2) << r.err;  // no {class}
  r = test::run_cli(args + " --dets " + test::q(tmp / "d_{class}.txt") + " --iou 1.5");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(VocCli, MissingDetectionFileIsAWarning) {
  const auto r = test::run_cli(case_args("basic_tp_fp_miss") + " --classes car,unicorn");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("comp4_det_test_unicorn.txt: no such file"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace deteval
