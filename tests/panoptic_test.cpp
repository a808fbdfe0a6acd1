// Panoptic quality: the library's rules on small label maps, every conformance case of
// fixtures/panoptic (values to 1e-12 against panopticapi's), its refusals, and results
// independent of the thread count.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "deteval/formats/error.hpp"
#include "deteval/formats/panoptic.hpp"
#include "deteval/formats/png.hpp"
#include "deteval/panoptic.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;

// ---- library rules on hand-made maps ---------------------------------------------------

// A one-row image: gt and pred ids given pixel by pixel.
struct Tiny {
  std::vector<std::uint32_t> gt, pred;
  std::vector<PanopticSegment> gs, ps;
  PanopticImageView view() const {
    return {{gt.data(), int(gt.size()), 1}, {pred.data(), int(pred.size()), 1}, gs, ps};
  }
};

std::vector<std::uint32_t> runs(std::initializer_list<std::pair<std::uint32_t, int>> r) {
  std::vector<std::uint32_t> out;
  for (auto [id, n] : r) out.insert(out.end(), std::size_t(n), id);
  return out;
}

const PanopticCategories kCats({{1, true, "person"}, {2, true, "car"}, {100, false, "road"}});

TEST(PanopticMatch, IouMustExceedOneHalf) {
  Tiny t;
  t.gt = runs({{1, 4}, {0, 4}});
  t.pred = runs({{7, 8}});  // 4 / 8 = 0.5: no match
  t.gs = {{1, 1}};
  t.ps = {{7, 1}};
  auto r = panoptic_match_image(t.view(), kCats);
  // The 4 VOID pixels leave the union: 4 / (8 + 4 - 4 - 4) = 1.
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].iou, 1.0);
  t.gt = runs({{1, 4}, {5, 4}});  // no VOID now: IoU 0.5 exactly
  t.gs = {{1, 1}, {5, 100}};
  r = panoptic_match_image(t.view(), kCats);
  EXPECT_TRUE(r.matches.empty());
  EXPECT_EQ(r.false_negatives, (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(r.false_positives, (std::vector<std::uint32_t>{0}));
}

TEST(PanopticMatch, GtAreaComesFromTheAnnotation) {
  Tiny t;
  t.gt = runs({{1, 10}});
  t.pred = runs({{3, 10}});
  t.gs = {{1, 1, false, 30.0}};  // union 10 + 30 - 10 = 30: IoU 1/3
  t.ps = {{3, 1}};
  auto r = panoptic_match_image(t.view(), kCats);
  EXPECT_TRUE(r.matches.empty());
  t.gs[0].area = std::nan("");  // the pixel count
  r = panoptic_match_image(t.view(), kCats);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].iou, 1.0);
}

TEST(PanopticMatch, OnlyTheLastCrowdOfACategoryExcuses) {
  Tiny t;
  t.gt = runs({{10, 4}, {11, 4}});
  t.pred = runs({{3, 4}, {4, 4}});
  t.gs = {{10, 1, true}, {11, 1, true}};  // two person crowds: 11 is listed last
  t.ps = {{3, 1}, {4, 1}};
  auto r = panoptic_match_image(t.view(), kCats);
  EXPECT_TRUE(r.matches.empty());
  EXPECT_TRUE(r.false_negatives.empty());
  EXPECT_EQ(r.false_positives, (std::vector<std::uint32_t>{0}));  // pred 3 on crowd 10
  std::swap(t.gs[0], t.gs[1]);
  r = panoptic_match_image(t.view(), kCats);
  EXPECT_EQ(r.false_positives, (std::vector<std::uint32_t>{0}));  // now pred 4 on crowd 11
}

