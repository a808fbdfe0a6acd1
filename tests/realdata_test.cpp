// The real files in ../shared/realdata (inputs only, not copied into the project):
// every COCO pair must load and evaluate; cocoapi publishes the 12 values of its
// val2014 demo results, which we must reproduce. Skipped where shared/ is absent.
#include <gtest/gtest.h>

#include <cctype>

#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/summary.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

std::filesystem::path realdata() { return test::source_dir().parent_path() / "shared" / "realdata"; }

std::vector<std::string> coco_cases() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator(realdata(), ec))
    if (std::filesystem::exists(d.path() / "gt.json")) out.push_back(d.path().filename().string());
  std::sort(out.begin(), out.end());
  if (out.empty()) out.push_back("none");
  return out;
}

bool has_masks(const std::filesystem::path& dt) {
  return test::slurp(dt).find("\"segmentation\"") != std::string::npos;
}

class RealData : public ::testing::TestWithParam<std::string> {};

TEST_P(RealData, LoadsAndEvaluates) {
  const auto dir = realdata() / GetParam();
  if (!std::filesystem::exists(dir / "gt.json")) GTEST_SKIP() << "no ../shared/realdata here";
  std::vector<IouType> types{IouType::bbox};
  if (has_masks(dir / "dt.json")) types.push_back(IouType::segm);
  for (IouType type : types) {
    SCOPED_TRACE(to_string(type));
    const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), type);
    const Detections dt = read_coco_results((dir / "dt.json").string(), gt, type);
    ASSERT_GT(dt.size(), 0u);
    Params p;
    p.iou_type = type;
    const Summary s = summarize(evaluate(gt, dt, p));
    EXPECT_GT(s.stats[0], 0.0);  // real detectors on their own data: AP well above 0
    for (double v : s.stats) EXPECT_TRUE(v == -1 || (v >= 0 && v <= 1)) << v;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, RealData, ::testing::ValuesIn(coco_cases()), [](const auto& info) {
  std::string name = info.param;  // a folder name: gtest names take letters, digits and '_'
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
});

void expect_published(const std::string& name, IouType type, const std::array<double, 12>& published) {
  const auto dir = realdata() / name;
  if (!std::filesystem::exists(dir / "gt.json")) GTEST_SKIP() << "no ../shared/realdata here";
  const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), type);
  const Detections dt = read_coco_results((dir / "dt.json").string(), gt, type);
  Params p;
  p.iou_type = type;
  const Summary s = summarize(evaluate(gt, dt, p));
  for (std::size_t i = 0; i < 12; ++i) EXPECT_NEAR(s.stats[i], published[i], 0.0005 + 1e-12) << kStatNames[i];
}

// cocoapi's demo output for instances_val2014_fakebbox100_results.json (3 decimals).
TEST(RealDataPublished, CocoapiDemoBbox) {
  expect_published("coco_val2014_100img_fakebbox", IouType::bbox,
                   {0.505, 0.697, 0.573, 0.586, 0.519, 0.501, 0.387, 0.594, 0.595, 0.640, 0.566, 0.564});
}

// ... and for instances_val2014_fakesegm100_results.json (masks only: boxes from toBbox).
TEST(RealDataPublished, CocoapiDemoSegm) {
  expect_published("coco_val2014_100img_fakesegm", IouType::segm,
                   {0.320, 0.562, 0.299, 0.387, 0.310, 0.327, 0.268, 0.415, 0.417, 0.469, 0.377, 0.381});
}

}  // namespace
}  // namespace deteval

#include <nlohmann/json.hpp>

#include "deteval/formats/voc.hpp"
#include "deteval/voc.hpp"

namespace deteval {
namespace {

// The real VOC layouts (original VOC2012 XML with difficult objects; Cartucho's sample
// with classes that have detections but no ground truth) load and evaluate.
TEST(RealDataVoc, BothCasesLoadAndEvaluate) {
  for (const char* name : {"voc_rodm_voc2012_100img", "voc_cartucho_85img"}) {
    SCOPED_TRACE(name);
    const auto dir = realdata() / name;
    if (!std::filesystem::exists(dir / "case.json")) GTEST_SKIP() << "no ../shared/realdata here";
    const auto c = nlohmann::json::parse(test::slurp(dir / "case.json"));
    VocPaths paths;
    paths.annotations_dir = (dir / "Annotations").string();
    paths.image_set = (dir / "ImageSets/Main/test.txt").string();
    paths.detections = (dir / "results/comp4_det_test_{class}.txt").string();
    paths.classes = c["classes"].get<std::vector<std::string>>();
    const VocInput in = load_voc(paths);
    const VocResult r = voc_evaluate(in.dataset, 0.5);
    EXPECT_GT(r.map_area, 0.2);
    EXPECT_LT(r.map_area, 1.0);
    EXPECT_GT(r.map_voc07, 0.2);
    std::size_t without_gt = 0;
    for (const auto& k : r.classes) without_gt += k.npos == 0;
    if (std::string(name) == "voc_cartucho_85img") EXPECT_EQ(without_gt, 8u);  // detected, never annotated
  }
}

}  // namespace
}  // namespace deteval
