// Hostile input: every input that a fuzz target found crashing, hanging or misbehaving stays
// here as a regression test (its bytes are also kept under fixtures/fuzz/<target>/crash-*),
// and the documented limits (README.md, "Limits") refuse with a clear message.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "coco_fast.hpp"
#include "score.hpp"
#include "deteval/geometry.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

const char* kGt = R"({"images":[{"id":1,"width":100,"height":80}],"categories":[{"id":1,"name":"cat"}],
 "annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[10,10,20,20],"area":400}]})";

template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not an InputError: ") + e.what();
  }
  return "accepted";
}

// Found by fuzz.coco_gt / fuzz.coco_params: nlohmann reports a number beyond double's range
// as out_of_range, which escaped the readers as an internal error (exit 1).
TEST(Hardening, NumberOutOfRangeIsAnInputError) {
  const std::string gt = test::slurp(test::fixture("fuzz/coco_gt/crash-number-overflow.json"));
  EXPECT_EQ(input_error([&] { parse_coco_gt(gt, "gt.json", IouType::bbox); }),
            "gt.json: line 2, column 78: expected a finite number, got 31411.1e308");
  const GroundTruth g = parse_coco_gt(kGt, "gt.json", IouType::bbox);
  const std::string dt = test::slurp(test::fixture("fuzz/coco_results/crash-number-overflow.json"));
  EXPECT_EQ(input_error([&] { parse_coco_results(dt, "dt.json", g, IouType::bbox); }),
            "dt.json: line 2, column 11: expected a finite number, got 1e999");
  const std::string params = test::slurp(test::fixture("fuzz/coco_params/crash-number-overflow.json"));
  Params p;
  EXPECT_EQ(input_error([&] { parse_coco_params(params, "params.json", p); }),
            "params.json: line 2, column 13: expected a finite number, got 1e999");
}

TEST(Hardening, NumberOutOfRangeExitsWithInputErrorCode) {
  const auto r = test::run_cli("coco --gt " + test::q(test::fixture("fuzz/coco_gt/crash-number-overflow.json")) +
                               " --dt " + test::q(test::fixture("fuzz/coco_results/seed-empty.json")));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("expected a finite number"), std::string::npos) << r.err;
}

// Found by fuzz.shape_iou on a seed (fixtures/geometry/pairs.json: the same polygon in the
// other orientation): intersection_area returned the first argument's shoelace area, which
// differs in the last bit from the second's, so it was not symmetric as promised.
TEST(Hardening, IntersectionOfTheSameCycleIsSymmetric) {
  const std::vector<double> a = {0.1, 0.3, 7.7, 0.2, 9.9, 5.3, 3.1, 8.9, 0.7, 4.4};
  std::vector<double> b;  // reversed orientation, another start vertex
  for (std::size_t i = a.size() / 2; i-- > 0;) b.insert(b.end(), {a[2 * i], a[2 * i + 1]});
  EXPECT_EQ(intersection_area(a, b), intersection_area(b, a));
  EXPECT_EQ(shape_iou(a, b, false), 1.0);
}

// Found by fuzz.shape_iou: finite coordinates near the double range (1e238) overflow the
// shoelace products, and a polygon with a NaN area passed polygon_is_valid (NaN != 0) into the
// IoU, where intersection and area bounds no longer hold. Refused now, as are rotated boxes
// whose corners or area overflow.
TEST(Hardening, PolygonsWhoseAreaOverflowsAreRefused) {
  const std::vector<double> p = {0, 1.9535203236270741e+238, 2.4352744973596552e-78, -2.8617180199226127e+76,
                                 -2.8777739825156522e+76, -2.8777739825156522e+76};
  std::string why;
  EXPECT_FALSE(polygon_is_valid(p, why));
  EXPECT_EQ(why, "coordinates too large (the area overflows)");
  const std::string gt = R"({"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":1,"image_id":1,)"
                         R"("category_id":1,"bbox":[0,0,1,1],"poly":[0,0,1e200,0,0,1e200],"rbox":[1e308,0,1e308,1,0.5]}]})";
  EXPECT_EQ(input_error([&] { parse_coco_gt(gt, "gt.json", IouType::polygon); }),
            "gt.json: annotations[0].poly: invalid polygon: coordinates too large (the area overflows)");
  EXPECT_EQ(input_error([&] { parse_coco_gt(gt, "gt.json", IouType::rotated); }),
            "gt.json: annotations[0].rbox: rotated box too large: its corners or area overflow");
}