TEST(PanopticMatch, PredictionChecksComeInTheReferenceOrder) {
  using K = PanopticIssue::Kind;
  Tiny t;
  t.gt = runs({{1, 4}});
  t.pred = runs({{0, 1}, {5, 3}});
  t.gs = {{1, 1}};
  t.ps = {};
  EXPECT_EQ(panoptic_match_image(t.view(), kCats).issue.kind, K::unlisted_pred_id);
  t.ps = {{5, 77}};
  auto r = panoptic_match_image(t.view(), kCats);
  EXPECT_EQ(r.issue.kind, K::unknown_category);
  EXPECT_EQ(r.issue.category_id, 77);
  t.ps = {{5, 1}, {9, 1}, {8, 2}};
  r = panoptic_match_image(t.view(), kCats);
  EXPECT_EQ(r.issue.kind, K::absent_pred_ids);
  EXPECT_EQ(r.issue.absent_ids, (std::vector<std::uint32_t>{9, 8}));
  EXPECT_NE(describe(r.issue).find("segment ids 9, 8 are"), std::string::npos) << describe(r.issue);
  t.ps = {{5, 1}};
  t.pred.push_back(5);  // 5 pixels against 4, after the checks above
  EXPECT_EQ(panoptic_match_image(t.view(), kCats).issue.kind, K::size_mismatch);
}

TEST(PanopticSummary, GroupWithoutCategoriesIsUndefined) {
  const PanopticCategories cats({{1, true, "person"}, {100, false, "road"}});
  std::vector<PanopticClassStats> totals(2);
  totals[0] = {2, 1, 1, 1.5};
  const PanopticResult r = panoptic_summarize(cats, totals, 1);
  EXPECT_TRUE(r.things.defined);
  EXPECT_FALSE(r.stuff.defined);
  EXPECT_EQ(r.stuff.n, 0u);
  EXPECT_EQ(r.things.q.pq, 1.5 / 3.0);
  EXPECT_EQ(r.things.q.sq, 0.75);
  EXPECT_EQ(r.all.q.rq, 2.0 / 3.0);
  EXPECT_NE(panoptic_table(r).find("Stuff     |     -      -      -     0\n"), std::string::npos) << panoptic_table(r);
}

TEST(PanopticEvaluate, InMemoryImagesAndTheirRefusal) {
  Tiny a, b;
  a.gt = runs({{1, 6}, {2, 6}});
  a.pred = runs({{1, 5}, {2, 7}});
  a.gs = {{1, 1}, {2, 100}};
  a.ps = {{1, 1}, {2, 100}};
  b = a;
  b.ps[1].category_id = 2;
  const std::vector<PanopticImageView> views{a.view(), b.view()};
  const PanopticResult r = evaluate_panoptic(kCats.list(), views, 2);
  EXPECT_EQ(r.stats[0].tp, 2u);  // person: 5/6 twice
  EXPECT_EQ(r.stats[0].iou_sum, 5.0 / 6 + 5.0 / 6);
  EXPECT_EQ(r.stats[1].fp, 1u);
  EXPECT_EQ(r.stats[2].fn, 1u);
  b.ps[1].category_id = 3;
  const std::vector<PanopticImageView> bad{a.view(), b.view()};
  try {
    evaluate_panoptic(kCats.list(), bad);
    FAIL() << "expected a refusal";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("image 1: segment id 2 has category_id 3"), std::string::npos) << e.what();
  }
}

// ---- conformance -------------------------------------------------------------------------

const char* kAccepted[] = {"iou_threshold_edges", "crowd_regions",      "void_handling",
                           "stuff_and_things",    "absent_categories_empty_images", "many_segments",
                           "random_40img",        "gt_area_from_json",  "inconsistent_inputs"};

PanopticFiles files_of(const std::string& name, int threads = 0) {
  const auto d = test::fixture("panoptic/" + name);
  PanopticFiles f;
  f.gt_json = (d / "gt.json").string();
  f.pred_json = (d / "pred.json").string();
  f.threads = threads;
  return f;
}

