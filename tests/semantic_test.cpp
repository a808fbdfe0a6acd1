// Semantic segmentation: the Cityscapes conformance cases (fixtures/semantic, values of
// cityscapesScripts' evalPixelLevelSemanticLabeling.py), the reference's rules on small
// in-memory maps, thread independence, and the labels-mode worked example of docs/semantic.md.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "deteval/cityscapes.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/png.hpp"
#include "deteval/formats/semantic.hpp"
#include "deteval/semantic.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::fixture;
namespace fs = std::filesystem;

const char* kAccepted[] = {"stuff_basic", "ignore_labels", "absent_classes",
                           "instance_weighting", "category_confusions", "random_12img"};

// A score of the reference's JSON (null = NaN) against ours, to 1e-12.
void expect_score(const json& want, double got, const std::string& what) {
  if (want.is_null()) {
    EXPECT_TRUE(std::isnan(got)) << what << ": expected NaN, got " << got;
    return;
  }
  EXPECT_NEAR(got, want.get<double>(), 1e-12) << what;
}

void expect_matches_reference(const std::string& name, const cityscapes::Result& r, const CityscapesFiles& files) {
  const json e = json::parse(test::slurp(fixture("semantic/" + name + "/expected.json")));
  const auto& labels = cityscapes::labels();
  for (std::size_t l = 0; l < cityscapes::kLabels; ++l) {
    const std::string n(labels[l].name);
    expect_score(e["classScores"][n], r.class_iou[l], name + " classScores." + n);
    expect_score(e["classInstScores"][n], r.class_iiou[l], name + " classInstScores." + n);
  }
  for (std::size_t c = 0; c < cityscapes::kCategories; ++c) {
    const std::string n(cityscapes::categories()[c]);
    expect_score(e["categoryScores"][n], r.category_iou[c], name + " categoryScores." + n);
    expect_score(e["categoryInstScores"][n], r.category_iiou[c], name + " categoryInstScores." + n);
  }
  expect_score(e["averageScoreClasses"], r.mean_class_iou, name + " averageScoreClasses");
  expect_score(e["averageScoreInstClasses"], r.mean_class_iiou, name + " averageScoreInstClasses");
  expect_score(e["averageScoreCategories"], r.mean_category_iou, name + " averageScoreCategories");
  expect_score(e["averageScoreInstCategories"], r.mean_category_iiou, name + " averageScoreInstCategories");
  for (std::size_t g = 0; g < cityscapes::kLabels; ++g)
    for (std::size_t p = 0; p < cityscapes::kLabels; ++p)
      ASSERT_EQ(r.at(g, p), e["confMatrix"][g][p].get<std::uint64_t>()) << name << " confMatrix " << g << "," << p;
  for (const auto& [n, s] : e["instanceStats"]["classes"].items()) {
    std::size_t l = 0;
    while (labels[l].name != n) ++l;
    EXPECT_EQ(r.class_stats[l].tp, s["tp"].get<std::uint64_t>()) << name << " " << n;
    EXPECT_EQ(r.class_stats[l].fn, s["fn"].get<std::uint64_t>()) << name << " " << n;
    EXPECT_NEAR(r.class_stats[l].tp_weighted, s["tpWeighted"].get<double>(), 1e-12 * std::max(1.0, s["tpWeighted"].get<double>()));
    EXPECT_NEAR(r.class_stats[l].fn_weighted, s["fnWeighted"].get<double>(), 1e-12 * std::max(1.0, s["fnWeighted"].get<double>()));
  }
  for (const auto& [n, s] : e["instanceStats"]["categories"].items()) {
    std::size_t c = 0;
    while (cityscapes::categories()[c] != n) ++c;
    EXPECT_EQ(r.category_stats[c].tp, s["tp"].get<std::uint64_t>()) << name << " " << n;
    EXPECT_EQ(r.category_stats[c].tp_weighted, s["tpWeighted"].get<double>()) << name << " " << n;
    EXPECT_EQ(r.category_stats[c].fn_weighted, s["fnWeighted"].get<double>()) << name << " " << n;
    const auto ids = cityscapes::category_instance_labels(c);
    EXPECT_EQ(std::vector<int>(ids.begin(), ids.end()), s["labelIds"].get<std::vector<int>>());
  }
  // The evaluation order (it decides the weighted sums' rounding).
  ASSERT_EQ(files.gt_labels.size(), e["images"].size());
  for (std::size_t i = 0; i < files.gt_labels.size(); ++i) {
    EXPECT_EQ(fs::path(files.predictions[i]).filename(), fs::path(e["images"][i][0].get<std::string>()).filename());
    EXPECT_EQ(fs::path(files.gt_labels[i]).filename(), fs::path(e["images"][i][1].get<std::string>()).filename());
  }
}