// Found by fuzz.coco_gt: the GT fast path converted list items with `dom::object c : cats`,
// which throws simdjson_error on a non-object; it escaped as an internal error (exit 1).
TEST(Hardening, GtFastPathDeclinesNonObjectItems) {
  const std::string gt = test::slurp(test::fixture("fuzz/coco_gt/crash-fast-path-category-not-an-object.json"));
  for (IouType type : {IouType::bbox, IouType::segm})
    EXPECT_EQ(input_error([&] { parse_coco_gt(gt, "gt.json", type); }),
              "gt.json: categories[1]: expected an object, got 7");
  EXPECT_EQ(input_error([&] { parse_coco_gt(R"({"images":[[]],"categories":[]})", "gt.json", IouType::bbox); }),
            "gt.json: images[0]: expected an object, got an array of 0");
}

// Found by fuzz.coco_results (fast path vs DOM reader): the On-Demand fast path compared raw
// keys, so it accepted invalid escapes in keys ("s\o") that the DOM reader refuses, read
// "image_\u0069d" as an unknown key, and kept an earlier "bbox" when a later one was [].
TEST(Hardening, ResultsFastPathReadsKeysAsTheDomReaderDoes) {
  const std::string gt_text = R"({"images":[{"id":1,"width":524,"height":446},{"id":2,"width":480,"height":640}],)"
                              R"("categories":[{"id":1},{"id":3}]})";
  for (IouType type : {IouType::bbox, IouType::segm}) {
    const GroundTruth gt = parse_coco_gt(gt_text, "gt.json", type);
    const std::string bad = test::slurp(test::fixture("fuzz/coco_results/crash-fast-path-invalid-escape-in-key.json"));
    EXPECT_NE(input_error([&] { parse_coco_results(bad, "dt.json", gt, type); })
                  .find("dt.json: line 1, column 56: invalid JSON"),
              std::string::npos);
    const std::string keys =
        test::slurp(test::fixture("fuzz/coco_results/crash-fast-path-duplicate-and-escaped-keys.json"));
    if (type == IouType::segm) continue;  // the first result has no mask
    const Detections dt = parse_coco_results(keys, "dt.json", gt, type);
    const Detections dom = detail::parse_results_dom(keys, "dt.json", gt, type, nullptr, {});
    EXPECT_EQ(dt.image, dom.image);
    EXPECT_EQ(dt.image, (std::vector<std::uint32_t>{0, 1}));
    EXPECT_EQ(dt.box, dom.box);
    EXPECT_EQ(dt.area, dom.area);
    EXPECT_NE(dt.box[1], (Box{1, 2, 3, 4}));  // the last "bbox" is []: the mask's box
  }
}

// Found by fuzz.coco_results (fast path vs DOM reader): the fast path read an RLE string with
// raw_json_token(), which does not consume it, and On-Demand then skipped it by bracket depth
// only, accepting `"counts":"0":[...]` in a bbox evaluation (which never decodes the mask).
TEST(Hardening, ResultsFastPathConsumesTheCountsString) {
  const std::string gt_text = R"({"images":[{"id":1,"width":524,"height":446}],"categories":[{"id":1}]})";
  const std::string bad = test::slurp(test::fixture("fuzz/coco_results/crash-fast-path-unconsumed-counts.json"));
  for (IouType type : {IouType::bbox, IouType::segm}) {
    const GroundTruth gt = parse_coco_gt(gt_text, "gt.json", type);
    EXPECT_NE(input_error([&] { parse_coco_results(bad, "dt.json", gt, type); })
                  .find("dt.json: line 1, column 108: invalid JSON: syntax error while parsing object - unexpected ':'"),
              std::string::npos);
  }
}

