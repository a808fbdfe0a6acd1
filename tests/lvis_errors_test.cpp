// Bad LVIS input: one located line on stderr, exit 3, no output file.
#include <gtest/gtest.h>

#include "deteval/formats/error.hpp"
#include "deteval/formats/lvis.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

const char* kImages = R"("images":[{"id":1,"width":100,"height":80,"neg_category_ids":[2],"not_exhaustive_category_ids":[]}])";
const char* kCats = R"("categories":[{"id":1,"name":"cat","frequency":"f"},{"id":2,"name":"dog","frequency":"r"}])";
const char* kAnns = R"("annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[10,10,20,20],"area":400,"segmentation":[[10,10,30,10,30,30,10,30]]}])";
const char* kDt = R"([{"image_id":1,"category_id":1,"bbox":[10,10,20,20],"score":0.9}])";

std::string gt(const std::string& images, const std::string& cats, const std::string& anns) {
  return "{" + images + "," + cats + "," + anns + "}";
}

struct BadInput {
  std::string name, gt, dt, message;
  bool bbox_only = false;  // input a segm evaluation refuses earlier, for lack of masks
};

std::vector<BadInput> bad_inputs() {
  const std::string img_pre = R"("images":[{"id":1,"width":100,"height":80,)";
  return {
      {"neg_unknown_category", gt(img_pre + R"("neg_category_ids":[2,9],"not_exhaustive_category_ids":[]}])", kCats, kAnns),
       kDt, "gt.json: images[0].neg_category_ids[1]: expected an id listed in categories, got 9"},
      {"not_exhaustive_unknown_category",
       gt(img_pre + R"("neg_category_ids":[],"not_exhaustive_category_ids":[1,3]}])", kCats, kAnns), kDt,
       "gt.json: images[0].not_exhaustive_category_ids[1]: expected an id listed in categories, got 3"},
      {"neg_missing", gt(img_pre + R"("not_exhaustive_category_ids":[]}])", kCats, kAnns), kDt,
       "gt.json: images[0].neg_category_ids: expected a list of category ids, got nothing (the field is missing)"},
      {"not_exhaustive_missing", gt(img_pre + R"("neg_category_ids":[]}])", kCats, kAnns), kDt,
       "gt.json: images[0].not_exhaustive_category_ids: expected a list of category ids, got nothing"},
      {"neg_not_a_list", gt(img_pre + R"("neg_category_ids":2,"not_exhaustive_category_ids":[]}])", kCats, kAnns),
       kDt, "gt.json: images[0].neg_category_ids: expected a list of category ids, got 2"},
      {"neg_id_string", gt(img_pre + R"("neg_category_ids":["2"],"not_exhaustive_category_ids":[]}])", kCats, kAnns),
       kDt, "gt.json: images[0].neg_category_ids[0]: expected an integer category id, got the string \"2\""},
      {"frequency_missing", gt(kImages, R"("categories":[{"id":1,"name":"cat","frequency":"f"},{"id":2,"name":"dog"}])", kAnns),
       kDt, "gt.json: categories[1].frequency: expected the frequency bin \"r\", \"c\" or \"f\", got nothing"},
      {"frequency_unknown",
       gt(kImages, R"("categories":[{"id":1,"name":"cat","frequency":"frequent"},{"id":2,"name":"dog","frequency":"r"}])", kAnns),
       kDt, "gt.json: categories[0].frequency: expected \"r\", \"c\" or \"f\", got the string \"frequent\""},
      {"ignore_2",
       gt(kImages, kCats, R"("annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[10,10,20,20],"area":400,"ignore":2}])"),
       kDt, "gt.json: annotations[0].ignore: expected 0 or 1, got 2", true},
      {"ann_unknown_category",
       gt(kImages, kCats, R"("annotations":[{"id":1,"image_id":1,"category_id":5,"bbox":[10,10,20,20],"area":400}])"),
       kDt, "gt.json: annotations[0].category_id: expected an id listed in categories, got 5"},
      {"truncated_gt", gt(kImages, kCats, kAnns).substr(0, 50), kDt, "gt.json: line 1, column 51: invalid JSON"},
      {"dt_unknown_image", gt(kImages, kCats, kAnns),
       R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":1},{"image_id":4,"category_id":1,"bbox":[0,0,1,1],"score":1}])",
       "dt.json: [1].image_id: expected an image id of the ground truth, got 4", true},
      {"dt_missing_score", gt(kImages, kCats, kAnns), R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1]}])",
       "dt.json: [0].score: expected a score, got nothing (the field is missing)"},
  };
}

class LvisBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(LvisBadInput, RefusedWithLocatedMessageAndNoOutput) {
  const BadInput& b = GetParam();
  test::TempDir tmp;
  test::spit(tmp / "gt.json", b.gt);
  test::spit(tmp / "dt.json", b.dt);
  for (const char* type : {"bbox", "segm"}) {
    if (b.bbox_only && std::string(type) == "segm") continue;
    const auto r = test::run_cli("lvis --gt " + test::q(tmp / "gt.json") + " --dt " + test::q(tmp / "dt.json") +
                                 " --iou-type " + type + " --json " + test::q(tmp / "out.json") + " --report " +
                                 test::q(tmp / "r.html"));
    EXPECT_EQ(r.exit_code, 3) << type << ": " << r.err;
    EXPECT_NE(r.err.find(b.message), std::string::npos) << type << ": stderr was: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_FALSE(std::filesystem::exists(tmp / "out.json"));
    EXPECT_FALSE(std::filesystem::exists(tmp / "r.html"));
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, LvisBadInput, ::testing::ValuesIn(bad_inputs()),
                         [](const auto& info) { return info.param.name; });

TEST(LvisErrors, LibraryThrowsInputError) {
  try {
    parse_lvis_gt(gt(R"("images":[{"id":1,"neg_category_ids":[7],"not_exhaustive_category_ids":[]}])", kCats, kAnns),
                  "g.json", IouType::bbox);
    FAIL() << "accepted an unknown negative category";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "g.json: images[0].neg_category_ids[0]: expected an id listed in categories, got 7");
    EXPECT_EQ(e.kind(), ErrorKind::input);
  }
}

TEST(LvisErrors, BadOptionValuesAreUsageErrors) {
  const auto g = test::fixture("lvis/federated_basic/gt.json"), d = test::fixture("lvis/federated_basic/dt.json");
  const std::string base = "lvis --gt " + test::q(g) + " --dt " + test::q(d);
  auto r = test::run_cli(base + " --iou-type rotated");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--iou-type: expected bbox or segm, got 'rotated'"), std::string::npos) << r.err;
  r = test::run_cli(base + " --max-dets 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--max-dets: expected a positive integer"), std::string::npos) << r.err;
  r = test::run_cli("lvis --gt " + test::q(g));
  EXPECT_EQ(r.exit_code, 2);
}

// Detections of categories the GT lacks are read (they take cap slots) and then dropped;
// the LVIS-only fields are read as given.
TEST(LvisReader, KeepsUnknownCategoriesAndReadsLvisFields) {
  const LvisGroundTruth g = parse_lvis_gt(
      gt(R"("images":[{"id":5,"width":100,"height":80,"neg_category_ids":[2,2],"not_exhaustive_category_ids":[1]},)"
         R"({"id":3,"width":100,"height":80,"neg_category_ids":[],"not_exhaustive_category_ids":[]}])",
         kCats,
         R"("annotations":[{"id":1,"image_id":5,"category_id":1,"bbox":[10,10,20,20],"area":400,"ignore":true,"iscrowd":1}])"),
      "g.json", IouType::bbox);
  ASSERT_EQ(g.gt.images.size(), 2u);
  EXPECT_EQ(g.negative.of(1).size(), 1u);  // image 5 is dense index 1; repeats dropped
  EXPECT_TRUE(g.negative.contains(1, 1));
  EXPECT_TRUE(g.not_exhaustive.contains(1, 0));
  EXPECT_TRUE(g.negative.of(0).empty());
  EXPECT_EQ(g.frequency, (std::vector<Frequency>{Frequency::frequent, Frequency::rare}));
  EXPECT_EQ(g.ignore, std::vector<std::uint8_t>{1});
  EXPECT_EQ(g.gt.iscrowd, std::vector<std::uint8_t>{0});  // LVIS has no crowds
  const Detections d = parse_lvis_results(
      R"([{"image_id":5,"category_id":77,"bbox":[0,0,1,1],"score":1},{"image_id":5,"category_id":1,"bbox":[0,0,1,1],"score":1}])",
      "d.json", g, IouType::bbox);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.category[0], kUnknownCategory);
  EXPECT_EQ(d.category[1], 0u);
}

}  // namespace
}  // namespace deteval