TEST(CityscapesConformance, EveryAcceptedCaseEqualsTheReference) {
  for (const char* name : kAccepted) {
    const fs::path dir = fixture(std::string("semantic/") + name);
    const CityscapesFiles files = find_cityscapes_files(dir.string(), (dir / "pred").string());
    const cityscapes::Result r = evaluate_cityscapes_files(files);
    expect_matches_reference(name, r, files);
    // The class and category tables, byte for byte: the end of what the reference printed.
    const std::string printed = test::slurp(dir / "expected_summary.txt");
    const std::string tables = cityscapes_tables_text(r);
    ASSERT_GE(printed.size(), tables.size());
    EXPECT_EQ(printed.substr(printed.size() - tables.size()), tables) << name;
    EXPECT_EQ(printed.find("classes          IoU      nIoU"), printed.size() - tables.size()) << name;
  }
}

TEST(CityscapesConformance, ResultsDoNotDependOnThreads) {
  const fs::path dir = fixture("semantic/random_12img");
  const CityscapesFiles files = find_cityscapes_files(dir.string(), (dir / "pred").string());
  const std::string one = cityscapes_json(evaluate_cityscapes_files(files, 1), files);
  for (int threads : {2, 3, 8}) EXPECT_EQ(cityscapes_json(evaluate_cityscapes_files(files, threads), files), one);
}

TEST(CityscapesConformance, TheGtFolderOrTheDatasetRootBothWork) {
  const fs::path dir = fixture("semantic/stuff_basic");
  const CityscapesFiles a = find_cityscapes_files(dir.string(), (dir / "pred").string());
  const CityscapesFiles b = find_cityscapes_files((dir / "gtFine").string(), (dir / "pred").string());
  EXPECT_EQ(a.gt_labels, b.gt_labels);
  EXPECT_EQ(a.predictions, b.predictions);
  EXPECT_THROW(find_cityscapes_files(dir.string(), (dir / "pred").string(), "train"), InputError);
}

// Every refusal of the reference is an InputError naming the file and the fact at fault.
TEST(CityscapesConformance, EveryRejectedCaseIsRefusedWithALocatedMessage) {
  const std::pair<const char*, std::vector<std::string>> cases[] = {
      {"reject_gt_label_255", {"frankfurt_000005_000011_gtFine_labelIds.png: pixel (x ", "got 255"}},
      {"reject_pred_label_255", {"pred/frankfurt_000005_000010_labelIds.png: pixel (x ", "0..33, got 255"}},
      {"reject_size_mismatch", {"pred/frankfurt_000005_000011_labelIds.png: image size", "128 x 64", "got 120 x 64"}},
      {"reject_pred_rgb", {"pred/frankfurt_000005_000010_labelIds.png: image", "got 3 channels (RGB)"}},
      {"reject_instance_of_stuff_class", {"frankfurt_000005_000011_gtFine_instanceIds.png: pixel (x ", "got 7001", "'road'"}},
      {"reject_missing_prediction",
       {"frankfurt_000005_000011_gtFine_labelIds.png: expected a prediction frankfurt_000005_000011*.png", "found none"}},
  };
  for (const auto& [name, facts] : cases) {
    const fs::path dir = fixture(std::string("semantic/") + name);
    ASSERT_TRUE(fs::exists(dir / "expected_error.txt")) << name;
    try {
      const CityscapesFiles files = find_cityscapes_files(dir.string(), (dir / "pred").string());
      evaluate_cityscapes_files(files);
      ADD_FAILURE() << name << ": accepted";
    } catch (const InputError& e) {
      for (const auto& f : facts) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << name << ": " << e.what();
    }
  }
}

