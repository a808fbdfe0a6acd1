// The analyses and report of `deteval voc` / `deteval dota`: the analyses reproduce the
// VOC evaluation's own numbers, a hand-built scene gets the documented error types and
// confusion counts, the numbers in the HTML report equal the --json document, and the
// curve exports are VOC's precision/recall arrays.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <sstream>

#include "deteval/formats/dota.hpp"
#include "deteval/formats/report.hpp"
#include "deteval/formats/voc.hpp"
#include "deteval/voc_analysis.hpp"
#include "report_html_util.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::elements;
using test::fixture;
using test::num;
using test::q;
using test::rows_by;
using test::section;

std::size_t idx(ErrorType t) { return static_cast<std::size_t>(t); }

VocInput load_case(const std::string& name) {
  const auto d = fixture("voc/" + name);
  return load_voc({(d / "Annotations").string(), (d / "ImageSets/Main/test.txt").string(),
                   (d / "results/comp4_det_test_{class}.txt").string(), {}});
}

DotaInput load_dota_fixture() {
  const auto d = fixture("dota/basic");
  return load_dota({(d / "labelTxt").string(), "", (d / "results/Task1_{class}.txt").string(), {}});
}

// What every VOC-style analysis must satisfy, whatever the data.
void expect_consistent(const VocResult& r, const std::vector<VocClassRef>& refs, const VocAnalysis& va) {
  const Analysis& a = va.analysis;
  const std::size_t K = r.classes.size();
  const double s = a.options.score_threshold;
  // The error breakdown's base mAP is the evaluation's, bit for bit (NaN alike).
  if (std::isnan(r.map_area)) EXPECT_TRUE(std::isnan(a.errors.ap));
  else EXPECT_EQ(a.errors.ap, r.map_area);
  ASSERT_EQ(a.confusion.K, K);
  std::uint64_t fp_total = 0, errors_fp = 0;
  for (std::size_t k = 0; k < K; ++k) {
    SCOPED_TRACE(k);
    const VocClassResult& c = r.classes[k];
    EXPECT_EQ(a.errors.per_category[k].ap, c.npos ? c.ap_area : -1);
    std::uint64_t tp_s = 0, dt_s = 0, dt = 0;
    for (const VocRankedDetection& d : c.ranked) {
      if (d.outcome == VocOutcome::ignored) continue;
      ++dt;
      if (refs[k].det_score[d.detection] >= s) {
        ++dt_s;
        tp_s += d.outcome == VocOutcome::tp;
      }
    }
    const OperatingPoint& op = a.per_category[k];
    EXPECT_EQ(op.num_gt, c.npos);
    EXPECT_EQ(op.num_dt, dt);
    EXPECT_EQ(op.at_threshold.tp, tp_s);
    EXPECT_EQ(op.at_threshold.fp, dt_s - tp_s);
    // Confusion: row k sums to npos, column k to the detections >= s, diagonal = TP at s.
    std::uint64_t row = 0, col = 0;
    for (std::size_t j = 0; j <= K; ++j) {
      row += a.confusion.at(k, j);
      col += a.confusion.at(j, k);
    }
    EXPECT_EQ(row, c.npos);
    EXPECT_EQ(col, dt_s);
    EXPECT_EQ(a.confusion.at(k, k), tp_s);
    fp_total += c.fp;
    for (std::size_t t = 0; t < kErrorTypes; ++t)
      if (t != idx(ErrorType::missed)) errors_fp += a.errors.per_category[k].count[t];
    EXPECT_LE(a.errors.per_category[k].count[idx(ErrorType::missed)], c.npos - c.tp);
  }
  EXPECT_EQ(errors_fp, fp_total);  // every false positive gets exactly one type
}

