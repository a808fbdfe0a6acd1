// Bad input: every kind gets one located line, a non-zero exit, no crash and no output file.
#include <gtest/gtest.h>

#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

const char* kGt = R"({"images":[{"id":1,"width":100,"height":80},{"id":2,"width":100,"height":80}],
 "categories":[{"id":1,"name":"cat"},{"id":2,"name":"dog"}],
 "annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[10,10,20,20],"area":400,"iscrowd":0}]})";
const char* kDt = R"([{"image_id":1,"category_id":1,"bbox":[10,10,20,20],"score":0.9}])";

struct BadInput {
  std::string name;
  std::string gt, dt;    // file contents (empty dt -> kDt)
  std::string message;   // expected substring of the error line
  int exit_code = 3;
};
// gtest prints a parameter in failure messages: the case, not its bytes.
void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

std::vector<BadInput> bad_inputs() {
  std::string deep(300000, '[');
  return {
      {"empty_gt", " \n", kDt, "gt.json: expected JSON, got an empty file"},
      {"truncated_gt", std::string(kGt).substr(0, 60), kDt, "gt.json: line 1, column 61: invalid JSON"},
      {"binary_gt", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), kDt, "gt.json: line 1, column 1: invalid JSON"},
      {"deeply_nested_gt", deep, kDt, "gt.json: line 1, column 65: JSON nested deeper than 64 levels"},
      {"deeply_nested_dt", kGt, "[" + deep, "dt.json: line 1, column 65: JSON nested deeper than 64 levels"},
      {"gt_root_not_object", "[1,2]", kDt, "gt.json: (root): expected an object with images"},
      {"gt_without_images", R"({"categories":[]})", kDt, "gt.json: images: expected a list of images, got nothing"},
      {"image_id_string", R"({"images":[{"id":"a"}],"categories":[]})", kDt,
       "gt.json: images[0].id: expected an integer id, got the string \"a\""},
      {"duplicate_image_id", R"({"images":[{"id":3},{"id":3}],"categories":[]})", "[]",
       "gt.json: images[1].id: duplicate image id 3"},
      {"ann_unknown_image",
       R"({"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":1,"image_id":9,"category_id":1,"bbox":[0,0,1,1],"area":1}]})",
       "[]", "gt.json: annotations[0].image_id: expected an id listed in images, got 9"},
      {"ann_unknown_category",
       R"({"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":1,"image_id":1,"category_id":5,"bbox":[0,0,1,1],"area":1}]})",
       "[]", "gt.json: annotations[0].category_id: expected an id listed in categories, got 5"},
      {"ann_bbox_3_numbers",
       R"({"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,1],"area":1}]})",
       "[]", "gt.json: annotations[0].bbox: expected 4 numbers [x, y, width, height], got an array of 3"},
      {"ann_bbox_null",
       R"({"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,null,1,1],"area":1}]})",
       "[]", "gt.json: annotations[0].bbox[1]: expected a number, got null"},
      {"duplicate_annotation_id",
       R"({"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":7,"image_id":1,"category_id":1,"bbox":[0,0,1,1]},{"id":7,"image_id":1,"category_id":1,"bbox":[0,0,1,1]}]})",
       "[]", "gt.json: annotations[1].id: duplicate annotation id 7"},
      {"iscrowd_2",
       R"({"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"iscrowd":2}]})",
       "[]", "gt.json: annotations[0].iscrowd: expected 0 or 1, got 2"},
      {"dt_root_not_list", kGt, R"({"annotations":[]})", "dt.json: (root): expected a list of detection results, got an object"},
      {"dt_unknown_image", kGt, R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":1},{"image_id":42,"category_id":1,"bbox":[0,0,1,1],"score":1}])",
       "dt.json: [1].image_id: expected an image id of the ground truth, got 42"},
      {"dt_missing_score", kGt, R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1]}])",
       "dt.json: [0].score: expected a score, got nothing (the field is missing)"},
      {"dt_score_string", kGt, R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":"high"}])",
       "dt.json: [0].score: expected a number, got the string \"high\""},
      {"dt_score_overflow", kGt, R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":1e999}])",
       "dt.json: line 1, column 57: expected a finite number, got 1e999"},
      {"dt_bbox_5_numbers", kGt, R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1,5],"score":0.5}])",
       "dt.json: [0].bbox: expected 4 numbers [x, y, width, height], got an array of 5"},
      {"dt_no_box_no_mask", kGt, R"([{"image_id":1,"category_id":1,"score":0.5}])",
       "dt.json: [0].segmentation: expected a bbox or a segmentation, got nothing"},
      {"dt_element_not_object", kGt, R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":1}, 17])",
       "dt.json: [1]: expected an object, got 17"},
      {"dt_invalid_utf8", kGt, "[{\"image_id\":1,\"category_id\":1,\"bbox\":[0,0,1,1],\"score\":1,\"x\":\"\xff\xfe\"}]",
       "dt.json: line 1, column"},
  };
}

class CocoBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CocoBadInput, RefusedWithLocatedMessageAndNoOutput) {
  const BadInput& b = GetParam();
  test::TempDir tmp;
  test::spit(tmp / "gt.json", b.gt);
  test::spit(tmp / "dt.json", b.dt.empty() ? std::string(kDt) : b.dt);
  // Run from the temp dir so messages name the files as given on the command line.
  const auto r = test::run_cli("coco --gt " + test::q(tmp / "gt.json") + " --dt " + test::q(tmp / "dt.json") +
                               " --json " + test::q(tmp / "out.json"));
  EXPECT_EQ(r.exit_code, b.exit_code) << r.err;
  EXPECT_NE(r.err.find(b.message), std::string::npos) << "stderr was: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
  EXPECT_FALSE(std::filesystem::exists(tmp / "out.json"));
}

INSTANTIATE_TEST_SUITE_P(Kinds, CocoBadInput, ::testing::ValuesIn(bad_inputs()),
                         [](const auto& info) { return info.param.name; });

TEST(CocoErrors, MissingFileIsAnIoError) {
  test::TempDir tmp;
  const auto r = test::run_cli("coco --gt " + test::q(tmp / "nope.json") + " --dt " + test::q(tmp / "dt.json"));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("nope.json: cannot read: No such file or directory"), std::string::npos) << r.err;
}

TEST(CocoErrors, BadOptionValuesAreUsageErrors) {
  const auto gt = test::fixture("coco/basic_mixed_sizes/gt.json"), dt = test::fixture("coco/basic_mixed_sizes/dt.json");
  const std::string base = "coco --gt " + test::q(gt) + " --dt " + test::q(dt);
  auto r = test::run_cli(base + " --max-dets 1,x,100");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--max-dets: expected a number, got 'x'"), std::string::npos) << r.err;
  r = test::run_cli(base + " --area-ranges all:0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("expected label:lo:hi"), std::string::npos) << r.err;
  r = test::run_cli(base + " --iou-type mask");
  EXPECT_EQ(r.exit_code, 2);
  r = test::run_cli(base + " --max-dets 10,100");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("at least 3 values"), std::string::npos) << r.err;
  r = test::run_cli("coco --gt " + test::q(gt));
  EXPECT_EQ(r.exit_code, 2);
}

TEST(CocoErrors, UnknownParameterInParamsFile) {
  Params p;
  try {
    parse_coco_params(R"({"maxDet": [1, 10, 100]})", "params.json", p);
    FAIL() << "accepted an unknown key";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("params.json: maxDet: expected one of useCats"), std::string::npos) << e.what();
    EXPECT_EQ(e.kind(), ErrorKind::input);
  }
}

TEST(CocoErrors, UnknownCategoriesAreDroppedWithAWarning) {
  test::TempDir tmp;
  test::spit(tmp / "gt.json", kGt);
  test::spit(tmp / "dt.json",
             R"([{"image_id":1,"category_id":1,"bbox":[10,10,20,20],"score":0.9},
                 {"image_id":1,"category_id":77,"bbox":[10,10,20,20],"score":0.8}])");
  const auto r = test::run_cli("coco --gt " + test::q(tmp / "gt.json") + " --dt " + test::q(tmp / "dt.json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("ignored 1 detections of categories not in the ground truth"), std::string::npos) << r.err;
  // The remaining detection is a perfect match.
  EXPECT_NE(r.out.find("IoU=0.50      | area=   all | maxDets=100 ] = 1.000"), std::string::npos) << r.out;
}

TEST(CocoErrors, EmptyResultsEvaluateToZero) {
  // pycocotools crashes on an empty list; an empty submission simply scores 0.
  test::TempDir tmp;
  test::spit(tmp / "gt.json", kGt);
  test::spit(tmp / "dt.json", "[]");
  const auto r = test::run_cli("coco --gt " + test::q(tmp / "gt.json") + " --dt " + test::q(tmp / "dt.json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.000"), std::string::npos) << r.out;
  // A device or directory is not a results file: refused, no crash.
  const auto dev = test::run_cli("coco --gt " + test::q(tmp / "gt.json") + " --dt /dev/null");
  EXPECT_EQ(dev.exit_code, 4);
  EXPECT_NE(dev.err.find("/dev/null: cannot read: not a regular file"), std::string::npos) << dev.err;
}

}  // namespace
}  // namespace deteval