// Found by fuzz.coco_gt (fast path vs DOM reader): simdjson's obj["key"] takes the first of
// repeated keys, nlohmann the last, so the GT fast path read another file than the DOM reader
// (here: accepted categories the DOM reader refuses, and image id 1 instead of 2).
TEST(Hardening, GtFastPathLeavesRepeatedKeysToTheDomReader) {
  const std::string gt = test::slurp(test::fixture("fuzz/coco_gt/crash-fast-path-repeated-keys.json"));
  for (IouType type : {IouType::bbox, IouType::segm})
    EXPECT_EQ(input_error([&] { parse_coco_gt(gt, "gt.json", type); }),
              "gt.json: categories[0].id: expected an integer id, got nothing (the field is missing)");
  const GroundTruth g =
      parse_coco_gt(R"({"images":[{"id":1,"width":4,"height":4,"id":2}],"categories":[]})", "gt.json", IouType::segm);
  ASSERT_EQ(g.images.size(), 1u);
  EXPECT_EQ(g.images[0].id, 2);
}

// Limits: enormous but valid input gets a clear refusal.
std::string polygon_gt(std::size_t vertices, const char* key) {
  std::string xy;
  for (std::size_t i = 0; i < vertices; ++i) {
    const double t = 6.283185307179586 * static_cast<double>(i) / static_cast<double>(vertices);
    xy += (i ? "," : "") + std::to_string(50 + 40 * std::cos(t)) + "," + std::to_string(40 + 30 * std::sin(t));
  }
  return std::string(R"({"images":[{"id":1,"width":100,"height":80}],"categories":[{"id":1}],)") +
         R"("annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,1,1],")" + key + "\":" +
         (std::string(key) == "segmentation" ? "[[" + xy + "]]" : "[" + xy + "]") + "}]}";
}

TEST(HardeningLimits, PolygonsAboveTheVertexLimitAreRefused) {
  const std::string gt = polygon_gt(100001, "poly");
  EXPECT_EQ(input_error([&] { parse_coco_gt(gt, "gt.json", IouType::polygon); }),
            "gt.json: annotations[0].poly: polygon of 100001 vertices, more than the limit of 100000 "
            "(DETEVAL_MAX_POLYGON_VERTICES)");
  // Below the limit, a large polygon is read.
  EXPECT_NO_THROW(parse_coco_gt(polygon_gt(20000, "poly"), "gt.json", IouType::polygon));
}

TEST(HardeningLimits, DeepJsonIsRefusedBeforeParsing) {
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_EQ(input_error([&] { parse_coco_gt(deep, "gt.json", IouType::bbox); }),
            "gt.json: line 1, column 65: JSON nested deeper than 64 levels");
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_NE(input_error([&] { parse_coco_gt(ok, "gt.json", IouType::bbox); }).find("(root): expected an object"),
            std::string::npos);
}

// The fast paths accepted what the documented nesting limit refuses: the results fast path
// counted levels from its first validated value (65 levels passed), and the GT fast path used
// simdjson's 1024. Both now decline at the DOM reader's limit, which refuses with the message.
TEST(HardeningLimits, FastPathsKeepTheNestingLimit) {
  const GroundTruth g = parse_coco_gt(kGt, "gt.json", IouType::bbox);
  auto results = [](int k) {
    return R"([{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":1,"x":)" + std::string(k, '[') +
           std::string(k, ']') + "}]";
  };
  EXPECT_EQ(input_error([&] { parse_coco_results(results(62), "dt.json", g, IouType::bbox); }), "accepted");
  EXPECT_EQ(input_error([&] { parse_coco_results(results(63), "dt.json", g, IouType::bbox); }),
            "dt.json: line 1, column 125: JSON nested deeper than 64 levels");
  auto gt = [](int k) {
    return R"({"images":[{"id":1}],"categories":[{"id":1}],"x":)" + std::string(k, '[') + std::string(k, ']') + "}";
  };
  EXPECT_EQ(input_error([&] { parse_coco_gt(gt(63), "gt.json", IouType::bbox); }), "accepted");
  EXPECT_EQ(input_error([&] { parse_coco_gt(gt(64), "gt.json", IouType::bbox); }),
            "gt.json: line 1, column 113: JSON nested deeper than 64 levels");
}