TEST(VocAnalysis, ReproducesTheEvaluationAndIsConsistent) {
  const VocInput in = load_case("random_voc20_small");
  const VocResult r = voc_evaluate(in.dataset, 0.5);
  AnalysisOptions o;
  o.score_threshold = 0.3;
  o.bootstrap = 40;
  o.seed = 11;
  const VocAnalysis va = voc_analyze(in.dataset, r, o);
  EXPECT_EQ(va.iou_threshold, 0.5);
  EXPECT_EQ(va.analysis.options.iou, 0.5);
  expect_consistent(r, voc_class_refs(in.dataset), va);
  // The bootstrap's statistics on the data are voc_evaluate's, bit for bit.
  ASSERT_TRUE(va.has_bootstrap);
  EXPECT_EQ(va.bootstrap.map_voc07.value, r.map_voc07);
  EXPECT_EQ(va.bootstrap.map_area.value, r.map_area);
  EXPECT_LE(va.bootstrap.map_area.lo, va.bootstrap.map_area.hi);
  EXPECT_LT(va.bootstrap.map_area.lo, r.map_area);
  EXPECT_GT(va.bootstrap.map_area.hi, r.map_area);
  // This scene has every kind of error.
  for (std::size_t t = 0; t < kErrorTypes; ++t) EXPECT_GT(va.analysis.errors.count[t], 0u) << kErrorNames[t];
  EXPECT_GT(va.analysis.errors.delta_ap_false_positives, 0);
  EXPECT_GT(va.analysis.errors.delta_ap_false_negatives, 0);

  // Threads change nothing.
  AnalysisOptions one = o;
  one.threads = 1;
  const VocAnalysis vb = voc_analyze(in.dataset, r, one);
  EXPECT_EQ(vb.bootstrap.map_area.lo, va.bootstrap.map_area.lo);
  EXPECT_EQ(vb.bootstrap.map_voc07.hi, va.bootstrap.map_voc07.hi);
  EXPECT_EQ(vb.analysis.errors.delta_ap, va.analysis.errors.delta_ap);
  EXPECT_EQ(vb.analysis.confusion.counts, va.analysis.confusion.counts);
}

TEST(VocAnalysis, EveryConformanceCaseIsConsistent) {
  for (const char* name : {"basic_tp_fp_miss", "difficult_and_duplicates", "empty_images_and_class_coverage",
                           "iou_threshold_0_7", "ties_floats_tiny_boxes"}) {
    SCOPED_TRACE(name);
    const VocInput in = load_case(name);
    const VocResult r = voc_evaluate(in.dataset, std::string(name) == "iou_threshold_0_7" ? 0.7 : 0.5);
    AnalysisOptions o;
    o.bootstrap = 5;
    const VocAnalysis va = voc_analyze(in.dataset, r, o);
    expect_consistent(r, voc_class_refs(in.dataset), va);
    if (std::isnan(r.map_area)) EXPECT_TRUE(std::isnan(va.bootstrap.map_area.value));
    else EXPECT_EQ(va.bootstrap.map_area.value, r.map_area);
  }
}

TEST(DotaAnalysis, ReproducesTheEvaluation) {
  const DotaInput in = load_dota_fixture();
  const VocResult r = dota_evaluate(in.dataset, 0.5);
  AnalysisOptions o;
  o.bootstrap = 20;
  const VocAnalysis va = dota_analyze(in.dataset, r, o);
  expect_consistent(r, voc_class_refs(in.dataset), va);
  EXPECT_EQ(va.bootstrap.map_voc07.value, r.map_voc07);
}