namespace deteval {
namespace {

TEST(ShapeErrors, BadRotatedBoxesAndPolygonsAreRefused) {
  const std::string img = R"({"images":[{"id":1,"width":100,"height":100}],"categories":[{"id":1}],"annotations":[)";
  struct Bad {
    const char* type;
    std::string ann, message;
  };
  const std::vector<Bad> bad = {
      {"rotated", R"({"id":1,"image_id":1,"category_id":1,"rbox":[10,10,5,-2,0]})",
       "gt.json: annotations[0].rbox: expected a positive width and height, got [5, -2]"},
      {"rotated", R"({"id":1,"image_id":1,"category_id":1,"rbox":[10,10,5,2]})",
       "gt.json: annotations[0].rbox: expected 5 numbers [cx, cy, w, h, theta], got an array of 4"},
      {"rotated", R"({"id":1,"image_id":1,"category_id":1})",
       "gt.json: annotations[0].rbox: expected a rotated box [cx, cy, w, h, theta], got nothing"},
      {"polygon", R"({"id":1,"image_id":1,"category_id":1,"poly":[0,0,10,10,10,0,0,5]})",
       "gt.json: annotations[0].poly: invalid polygon: not a simple polygon"},
      {"polygon", R"({"id":1,"image_id":1,"category_id":1,"poly":[0,0,10,0,10]})",
       "gt.json: annotations[0].poly: expected an even number of polygon coordinates"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.ann);
    const IouType type = parse_iou_type(b.type);
    try {
      parse_coco_gt(img + b.ann + "]}", "gt.json", type);
      ADD_FAILURE() << "accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(b.message), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace deteval

namespace deteval {
namespace {

// Issue 3's bad masks, through the CLI: one located line each, exit 3, no output.
TEST(SegmErrors, BadMasksAreRefusedWithLocatedMessages) {
  const std::string gt_ok = R"({"images":[{"id":1,"width":10,"height":8}],"categories":[{"id":1}],
    "annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[1,1,4,4],"area":16,"segmentation":[[1,1,5,1,5,5,1,5]]}]})";
  struct Bad {
    std::string name, gt, dt, message;
  };
  const std::vector<Bad> bad = {
      {"rle_alphabet", gt_ok,
       R"([{"image_id":1,"category_id":1,"score":0.5,"segmentation":{"size":[8,10],"counts":"0P~1"}}])",
       "dt.json: [0].segmentation.counts: invalid compressed RLE: character '~' at offset 2 is outside the RLE alphabet"},
      {"rle_sum",
       R"({"images":[{"id":1,"width":10,"height":8}],"categories":[{"id":1}],
           "annotations":[{"id":1,"image_id":1,"category_id":1,"area":3,"iscrowd":1,"segmentation":{"size":[8,10],"counts":[1,2]}}]})",
       "[]", "gt.json: annotations[0].segmentation.counts: invalid RLE: counts sum to 3, expected h*w = 80"},
      {"rle_size", gt_ok,
       R"([{"image_id":1,"category_id":1,"score":0.5,"segmentation":{"size":[10,10],"counts":"0PP1"}}])",
       "dt.json: [0].segmentation.size: expected the size of image 1, [8, 10], got [10,10]"},
      {"odd_polygon",
       R"({"images":[{"id":1,"width":10,"height":8}],"categories":[{"id":1}],
           "annotations":[{"id":1,"image_id":1,"category_id":1,"area":3,"segmentation":[[1,1,5,1,5]]}]})",
       "[]", "gt.json: annotations[0].segmentation[0]: expected an even number of polygon coordinates"},
      {"result_without_segmentation", gt_ok, R"([{"image_id":1,"category_id":1,"score":0.5,"bbox":[1,1,4,4]}])",
       "dt.json: [0].segmentation: expected a segmentation for a segm evaluation, got nothing"},
      {"zero_width_image",
       R"({"images":[{"id":1,"width":0,"height":8}],"categories":[{"id":1}],"annotations":[]})", "[]",
       "gt.json: images[0].width: expected a positive image size for masks, got 0"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.name);
    test::TempDir tmp;
    test::spit(tmp / "gt.json", b.gt);
    test::spit(tmp / "dt.json", b.dt);
    const auto r = test::run_cli("coco --iou-type segm --gt " + test::q(tmp / "gt.json") + " --dt " +
                                 test::q(tmp / "dt.json") + " --json " + test::q(tmp / "out.json"));
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find(b.message), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(tmp / "out.json"));
  }
}

}  // namespace
}  // namespace deteval