TEST(HardeningLimits, ImagesTooLargeForMasksAreRefused) {
  const std::string gt =
      R"({"images":[{"id":1,"width":100000,"height":100000}],"categories":[{"id":1}],"annotations":[]})";
  EXPECT_EQ(input_error([&] { parse_coco_gt(gt, "gt.json", IouType::segm); }),
            "gt.json: images[0]: image too large for masks: width * height must be below 2^32");
  // Boxes need no mask: the same ground truth is fine for bbox, but a result that needs its
  // mask (no box) is refused rather than rasterised at 10^10 pixels.
  const GroundTruth g = parse_coco_gt(gt, "gt.json", IouType::bbox);
  const std::string dt = R"([{"image_id":1,"category_id":1,"score":1,"segmentation":[[0,0,10,0,10,10]]}])";
  EXPECT_EQ(input_error([&] { parse_coco_results(dt, "dt.json", g, IouType::bbox); }),
            "dt.json: [0].segmentation: image 1 (100000 x 100000) too large for masks: width * height must be "
            "below 2^32");
}

TEST(HardeningLimits, UncompressedRleCountsBeyond32BitsAreRefused) {
  const std::string gt = R"({"images":[{"id":1,"width":2,"height":2}],"categories":[{"id":1}],"annotations":[)"
                         R"({"id":1,"image_id":1,"category_id":1,"segmentation":{"size":[2,2],"counts":[)";
  EXPECT_NE(input_error([&] { parse_coco_gt(gt + "4294967296,0]}}]}", "gt.json", IouType::segm); })
                .find("annotations[0].segmentation.counts: invalid RLE: count 0 is 4294967296, above 2^32-1"),
            std::string::npos);
  EXPECT_EQ(input_error([&] { parse_coco_gt(gt + "18446744073709551615]}}]}", "gt.json", IouType::segm); }),
            "gt.json: annotations[0].segmentation.counts: invalid RLE: count 0 is 18446744073709551615, above "
            "2^32-1");
  EXPECT_EQ(input_error([&] { parse_coco_gt(gt + "-1,5]}}]}", "gt.json", IouType::segm); }),
            "gt.json: annotations[0].segmentation.counts[0]: expected a non-negative integer, got -1");
}

TEST(HardeningLimits, PolygonsCrossingTooManyColumnsAreRefused) {
  // A zigzag across a 1000000-pixel-wide image: every edge crosses every column.
  std::string xy;
  for (int i = 0; i < 40; ++i) xy += std::string(i ? "," : "") + (i % 2 ? "999999," : "0,") + std::to_string(i);
  const std::string gt = std::string(R"({"images":[{"id":1,"width":1000000,"height":100}],"categories":[{"id":1}],)") +
                         R"("annotations":[{"id":1,"image_id":1,"category_id":1,"segmentation":[[)" + xy + "]]}]}";
  EXPECT_EQ(input_error([&] { parse_coco_gt(gt, "gt.json", IouType::segm); }),
            "gt.json: annotations[0].segmentation[0]: polygons whose edges cross more than 4194304 pixel columns "
            "in all, the limit (DETEVAL_MAX_RASTER_COLUMNS)");
}

}  // namespace
}  // namespace deteval

namespace deteval {
namespace {

// Found by the board's segm test after the merge of compressed detection masks: restrict_dt
// copied masks with RleStore::operator[], which is for masks held as runs, and read a
// compressed mask's offsets into the runs buffer (a segfault in `deteval board submit`).
TEST(Hardening, BoardSplitKeepsCompressedMasks) {
  const GroundTruth gt = parse_coco_gt(
      R"({"images":[{"id":1,"width":3,"height":5},{"id":2,"width":3,"height":5}],"categories":[{"id":1}],)"
      R"("annotations":[{"id":1,"image_id":2,"category_id":1,"segmentation":{"size":[5,3],"counts":[1,14]}}]})",
      "gt.json", IouType::segm);
  const std::string sub = test::slurp(test::fixture("fuzz/board_submission/crash-compressed-masks.json"));
  const Detections dt = parse_coco_results(sub, "dt.json", gt, IouType::segm);
  ASSERT_EQ(dt.masks.size(), 3u);
  const Detections part = board::restrict_dt(dt, {0, 1});
  ASSERT_EQ(part.masks.size(), 2u);
  std::vector<std::uint32_t> s1, s2;
  for (std::size_t i = 0; i < 2; ++i) {
    const RleView a = part.masks.view(i, s1), b = dt.masks.view(i + 1, s2);
    EXPECT_EQ(a.height, 5u);
    EXPECT_EQ(a.width, 3u);
    EXPECT_TRUE(std::equal(a.counts.begin(), a.counts.end(), b.counts.begin(), b.counts.end()));
  }
}

}  // namespace
}  // namespace deteval