// One image, classes cat and dog. Cat objects: A. Dog objects: B, C (difficult), D.
// Cat detections, one of each kind; no dog detection.
TEST(VocAnalysis, HandBuiltSceneGetsTheDocumentedTypes) {
  const VocBox A{0, 0, 99, 99}, B{200, 0, 299, 99}, C{400, 0, 499, 99}, D{600, 0, 699, 99};
  VocDataset ds;
  ds.num_images = 1;
  VocClassData cat, dog;
  cat.name = "cat";
  dog.name = "dog";
  auto gt = [](VocClassData& c, VocBox b, bool difficult) {
    c.gt_image.push_back(0);
    c.gt_box.push_back(b);
    c.gt_difficult.push_back(difficult);
  };
  gt(cat, A, false);
  gt(dog, B, false);
  gt(dog, C, true);
  gt(dog, D, false);
  auto det = [&](double score, VocBox b) {
    cat.det_image.push_back(0);
    cat.det_score.push_back(score);
    cat.det_box.push_back(b);
  };
  det(0.9, A);                    // TP
  det(0.8, A);                    // duplicate
  det(0.7, B);                    // classification (a dog never found)
  det(0.6, {0, 0, 99, 40});       // localization: IoU 0.41 with A (already matched)
  det(0.5, {900, 900, 950, 950}); // background
  det(0.4, {200, 0, 299, 40});    // both: IoU 0.41 with dog B, none with A
  det(0.3, C);                    // classification, on a difficult dog
  ds.classes = {cat, dog};
  const VocResult r = voc_evaluate(ds, 0.5);
  ASSERT_EQ(r.classes[0].tp, 1u);
  ASSERT_EQ(r.classes[0].fp, 6u);
  EXPECT_EQ(r.map_area, 0.5);  // cat 1, dog 0

  AnalysisOptions o;
  o.score_threshold = 0;
  const VocAnalysis va = voc_analyze(ds, r, o);
  const ErrorBreakdown& eb = va.analysis.errors;
  EXPECT_EQ(eb.count[idx(ErrorType::duplicate)], 1u);
  EXPECT_EQ(eb.count[idx(ErrorType::classification)], 2u);
  EXPECT_EQ(eb.count[idx(ErrorType::localization)], 1u);
  EXPECT_EQ(eb.count[idx(ErrorType::background)], 1u);
  EXPECT_EQ(eb.count[idx(ErrorType::both)], 1u);
  EXPECT_EQ(eb.count[idx(ErrorType::missed)], 1u);  // D; B is the target of a classification error
  EXPECT_EQ(eb.per_category[1].count[idx(ErrorType::missed)], 1u);
  EXPECT_EQ(eb.ap, 0.5);
  // Classification fixed: the detection on B becomes dog's TP (recall 1/2, precision 1: AP
  // 0.5), the one on the difficult C is removed; cat keeps AP 1.
  EXPECT_EQ(eb.delta_ap[idx(ErrorType::classification)], 0.25);
  EXPECT_EQ(eb.per_category[1].delta_ap[idx(ErrorType::classification)], 0.5);
  EXPECT_EQ(eb.per_category[0].delta_ap[idx(ErrorType::classification)], 0.0);
  // Localization fixed: its target A is taken, so it is removed: nothing changes.
  EXPECT_EQ(eb.delta_ap[idx(ErrorType::localization)], 0.0);
  // Every false negative removed: dog has no GT left and leaves the mean.
  EXPECT_EQ(eb.delta_ap_false_negatives, 0.5);
  // Missed (D) fixed: dog keeps one GT and no detection: still AP 0.
  EXPECT_EQ(eb.delta_ap[idx(ErrorType::missed)], 0.0);
  EXPECT_EQ(eb.per_category[1].delta_ap[idx(ErrorType::missed)], 0.0);

  // Confusion (rows cat, dog, background; columns cat, dog, missed).
  const ConfusionMatrix& cm = va.analysis.confusion;
  EXPECT_EQ(cm.counts, (std::vector<std::uint64_t>{1, 0, 0,  //
                                                   1, 0, 1,  // B taken by the cat detection; D missed
                                                   5, 0, 0}));
  // Operating point at 0: 1 TP, 6 FP, 2 FN.
  EXPECT_EQ(va.analysis.overall.at_threshold.tp, 1u);
  EXPECT_EQ(va.analysis.overall.at_threshold.fp, 6u);
  EXPECT_EQ(va.analysis.overall.at_threshold.fn, 2u);
  ASSERT_TRUE(va.analysis.overall.has_best);
  EXPECT_EQ(va.analysis.overall.best_threshold, 0.9);
}

// ---- The CLI's outputs ------------------------------------------------------------------

std::string voc_args(const std::string& name) {
  const auto d = fixture("voc/" + name);
  return "voc --annotations " + q(d / "Annotations") + " --image-set " + q(d / "ImageSets/Main/test.txt") +
         " --dets " + q(d / "results/comp4_det_test_{class}.txt");
}
std::string dota_args() {
  const auto d = fixture("dota/basic");
  return "dota --annotations " + q(d / "labelTxt") + " --dets " + q(d / "results/Task1_{class}.txt");
}

