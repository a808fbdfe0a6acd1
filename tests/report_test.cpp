// The analysis outputs of `deteval coco`: numbers in the HTML report equal the
// --json document, curve exports equal the evaluation's precision arrays, and the
// report is self-contained.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "deteval/analysis.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/report.hpp"
#include "deteval/summary.hpp"
#include "report_html_util.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::fixture;
using test::q;

using test::elements;
using test::num;
using test::rows_by;
using test::section;

struct Outputs {
  json doc;
  std::string html, csv, curves_json, out;
};

Outputs run_medium(const std::string& extra) {
  const auto dir = fixture("coco/random_medium_200img");
  test::TempDir tmp;
  const auto r = test::run_cli("coco --gt " + q(dir / "gt.json") + " --dt " + q(dir / "dt.json") + " --json " +
                               q(tmp / "out.json") + " --report " + q(tmp / "report.html") + " --curves " +
                               q(tmp / "curves.csv") + " " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto r2 = test::run_cli("coco --gt " + q(dir / "gt.json") + " --dt " + q(dir / "dt.json") + " --curves " +
                                q(tmp / "curves.json"));
  EXPECT_EQ(r2.exit_code, 0) << r2.err;
  Outputs o;
  o.doc = json::parse(test::slurp(tmp / "out.json"));
  o.html = test::slurp(tmp / "report.html");
  o.csv = test::slurp(tmp / "curves.csv");
  o.curves_json = test::slurp(tmp / "curves.json");
  o.out = r.out;
  return o;
}

const Outputs& medium() {
  static const Outputs o = run_medium("--bootstrap 50 --seed 3 --score-thr 0.4 --analyze");
  return o;
}

TEST(Report, NumbersEqualTheJsonOutput) {
  const Outputs& o = medium();
  const json& doc = o.doc;
  const json& an = doc.at("analysis");
  const std::string& html = o.html;

  // Summary and bootstrap intervals.
  std::size_t stats = 0;
  for (const auto& td : elements(html, "td")) {
    if (td.count("data-stat")) {
      ++stats;
      EXPECT_EQ(num(td.at("data-v")), doc["stats"][td.at("data-stat")].get<double>()) << td.at("data-stat");
    }
    if (td.count("data-ci")) {
      const json& iv = an["bootstrap"][td.at("data-ci")];
      EXPECT_EQ(num(td.at("data-lo")), iv["lo"].get<double>());
      EXPECT_EQ(num(td.at("data-hi")), iv["hi"].get<double>());
    }
  }
  EXPECT_EQ(stats, 12u);
  EXPECT_EQ(an["bootstrap"]["replicates"], 50);
  EXPECT_NE(html.find("data-ci=\"AP\""), std::string::npos);

  // Per-class table: COCO figures and the operating point.
  const auto cls = rows_by(section(html, "classes"), "data-k");
  ASSERT_EQ(cls.size(), doc["per_category"].size());
  for (const auto& [k, cells] : cls) {
    const json& pc = doc["per_category"][std::stoul(k)];
    const json& op = an["operating_point"]["per_category"][std::stoul(k)];
    EXPECT_EQ(num(cells.at("id")), pc["id"].get<double>());
    for (const char* f : {"AP", "AP50", "AP75", "AR100"}) EXPECT_EQ(num(cells.at(f)), pc[f].get<double>()) << f;
    EXPECT_EQ(num(cells.at("num_gt")), op["num_gt"].get<double>());
    EXPECT_EQ(num(cells.at("num_dt")), op["num_dt"].get<double>());
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
    EXPECT_EQ(num(ops.at("best_f1").at(std::string("best_f1.") + f)), overall["best_f1"][f].get<double>());
  }
  EXPECT_EQ(num(ops.at("at_threshold").at("at_threshold.threshold")), 0.4);
  EXPECT_EQ(num(ops.at("best_f1").at("best_f1.threshold")), overall["best_f1"]["threshold"].get<double>());

  // Confusion matrix cells.
  const json& counts = an["confusion_matrix"]["counts"];
  std::size_t cells = 0;
  for (const auto& r : elements(html, "rect")) {
    if (!r.count("data-r")) continue;
    ++cells;
    EXPECT_EQ(std::stoull(r.at("data-n")), counts[std::stoul(r.at("data-r"))][std::stoul(r.at("data-c"))].get<std::uint64_t>());
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

  // The printed analysis agrees too.
  EXPECT_NE(o.out.find("Analysis (IoU=0.50, area=all, maxDets=100)"), std::string::npos);
  EXPECT_NE(o.out.find("Bootstrap 95% intervals (50 image resamples, seed 3)"), std::string::npos);
}

TEST(Report, SelfContained) {
  const std::string& html = medium().html;
  // The only URL is the SVG namespace the script creates elements in.
  std::string rest = html;
  for (std::size_t p; (p = rest.find("http://www.w3.org/2000/svg")) != std::string::npos;) rest.erase(p, 26);
  for (const char* bad : {"http://", "https://", "<link", "@import", "url(", " src=", "<iframe", "<img"})
    EXPECT_EQ(rest.find(bad), std::string::npos) << bad;
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find("name=viewport"), std::string::npos);
}

TEST(Report, AnalysesAreOptInAndValidated) {
  const auto dir = fixture("coco/basic_mixed_sizes");
  test::TempDir tmp;
  const std::string base = "coco --gt " + q(dir / "gt.json") + " --dt " + q(dir / "dt.json");
  auto r = test::run_cli(base + " --json " + q(tmp / "plain.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(json::parse(test::slurp(tmp / "plain.json")).contains("analysis"));
  EXPECT_EQ(r.out.find("Analysis ("), std::string::npos);

  r = test::run_cli(base + " --curves " + q(tmp / "c.txt"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--curves"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp / "c.txt"));
  r = test::run_cli(base + " --analysis-iou 0.72 --report " + q(tmp / "r.html"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--analysis-iou"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp / "r.html"));
  r = test::run_cli(base + " --bootstrap -1");
  EXPECT_EQ(r.exit_code, 2);

  // --no-cats: one pooled "class"; every output still renders.
  r = test::run_cli(base + " --no-cats --analyze --json " + q(tmp / "nc.json") + " --report " + q(tmp / "nc.html") +
                    " --curves " + q(tmp / "nc.json.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json nc = json::parse(test::slurp(tmp / "nc.json"));
  EXPECT_EQ(nc["analysis"]["confusion_matrix"]["counts"].size(), 2u);
  EXPECT_NE(test::slurp(tmp / "nc.html").find("id=pr-chart"), std::string::npos);
}

// Curve exports against the library's precision arrays.
TEST(Curves, ExportsArePrecisionArrays) {
  const auto dir = fixture("coco/random_medium_200img");
  const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), IouType::bbox);
  const Detections dt = read_coco_results((dir / "dt.json").string(), gt, IouType::bbox);
  const Evaluation e = evaluate(gt, dt, Params{});
  const std::size_t m = e.M - 1;
  std::map<std::string, std::size_t> area_of;
  for (std::size_t a = 0; a < e.A; ++a) area_of[e.params.area_ranges[a].label] = a;
  std::map<std::int64_t, std::size_t> cat_of;
  for (std::size_t k = 0; k < e.K; ++k) cat_of[e.category_ids[k]] = k;

  // Expected precision of (category or overall, iou label, area, r).
  auto expected = [&](std::ptrdiff_t k, const std::string& iou, std::size_t a, std::size_t r) {
    std::vector<std::size_t> ts;
    if (iou == "0.50") ts = {0};
    else if (iou == "0.75") ts = {5};
    else for (std::size_t t = 0; t < e.T; ++t) ts.push_back(t);
    auto for_cat = [&](std::size_t kk) {
      std::vector<double> v;
      for (std::size_t t : ts) v.push_back(e.precision_at(t, r, kk, a, m));
      return mean_valid(v);
    };
    if (k >= 0) return for_cat(static_cast<std::size_t>(k));
    std::vector<double> v;
    for (std::size_t kk = 0; kk < e.K; ++kk) v.push_back(for_cat(kk));
    return mean_valid(v);
  };

  // CSV (the CLI's file): every row.
  const Outputs& o = medium();
  std::istringstream in(o.csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "category_id,category,iou,area,max_dets,recall,precision,score");
  std::size_t rows = 0;
  std::set<std::string> seen;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    if (line.back() == ',') f.emplace_back();
    ASSERT_EQ(f.size(), 8u) << line;
    const std::ptrdiff_t k = f[0].empty() ? -1 : static_cast<std::ptrdiff_t>(cat_of.at(std::stoll(f[0])));
    const std::size_t a = area_of.at(f[3]);
    const std::size_t r = static_cast<std::size_t>(std::llround(std::stod(f[5]) * 100));
    EXPECT_EQ(std::stod(f[5]), e.params.rec_thrs[r]);
    EXPECT_EQ(std::stoi(f[4]), 100);
    EXPECT_EQ(std::stod(f[6]), expected(k, f[2], a, r)) << line;
    if (k >= 0 && f[2] != "0.50:0.95")
      EXPECT_EQ(std::stod(f[7]), e.score_at(f[2] == "0.50" ? 0 : 5, r, static_cast<std::size_t>(k), a, m)) << line;
    else
      EXPECT_TRUE(f[7].empty()) << line;
    seen.insert(f[1] + "|" + f[2] + "|" + f[3]);
    ++rows;
  }
  // 10 categories + overall, 3 IoU selections, 4 areas, all defined in this fixture.
  EXPECT_EQ(seen.size(), 11u * 3 * 4);
  EXPECT_EQ(rows, seen.size() * e.R);

  // JSON (the CLI's file).
  const json cj = json::parse(o.curves_json);
  EXPECT_EQ(cj["rec_thrs"].get<std::vector<double>>(), e.params.rec_thrs);
  ASSERT_EQ(cj["curves"].size(), seen.size());
  for (const json& c : cj["curves"]) {
    const std::ptrdiff_t k = c["category_id"].is_null() ? -1
                                                        : static_cast<std::ptrdiff_t>(cat_of.at(c["category_id"].get<std::int64_t>()));
    const std::size_t a = area_of.at(c["area"].get<std::string>());
    const auto p = c["precision"].get<std::vector<double>>();
    ASSERT_EQ(p.size(), e.R);
    for (std::size_t r = 0; r < e.R; ++r) EXPECT_EQ(p[r], expected(k, c["iou"].get<std::string>(), a, r));
  }
}

}  // namespace
}  // namespace deteval