void expect_group(const PanopticGroup& g, const nlohmann::ordered_json& e, const std::string& name) {
  SCOPED_TRACE(name);
  EXPECT_TRUE(g.defined);
  EXPECT_EQ(g.n, e["n"].get<std::size_t>());
  EXPECT_NEAR(g.q.pq, e["pq"].get<double>(), 1e-12);
  EXPECT_NEAR(g.q.sq, e["sq"].get<double>(), 1e-12);
  EXPECT_NEAR(g.q.rq, e["rq"].get<double>(), 1e-12);
}

class PanopticConformance : public ::testing::TestWithParam<const char*> {};

TEST_P(PanopticConformance, MatchesPanopticapi) {
  const std::string name = GetParam();
  const PanopticResult r = evaluate_panoptic_files(files_of(name));
  // ordered: per_class lists gt.json's categories in its order
  const auto e = nlohmann::ordered_json::parse(test::slurp(test::fixture("panoptic/" + name + "/expected.json")));
  expect_group(r.all, e["All"], "All");
  expect_group(r.things, e["Things"], "Things");
  expect_group(r.stuff, e["Stuff"], "Stuff");
  ASSERT_EQ(r.categories.size(), e["per_class"].size());
  std::size_t k = 0;
  for (const auto& [id, c] : e["per_class"].items()) {  // gt.json's category order
    SCOPED_TRACE(id);
    ASSERT_EQ(std::to_string(r.categories[k].id), id);
    EXPECT_EQ(r.stats[k].tp, c["tp"].get<std::uint64_t>());
    EXPECT_EQ(r.stats[k].fp, c["fp"].get<std::uint64_t>());
    EXPECT_EQ(r.stats[k].fn, c["fn"].get<std::uint64_t>());
    EXPECT_NEAR(r.stats[k].iou_sum, c["iou_sum"].get<double>(), 1e-12);
    EXPECT_NEAR(r.per_class[k].pq, c["pq"].get<double>(), 1e-12);
    EXPECT_NEAR(r.per_class[k].sq, c["sq"].get<double>(), 1e-12);
    EXPECT_NEAR(r.per_class[k].rq, c["rq"].get<double>(), 1e-12);
    ++k;
  }
  // The table, byte for byte: the lines of pq_compute's output from its header to the Stuff row.
  const std::string summary = test::slurp(test::fixture("panoptic/" + name + "/expected_summary.txt"));
  const std::size_t from = summary.find("          |"), to = summary.find("Time elapsed");
  ASSERT_NE(from, std::string::npos);
  EXPECT_EQ(panoptic_table(r), summary.substr(from, to - from));
}