// A multi-channel instance map: the reference scores it when no id is an instance to score
// (an 8-bit map never holds one) and fails on the first instance otherwise.
TEST(CityscapesConformance, MultiChannelInstanceMaps) {
  test::TempDir tmp;
  fs::copy(fixture("semantic/stuff_basic"), tmp.path() / "case", fs::copy_options::recursive);
  const CityscapesFiles files = find_cityscapes_files((tmp.path() / "case").string(), (tmp.path() / "case/pred").string());
  const std::string want = cityscapes_json(evaluate_cityscapes_files(files), files);
  PngImage rgb = read_png(files.gt_labels[0]);
  rgb.channels = 3;
  rgb.data.resize(rgb.data.size() * 3, 7);
  test::spit(files.gt_instances[0], encode_png(rgb));
  EXPECT_EQ(cityscapes_json(evaluate_cityscapes_files(files), files), want);
  PngImage rgb16;
  rgb16.width = rgb.width;
  rgb16.height = rgb.height;
  rgb16.channels = 3;
  rgb16.bit_depth = 16;
  std::vector<std::uint16_t> ids(rgb16.pixels() * 3, 7);
  ids[5] = 26001;
  rgb16.data.resize(ids.size() * 2);
  std::memcpy(rgb16.data.data(), ids.data(), rgb16.data.size());
  test::spit(files.gt_instances[0], encode_png(rgb16));
  try {
    evaluate_cityscapes_files(files);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("got 3 channels (RGB), with instance 26001 to score"), std::string::npos)
        << e.what();
  }
}

// ---- the reference's rules on hand-made maps -------------------------------------------

struct Maps {
  std::size_t w, h;
  std::vector<std::uint8_t> gt, pred;
  std::vector<std::uint16_t> inst;
  LabelView g() const { return {gt.data(), w, h, 1}; }
  LabelView p() const { return {pred.data(), w, h, 1}; }
  LabelView i() const { return {inst.data(), w, h, 2}; }
};

Maps uniform(std::size_t w, std::size_t h, std::uint8_t gt, std::uint8_t pred) {
  return {w, h, std::vector<std::uint8_t>(w * h, gt), std::vector<std::uint8_t>(w * h, pred),
          std::vector<std::uint16_t>(w * h, gt)};
}

TEST(Cityscapes, FirstBadPairInAscendingOrderDecides) {
  // GT 40 (unknown) at pixel 0, prediction 40 (out of range) on road at pixel 1: the pair
  // (7, 40) sorts first, so the prediction is reported, as numpy.unique's order makes it.
  Maps m = uniform(4, 1, 7, 7);
  m.gt[0] = 40;
  m.pred[1] = 40;
  cityscapes::ImageCounts out;
  auto issue = cityscapes::count_image(m.g(), m.i(), m.p(), out);
  ASSERT_TRUE(issue);
  EXPECT_EQ(issue->kind, cityscapes::ImageIssue::Kind::pred_label_out_of_range);
  EXPECT_EQ(issue->value, 40u);
  EXPECT_EQ(issue->pixel, 1u);
  m.pred[1] = 7;
  issue = cityscapes::count_image(m.g(), m.i(), m.p(), out);
  ASSERT_TRUE(issue);
  EXPECT_EQ(issue->kind, cityscapes::ImageIssue::Kind::unknown_gt_label);
  EXPECT_EQ(issue->pixel, 0u);
}