class VocReport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(DETEVAL_CLI).empty()) GTEST_SKIP() << "CLI not built";
  }
};

// Every number of the report against the --json document written by the same run.
void expect_report_equals_json(const std::string& html, const json& doc, bool bootstrap) {
  const json& an = doc.at("analysis");

  std::size_t stats = 0, cis = 0;
  for (const auto& td : elements(html, "td")) {
    if (td.count("data-stat")) {
      ++stats;
      const json& v = doc[td.at("data-stat")];
      if (v.is_null()) EXPECT_TRUE(std::isnan(num(td.at("data-v"))));
      else EXPECT_EQ(num(td.at("data-v")), v.get<double>()) << td.at("data-stat");
    }
    if (td.count("data-ci")) {
      ++cis;
      const json& iv = an["bootstrap"][td.at("data-ci")];
      EXPECT_EQ(num(td.at("data-lo")), iv["lo"].get<double>());
      EXPECT_EQ(num(td.at("data-hi")), iv["hi"].get<double>());
    }
  }
  EXPECT_EQ(stats, 2u);
  EXPECT_EQ(cis, bootstrap ? 2u : 0u);

  // Per-class table: VOC's numbers and the operating point.
  const auto cls = rows_by(section(html, "classes"), "data-k");
  const json& per_class = doc["per_class"];
  ASSERT_EQ(cls.size(), per_class.size());
  std::vector<std::string> names;
  for (const auto& [name, v] : per_class.items()) names.push_back(name);
  for (const auto& [k, cells] : cls) {
    const std::size_t ki = std::stoul(k);
    const json& pc = per_class[names.at(ki)];
    const json& op = an["operating_point"]["per_category"][ki];
    SCOPED_TRACE(names[ki]);
    EXPECT_EQ(op["name"], names[ki]);
    for (const char* f : {"npos", "num_detections", "tp", "fp", "ignored"})
      EXPECT_EQ(num(cells.at(f)), pc[f].get<double>()) << f;
    for (const char* f : {"ap_voc07", "ap_area"}) {
      if (pc[f].is_null()) EXPECT_TRUE(std::isnan(num(cells.at(f)))) << f;
      else EXPECT_EQ(num(cells.at(f)), pc[f].get<double>()) << f;
    }
    for (const char* f : {"precision", "recall", "f1"})
      EXPECT_EQ(num(cells.at(f)), op["at_threshold"][f].get<double>()) << f;
    if (op["best_f1"].is_null()) {
      EXPECT_EQ(num(cells.at("best_f1")), -1);
    } else {
      EXPECT_EQ(num(cells.at("best_f1")), op["best_f1"]["f1"].get<double>());
      EXPECT_EQ(num(cells.at("best_threshold")), op["best_f1"]["threshold"].get<double>());
    }
  }

  // Operating point, overall.
  const auto ops = rows_by(section(html, "operating"), "data-op");
  const json& overall = an["operating_point"]["overall"];
  for (const char* f : {"tp", "fp", "fn", "precision", "recall", "f1"}) {
    EXPECT_EQ(num(ops.at("at_threshold").at(std::string("at_threshold.") + f)), overall["at_threshold"][f].get<double>());
    if (!overall["best_f1"].is_null())
      EXPECT_EQ(num(ops.at("best_f1").at(std::string("best_f1.") + f)), overall["best_f1"][f].get<double>());
  }
  EXPECT_EQ(num(ops.at("at_threshold").at("at_threshold.threshold")), an["score_threshold"].get<double>());

  // Confusion matrix cells.
  const json& counts = an["confusion_matrix"]["counts"];
  std::size_t cells = 0;
  for (const auto& r : elements(html, "rect")) {
    if (!r.count("data-r")) continue;
    ++cells;
    EXPECT_EQ(std::stoull(r.at("data-n")),
              counts[std::stoul(r.at("data-r"))][std::stoul(r.at("data-c"))].get<std::uint64_t>());
  }
  EXPECT_EQ(cells, counts.size() * counts.size());

  // Errors.
  const auto errs = rows_by(section(html, "errors"), "data-err");
  for (std::size_t t = 0; t < kErrorTypes; ++t) {
    const json& e = an["errors"]["types"][kErrorNames[t]];
    EXPECT_EQ(num(errs.at(kErrorNames[t]).at("count")), e["count"].get<double>());
    EXPECT_EQ(num(errs.at(kErrorNames[t]).at("delta_ap")), e["delta_ap"].get<double>());
  }
  EXPECT_EQ(num(errs.at("false_positives").at("delta_ap")), an["errors"]["false_positives"]["delta_ap"].get<double>());
  EXPECT_EQ(num(errs.at("false_negatives").at("delta_ap")), an["errors"]["false_negatives"]["delta_ap"].get<double>());
  EXPECT_EQ(an["errors"]["ap"], doc["mAP_area"]);
}