// The summation order is fixed, so any thread count gives the same bits.
TEST_P(PanopticConformance, SameBitsForAnyThreadCount) {
  const std::string name = GetParam();
  const PanopticResult one = evaluate_panoptic_files(files_of(name, 1));
  for (int threads : {2, 3, 8}) {
    const PanopticResult r = evaluate_panoptic_files(files_of(name, threads));
    ASSERT_EQ(r.stats.size(), one.stats.size());
    for (std::size_t k = 0; k < r.stats.size(); ++k) {
      EXPECT_EQ(std::memcmp(&r.stats[k].iou_sum, &one.stats[k].iou_sum, sizeof(double)), 0) << threads;
      EXPECT_EQ(std::memcmp(&r.per_class[k], &one.per_class[k], sizeof(PanopticQuality)), 0) << threads;
    }
    EXPECT_EQ(std::memcmp(&r.all.q, &one.all.q, sizeof(PanopticQuality)), 0) << threads;
    EXPECT_EQ(panoptic_json(r), panoptic_json(one));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PanopticConformance, ::testing::ValuesIn(kAccepted));

// ---- refusals ----------------------------------------------------------------------------

struct Refusal {
  const char* name;
  std::vector<const char*> facts;  // what the message must carry
};

class PanopticRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(PanopticRefusal, LocatedInputError) {
  const Refusal& c = GetParam();
  try {
    evaluate_panoptic_files(files_of(c.name));
    FAIL() << "accepted";
  } catch (const InputError& e) {
    const std::string m = e.what();
    for (const char* f : c.facts) EXPECT_NE(m.find(f), std::string::npos) << "missing '" << f << "' in: " << m;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PanopticRefusal,
    ::testing::Values(
        Refusal{"reject_json_segment_missing_in_png",
                {"pred.json: annotations[1].segments_info: image_id 12", "000000000012.png",
                 "segment id 7 is in the prediction's segments_info but not in its label map"}},
        Refusal{"reject_png_segment_missing_in_json",
                {"pred.json: annotations[0].segments_info: image_id 21",
                 "segment id 5 is in the prediction's label map but not in its segments_info"}},
        Refusal{"reject_unknown_category",
                {"pred.json: annotations[", "].category_id: image_id 33", "segment id 9 has category_id 5"}},
        Refusal{"reject_no_prediction_for_image",
                {"pred.json: annotations: expected a prediction for image_id 42", "gt.json: annotations[1]"}},
        Refusal{"reject_png_size_mismatch",
                {"000000000052.png: image size: expected 30 x 20 pixels like", "got 32 x 20"}}),
    [](const auto& info) { return std::string(info.param.name); });

// panopticapi divides by zero; deteval reports Stuff as undefined.
TEST(PanopticUndefined, NoStuffCategories) {
  const PanopticResult r = evaluate_panoptic_files(files_of("reject_no_stuff_categories"));
  EXPECT_FALSE(r.stuff.defined);
  EXPECT_EQ(r.stuff.n, 0u);
  ASSERT_TRUE(r.things.defined);
  EXPECT_EQ(r.all.n, r.things.n);
  EXPECT_EQ(std::memcmp(&r.all.q, &r.things.q, sizeof(PanopticQuality)), 0);
  const json doc = json::parse(panoptic_json(r));
  EXPECT_TRUE(doc["Stuff"]["pq"].is_null());
  EXPECT_EQ(doc["Stuff"]["n"], 0);
}

TEST(PanopticFiles, DefaultFolderDropsEveryJsonSuffix) {
  EXPECT_EQ(panoptic_default_folder("a/panoptic_val2017.json"), "a/panoptic_val2017");
  EXPECT_EQ(panoptic_default_folder("x.json.d/gt.json"), "x.d/gt");
}

TEST(PanopticFiles, BadInputsAreLocated) {
  test::TempDir tmp;
  const auto src = test::fixture("panoptic/void_handling");
  std::filesystem::copy(src, tmp.path() / "c", std::filesystem::copy_options::recursive);
  const auto c = tmp.path() / "c";
  PanopticFiles f;
  f.gt_json = (c / "gt.json").string();
  f.pred_json = (c / "pred.json").string();
  auto message = [&] {
    try {
      evaluate_panoptic_files(f);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  // A missing PNG names the JSON entry.
  std::filesystem::remove(c / "pred" / "000000000303.png");
  EXPECT_NE(message().find("pred.json: annotations[2].file_name: expected a PNG file"), std::string::npos) << message();
  std::filesystem::copy(src / "pred" / "000000000303.png", c / "pred" / "000000000303.png");
  // A grey PNG is not a panoptic map.
  PngImage grey;
  grey.width = 2;
  grey.height = 2;
  grey.channels = 1;
  grey.bit_depth = 8;
  grey.data.assign(4, 0);
  test::spit(c / "pred" / "000000000302.png", encode_png(grey));
  EXPECT_NE(message().find("000000000302.png: PNG header: expected an 8-bit RGB or RGBA image"), std::string::npos)
      << message();
  // Wrong JSON types name the path.
  json gt = json::parse(test::slurp(c / "gt.json"));
  gt["annotations"][1]["segments_info"][0]["area"] = "big";
  test::spit(c / "gt.json", gt.dump());
  EXPECT_NE(message().find("gt.json: annotations[1].segments_info[0].area: expected a number, got the string \"big\""),
            std::string::npos)
      << message();
}

}  // namespace
}  // namespace deteval