TEST(Cityscapes, InstanceRules) {
  Maps m = uniform(6, 1, 26, 26);
  m.inst = {1000, 26001, 26001, 29000, 1001, 26};  // 1000: not > 1000; 29000: caravan, ignored; 1001: ego vehicle
  m.pred[2] = 7;
  cityscapes::ImageCounts out;
  ASSERT_FALSE(cityscapes::count_image(m.g(), m.i(), m.p(), out));
  ASSERT_EQ(out.instances.size(), 1u);
  EXPECT_EQ(out.instances[0].id, 26001u);
  EXPECT_EQ(out.instances[0].size, 2u);
  EXPECT_EQ(out.instances[0].tp, 1u);
  EXPECT_EQ(out.instances[0].category_tp, 1u);
  // An instance whose label is not a label id: KeyError in the reference.
  m.inst[5] = 34001;
  auto issue = cityscapes::count_image(m.g(), m.i(), m.p(), out);
  ASSERT_TRUE(issue);
  EXPECT_EQ(issue->kind, cityscapes::ImageIssue::Kind::unknown_instance_label);
  EXPECT_EQ(issue->pixel, 5u);
  // Ids ascend: 11001 (building, no instances) comes before 34001.
  m.inst[0] = 11001;
  issue = cityscapes::count_image(m.g(), m.i(), m.p(), out);
  ASSERT_TRUE(issue);
  EXPECT_EQ(issue->kind, cityscapes::ImageIssue::Kind::instance_without_class);
  EXPECT_EQ(issue->value, 11001u);
  // An instance map of another size is refused only when an instance is to be scored.
  Maps small = uniform(3, 1, 26, 26);
  std::vector<std::uint16_t> inst2 = {29001, 30001};
  ASSERT_FALSE(cityscapes::count_image(small.g(), LabelView{inst2.data(), 2, 1, 2}, small.p(), out));
  inst2[1] = 26001;
  issue = cityscapes::count_image(small.g(), LabelView{inst2.data(), 2, 1, 2}, small.p(), out);
  ASSERT_TRUE(issue);
  EXPECT_EQ(issue->kind, cityscapes::ImageIssue::Kind::instance_size_mismatch);
}

TEST(Cityscapes, CaravanCountsDifferentlyInVehicleIouAndIiou) {
  // A car of 4 pixels predicted as caravan (29): vehicle IoU counts an FN, vehicle iIoU a TP.
  Maps m = uniform(4, 1, 26, 29);
  m.inst.assign(4, 26000 + 1);
  const cityscapes::ImageTriple t{m.g(), m.i(), m.p()};
  const cityscapes::Evaluation e = cityscapes::evaluate(std::span(&t, 1));
  ASSERT_FALSE(e.issue_image);
  EXPECT_EQ(e.result.category_iou[7], 0.0);
  EXPECT_EQ(e.result.category_iiou[7], 1.0);
  EXPECT_EQ(e.result.class_iou[26], 0.0);
  EXPECT_TRUE(std::isnan(e.result.class_iou[29]));  // ignoreInEval
}

TEST(Cityscapes, WideMapsTakeTheSparsePath) {
  // 16-bit maps with large values count pairs in a map rather than a table: same result.
  std::vector<std::uint16_t> gt = {7, 7, 26, 26}, pred = {7, 26, 26, 7}, inst = {7, 7, 26001, 26001};
  std::vector<std::uint8_t> gt8(gt.begin(), gt.end()), pred8(pred.begin(), pred.end());
  cityscapes::ImageCounts a, b;
  ASSERT_FALSE(cityscapes::count_image({gt8.data(), 2, 2, 1}, {inst.data(), 2, 2, 2}, {pred8.data(), 2, 2, 1}, a));
  ASSERT_FALSE(cityscapes::count_image({gt.data(), 2, 2, 2}, {inst.data(), 2, 2, 2}, {pred.data(), 2, 2, 2}, b));
  EXPECT_EQ(a.confusion, b.confusion);
  pred[0] = 60000;
  auto issue = cityscapes::count_image({gt.data(), 2, 2, 2}, {inst.data(), 2, 2, 2}, {pred.data(), 2, 2, 2}, b);
  ASSERT_TRUE(issue);
  EXPECT_EQ(issue->value, 60000u);
}