TEST_F(VocReport, NumbersEqualTheJsonOutput) {
  test::TempDir tmp;
  const auto r = test::run_cli(voc_args("random_voc20_small") + " --json " + q(tmp / "out.json") + " --report " +
                               q(tmp / "report.html") + " --bootstrap 50 --seed 3 --score-thr 0.4 --analyze");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(test::slurp(tmp / "out.json"));
  const std::string html = test::slurp(tmp / "report.html");
  expect_report_equals_json(html, doc, true);
  EXPECT_EQ(doc["analysis"]["bootstrap"]["replicates"], 50);
  EXPECT_EQ(doc["analysis"]["bootstrap"]["mAP_area"]["value"], doc["mAP_area"]);
  EXPECT_EQ(doc["analysis"]["bootstrap"]["mAP_voc07"]["value"], doc["mAP_voc07"]);
  EXPECT_EQ(doc["analysis"]["iou_threshold"], 0.5);
  EXPECT_EQ(doc["analysis"]["score_threshold"], 0.4);
  // The printed analysis too.
  EXPECT_NE(r.out.find("Analysis (IoU > 0.5)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Bootstrap 95% intervals (50 image resamples, seed 3)"), std::string::npos);
  // Self-contained: the only URL is the SVG namespace.
  std::string rest = html;
  for (std::size_t p; (p = rest.find("http://www.w3.org/2000/svg")) != std::string::npos;) rest.erase(p, 26);
  for (const char* bad : {"http://", "https://", "<link", "@import", "url(", " src=", "<iframe", "<img"})
    EXPECT_EQ(rest.find(bad), std::string::npos) << bad;
}