// ---- labels mode: the worked example of docs/semantic.md -------------------------------

TEST(SemanticLabels, WorkedExample) {
  // Image A (3 x 2): GT 0 0 1 / 1 2 255, prediction 0 1 1 / 1 2 0 (the 255 pixel is ignored).
  // Image B (3 x 1): GT 2 2 0, prediction 2 0 0. Class 3 occurs nowhere.
  const std::vector<std::uint8_t> ga = {0, 0, 1, 1, 2, 255}, pa = {0, 1, 1, 1, 2, 0};
  const std::vector<std::uint8_t> gb = {2, 2, 0}, pb = {2, 0, 0};
  const LabelPair pairs[] = {{{ga.data(), 3, 2, 1}, {pa.data(), 3, 2, 1}}, {{gb.data(), 3, 1, 1}, {pb.data(), 3, 1, 1}}};
  const LabelEvaluation e = evaluate_labels(pairs, 4, 255);
  ASSERT_FALSE(e.issue_image);
  const std::vector<std::uint64_t> want = {2, 1, 0, 0,  //
                                           0, 2, 0, 0,  //
                                           1, 0, 2, 0,  //
                                           0, 0, 0, 0};
  EXPECT_EQ(e.confusion.counts, want);
  const SemanticScores& s = e.scores;
  EXPECT_DOUBLE_EQ(s.iou[0], 2.0 / 4);  // TP 2, FP 1, FN 1
  EXPECT_DOUBLE_EQ(s.iou[1], 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.iou[2], 2.0 / 3);
  EXPECT_TRUE(std::isnan(s.iou[3]));
  EXPECT_DOUBLE_EQ(s.accuracy[0], 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.accuracy[1], 1.0);
  EXPECT_DOUBLE_EQ(s.accuracy[2], 2.0 / 3);
  EXPECT_TRUE(std::isnan(s.accuracy[3]));
  EXPECT_DOUBLE_EQ(s.mean_iou, (0.5 + 2.0 / 3 + 2.0 / 3) / 3);        // 0.6111
  EXPECT_DOUBLE_EQ(s.mean_accuracy, (2.0 / 3 + 1.0 + 2.0 / 3) / 3);   // 0.7778
  EXPECT_DOUBLE_EQ(s.pixel_accuracy, 6.0 / 8);                         // 0.75
  EXPECT_DOUBLE_EQ(s.fw_iou, 3.0 / 8 * 0.5 + 2.0 / 8 * (2.0 / 3) + 3.0 / 8 * (2.0 / 3));  // 0.6042
  // The same with one thread and the images swapped: integer counts, identical result.
  const LabelPair swapped[] = {pairs[1], pairs[0]};
  const LabelEvaluation f = evaluate_labels(swapped, 4, 255, 1);
  EXPECT_EQ(f.confusion.counts, e.confusion.counts);
  EXPECT_EQ(f.scores.mean_iou, s.mean_iou);
}

TEST(SemanticLabels, ValuesThatAreNotClassesAreReported) {
  const std::vector<std::uint8_t> g = {0, 1, 4, 1}, p = {0, 1, 1, 9};
  SemanticConfusion c(4);
  auto issue = add_label_pixels(c, {g.data(), 4, 1, 1}, {p.data(), 4, 1, 1}, 255);
  ASSERT_TRUE(issue);
  EXPECT_FALSE(issue->in_prediction);
  EXPECT_EQ(issue->pixel, 2u);
  EXPECT_EQ(issue->value, 4u);
  EXPECT_EQ(c.counts, std::vector<std::uint64_t>(16, 0));  // nothing counted
  const std::vector<std::uint8_t> g2 = {0, 1, 255, 1};
  issue = add_label_pixels(c, {g2.data(), 4, 1, 1}, {p.data(), 4, 1, 1}, 255);
  ASSERT_TRUE(issue);
  EXPECT_TRUE(issue->in_prediction);
  EXPECT_EQ(issue->pixel, 3u);
  EXPECT_EQ(issue->value, 9u);
}

}  // namespace
}  // namespace deteval