TEST_F(VocReport, DotaNumbersEqualTheJsonOutput) {
  test::TempDir tmp;
  const auto r = test::run_cli(dota_args() + " --json " + q(tmp / "out.json") + " --report " + q(tmp / "report.html") +
                               " --curves " + q(tmp / "curves.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(test::slurp(tmp / "out.json"));
  expect_report_equals_json(test::slurp(tmp / "report.html"), doc, false);
  EXPECT_TRUE(doc["per_class"]["harbor"]["ap_area"].is_null());  // the NaN row is in the table too
  EXPECT_NE(test::slurp(tmp / "report.html").find("DOTA Task 1 evaluation"), std::string::npos);

  const DotaInput in = load_dota_fixture();
  const VocResult vr = dota_evaluate(in.dataset, 0.5);
  const json cj = json::parse(test::slurp(tmp / "curves.json"));
  std::size_t n = 0;
  for (std::size_t k = 0; k < vr.classes.size(); ++k) {
    if (vr.classes[k].npos == 0) continue;
    const json& c = cj["curves"][n++];
    EXPECT_EQ(c["class"], in.dataset.classes[k].name);
    EXPECT_EQ(c["recall"].get<std::vector<double>>(), vr.classes[k].recall);
    EXPECT_EQ(c["precision"].get<std::vector<double>>(), vr.classes[k].precision);
  }
  EXPECT_EQ(cj["curves"].size(), n);
}

// The CSV and JSON curve exports against the library's arrays.
TEST_F(VocReport, CurveExportsAreVocArrays) {
  test::TempDir tmp;
  const std::string base = voc_args("difficult_and_duplicates");
  ASSERT_EQ(test::run_cli(base + " --curves " + q(tmp / "c.csv")).exit_code, 0);
  ASSERT_EQ(test::run_cli(base + " --curves " + q(tmp / "c.json")).exit_code, 0);
  const VocInput in = load_case("difficult_and_duplicates");
  const VocResult r = voc_evaluate(in.dataset, 0.5);

  std::istringstream csv(test::slurp(tmp / "c.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "class,rank,image,score,outcome,recall,precision");
  const char* names[] = {"ignored", "tp", "fp"};  // by Outcome
  std::size_t rows = 0, expected_rows = 0;
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const VocClassResult& c = r.classes[k];
    const VocClassData& d = in.dataset.classes[k];
    if (c.npos == 0) continue;
    for (std::size_t i = 0; i < c.ranked.size(); ++i, ++expected_rows) {
      ASSERT_TRUE(std::getline(csv, line));
      std::vector<std::string> f;
      std::stringstream ls(line);
      for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
      ASSERT_EQ(f.size(), 7u) << line;
      EXPECT_EQ(f[0], d.name);
      EXPECT_EQ(std::stoul(f[1]), i + 1);
      EXPECT_EQ(f[2], in.images.ids[d.det_image[c.ranked[i].detection]]);
      EXPECT_EQ(std::stod(f[3]), d.det_score[c.ranked[i].detection]);
      EXPECT_EQ(f[4], names[static_cast<int>(c.ranked[i].outcome)]);
      EXPECT_EQ(std::stod(f[5]), c.recall[i]) << line;
      EXPECT_EQ(std::stod(f[6]), c.precision[i]) << line;
      ++rows;
    }
  }
  EXPECT_FALSE(std::getline(csv, line)) << line;
  EXPECT_EQ(rows, expected_rows);
  EXPECT_GT(rows, 0u);

  const json cj = json::parse(test::slurp(tmp / "c.json"));
  EXPECT_EQ(cj["iou_threshold"], 0.5);
  std::size_t n = 0;
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const VocClassResult& c = r.classes[k];
    if (c.npos == 0) continue;
    const json& j = cj["curves"][n++];
    EXPECT_EQ(j["class"], in.dataset.classes[k].name);
    EXPECT_EQ(j["npos"], c.npos);
    EXPECT_EQ(j["recall"].get<std::vector<double>>(), c.recall);
    EXPECT_EQ(j["precision"].get<std::vector<double>>(), c.precision);
    EXPECT_EQ(j["ap_voc07"].get<double>(), c.ap_voc07);
    ASSERT_EQ(j["outcome"].size(), c.ranked.size());
    for (std::size_t i = 0; i < c.ranked.size(); ++i)
      EXPECT_EQ(j["outcome"][i], names[static_cast<int>(c.ranked[i].outcome)]);
  }
  EXPECT_EQ(cj["curves"].size(), n);
}

TEST_F(VocReport, AnalysesAreOptInAndValidated) {
  test::TempDir tmp;
  const std::string base = voc_args("basic_tp_fp_miss");
  const auto plain = test::run_cli(base + " --json " + q(tmp / "plain.json"));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(json::parse(test::slurp(tmp / "plain.json")).contains("analysis"));
  // A report (or curves) changes nothing on stdout; the --json document gains "analysis" only.
  const auto rep = test::run_cli(base + " --json " + q(tmp / "a.json") + " --report " + q(tmp / "r.html"));
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_EQ(rep.out, plain.out);
  json a = json::parse(test::slurp(tmp / "a.json"));
  ASSERT_TRUE(a.contains("analysis"));
  a.erase("analysis");
  EXPECT_EQ(a.dump(), json::parse(test::slurp(tmp / "plain.json")).dump());

  auto r = test::run_cli(base + " --json " + q(tmp / "x.json") + " --curves " + q(tmp / "c.txt"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--curves"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp / "c.txt"));
  EXPECT_FALSE(std::filesystem::exists(tmp / "x.json"));
  r = test::run_cli(base + " --bootstrap -1");
  EXPECT_EQ(r.exit_code, 2);
  r = test::run_cli(dota_args() + " --curves " + q(tmp / "d.txt"));
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace deteval
