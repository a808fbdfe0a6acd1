// Opens the HTML reports (deteval coco, voc, dota) in headless Chromium: the charts must
// render (SVG elements with data), without console errors, and a screenshot is kept as a
// test artifact (${build}/artifacts/). Skipped when no Chromium is installed
// (Debian: package `chromium`); DETEVAL_CHROMIUM names another binary.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <regex>

#include "test_util.hpp"

namespace deteval {
namespace {

using test::q;

std::string find_chromium() {
  if (const char* env = std::getenv("DETEVAL_CHROMIUM"); env && *env) return env;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
      const auto p = std::filesystem::path(dir) / name;
      if (::access(p.c_str(), X_OK) == 0) return p.string();
    }
  return {};
}

struct Browser {
  std::string bin;
  test::TempDir profile;

  // Runs Chromium headless on `page` with `args`; returns the exit code, stdout to `out`, stderr to `err`.
  int run(const std::string& page, const std::string& args, std::string& out, std::string& err) {
    test::TempDir tmp;
    const std::string cmd = "timeout 120 " + q(bin) +
                            " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
                            " --disable-extensions --hide-scrollbars --enable-logging=stderr --v=0"
                            " --user-data-dir=" + q(profile.path()) + " " + args + " " +
                            q("file://" + page) + " >" + q(tmp / "out") + " 2>" + q(tmp / "err");
    const int status = std::system(cmd.c_str());
    out = test::slurp(tmp / "out");
    err = test::slurp(tmp / "err");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

std::filesystem::path artifacts() {
  const std::filesystem::path dir = DETEVAL_ARTIFACT_DIR;
  std::filesystem::create_directories(dir);
  return dir;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = 0; (p = s.find(what, p)) != std::string::npos; p += what.size()) ++n;
  return n;
}

// The rendered DOM of `report`, checked; a screenshot saved as artifacts/<shot>.
void check_report(const std::filesystem::path& report, const std::string& shot, std::size_t classes) {
  Browser b{find_chromium(), {}};
  std::string dom, err;
  ASSERT_EQ(b.run(report.string(), "--virtual-time-budget=5000 --dump-dom", dom, err), 0) << err;

  // No console output at all (the report logs nothing; errors show as CONSOLE lines),
  // and the page's own error hook saw nothing.
  std::smatch m;
  const std::regex console("CONSOLE[^\\n]*");
  EXPECT_FALSE(std::regex_search(err, m, console)) << m.str();
  EXPECT_EQ(dom.find("data-errors=\""), std::string::npos) << "errors caught by the page";
  EXPECT_NE(dom.find("data-rendered=\"1\""), std::string::npos) << "the script did not finish";

  // Both line charts drew series with points: PR (3 IoU selections) and F1 (F1, P, R).
  for (const char* id : {"pr-chart", "f1-chart"}) {
    const auto at = dom.find(std::string("id=\"") + id + "\"");
    ASSERT_NE(at, std::string::npos) << id;
    const std::string svg = dom.substr(at, dom.find("</svg>", at) - at);
    EXPECT_NE(svg.find("data-series=\"3\""), std::string::npos) << id;
    EXPECT_EQ(count(svg, "<polyline"), 3u) << id;
    const std::regex pts("data-n=\"([0-9]+)\"");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), pts); it != std::sregex_iterator(); ++it)
      EXPECT_GE(std::stoi((*it)[1]), 50) << id;
    EXPECT_GE(count(svg, "<text"), 10u) << id << ": axes and labels";
  }
  // Heat map and error bars; one chart per kind however many classes (a picker, not K charts).
  // Classes with neither GT nor detections may be left out of a large heat map.
  const std::size_t cells = count(dom, "class=\"cm-cell\"");
  const auto side = static_cast<std::size_t>(std::lround(std::sqrt(static_cast<double>(cells))));
  EXPECT_EQ(side * side, cells);
  EXPECT_GE(side, classes > 20 ? 3u : classes + 1);
  EXPECT_LE(side, classes + 1);
  EXPECT_EQ(count(dom, "class=\"err-bar\""), 8u);
  EXPECT_EQ(count(dom, "<svg"), 4u);
  EXPECT_EQ(count(dom, "<option value=\""), classes + 1 + 4);  // classes + "all", 4 area ranges

  std::string out;
  const auto png = artifacts() / shot;
  std::filesystem::remove(png);
  ASSERT_EQ(b.run(report.string(), "--virtual-time-budget=5000 --window-size=1280,4200 --screenshot=" + q(png), out, err), 0)
      << err;
  ASSERT_TRUE(std::filesystem::exists(png));
  EXPECT_GT(std::filesystem::file_size(png), 20000u);
}

class ReportBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_chromium().empty()) GTEST_SKIP() << "chromium not installed (Debian package: chromium)";
  }
};

TEST_F(ReportBrowser, ChartsRenderWithoutErrors) {
  const auto dir = test::fixture("coco/random_medium_200img");
  test::TempDir tmp;
  const auto r = test::run_cli("coco --gt " + q(dir / "gt.json") + " --dt " + q(dir / "dt.json") +
                               " --bootstrap 50 --report " + q(tmp / "report.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  check_report(tmp / "report.html", "report.png", 10);

  // Picking a class (here through the link form #class=<index>) redraws both charts for it.
  Browser b{find_chromium(), {}};
  std::string dom, err;
  const auto page = tmp / "report.html";
  ASSERT_EQ(b.run(page.string() + "#class=2", "--virtual-time-budget=5000 --dump-dom", dom, err), 0) << err;
  EXPECT_NE(dom.find("<title>Precision-recall, car, area all</title>"), std::string::npos);
  EXPECT_NE(dom.find("<title>F1 vs score threshold, car</title>"), std::string::npos);
  EXPECT_NE(dom.find("<tr data-k=\"2\" class=\"sel\">"), std::string::npos);
}

TEST_F(ReportBrowser, EightyClassesStayUsable) {
  const auto dir = test::fixture("coco/noncontiguous_ids");
  test::TempDir tmp;
  const auto r = test::run_cli("coco --gt " + q(dir / "gt.json") + " --dt " + q(dir / "dt.json") + " --report " +
                               q(tmp / "report.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  check_report(tmp / "report.html", "report_80_classes.png", 80);
}

// The rendered DOM of a VOC-style report, opened at `hash`, checked for errors; returns it.
std::string voc_dom(const std::filesystem::path& report, const std::string& hash) {
  Browser b{find_chromium(), {}};
  std::string dom, err;
  EXPECT_EQ(b.run(report.string() + hash, "--virtual-time-budget=5000 --dump-dom", dom, err), 0) << err;
  std::smatch m;
  const std::regex console("CONSOLE[^\\n]*");
  EXPECT_FALSE(std::regex_search(err, m, console)) << m.str();
  EXPECT_EQ(dom.find("data-errors=\""), std::string::npos) << "errors caught by the page";
  EXPECT_NE(dom.find("data-rendered=\"1\""), std::string::npos) << "the script did not finish";
  return dom;
}

std::string chart(const std::string& dom, const std::string& id) {
  const auto at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  return dom.substr(at, dom.find("</svg>", at) - at);
}

std::vector<int> series_points(const std::string& svg) {
  std::vector<int> n;
  const std::regex pts("data-n=\"([0-9]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), pts); it != std::sregex_iterator(); ++it)
    n.push_back(std::stoi((*it)[1]));
  return n;
}

TEST_F(ReportBrowser, VocChartsRenderWithoutErrors) {
  const auto d = test::fixture("voc/random_voc20_small");
  test::TempDir tmp;
  const auto page = tmp / "report.html";
  const auto r = test::run_cli("voc --annotations " + q(d / "Annotations") + " --image-set " +
                               q(d / "ImageSets/Main/test.txt") + " --dets " +
                               q(d / "results/comp4_det_test_{class}.txt") + " --bootstrap 50 --report " + q(page));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // One class (person, index 14): VOC's curve, its envelope and the 11 points.
  std::string dom = voc_dom(page, "#class=14");
  std::string pr = chart(dom, "pr-chart");
  EXPECT_NE(pr.find("data-series=\"3\""), std::string::npos);
  EXPECT_NE(pr.find("<title>Precision-recall, person</title>"), std::string::npos);
  EXPECT_EQ(count(pr, "<polyline"), 3u);
  for (int n : series_points(pr)) EXPECT_GE(n, 5);
  EXPECT_EQ(count(pr, "class=\"dot\""), 11u);
  const std::string f1 = chart(dom, "f1-chart");
  EXPECT_NE(f1.find("data-series=\"3\""), std::string::npos);
  for (int n : series_points(f1)) EXPECT_GE(n, 50);
  EXPECT_NE(dom.find("<tr data-k=\"14\" class=\"sel\">"), std::string::npos);
  // 20 classes + background/missed, 8 error bars, 4 charts, a class picker and no area picker.
  EXPECT_EQ(count(dom, "class=\"cm-cell\""), 21u * 21u);
  EXPECT_EQ(count(dom, "class=\"err-bar\""), 8u);
  EXPECT_EQ(count(dom, "<svg"), 4u);
  EXPECT_EQ(count(dom, "<option value=\""), 21u);
  EXPECT_EQ(dom.find("id=\"area-picker\""), std::string::npos);

  // All classes: the mean envelope (101 points) and the mean 11 points.
  dom = voc_dom(page, "");
  pr = chart(dom, "pr-chart");
  EXPECT_NE(pr.find("data-series=\"2\""), std::string::npos);
  EXPECT_EQ(series_points(pr), (std::vector<int>{101, 11}));

  Browser b{find_chromium(), {}};
  std::string out, err;
  const auto png = artifacts() / "report_voc.png";
  std::filesystem::remove(png);
  ASSERT_EQ(b.run(page.string() + "#class=14", "--virtual-time-budget=5000 --window-size=1280,4200 --screenshot=" + q(png), out, err), 0)
      << err;
  ASSERT_TRUE(std::filesystem::exists(png));
  EXPECT_GT(std::filesystem::file_size(png), 20000u);
}

TEST_F(ReportBrowser, DotaChartsRenderWithoutErrors) {
  const auto d = test::fixture("dota/basic");
  test::TempDir tmp;
  const auto page = tmp / "report.html";
  const auto r = test::run_cli("dota --annotations " + q(d / "labelTxt") + " --dets " +
                               q(d / "results/Task1_{class}.txt") + " --report " + q(page));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string dom = voc_dom(page, "");
  EXPECT_NE(chart(dom, "pr-chart").find("data-series=\"2\""), std::string::npos);
  EXPECT_NE(chart(dom, "f1-chart").find("data-series=\"3\""), std::string::npos);
  EXPECT_EQ(count(dom, "class=\"cm-cell\""), 5u * 5u);  // 4 classes
  // harbor (index 1) has no ground truth: no curve, and the caption says so.
  const std::string harbor = voc_dom(page, "#class=1");
  EXPECT_NE(chart(harbor, "pr-chart").find("data-series=\"0\""), std::string::npos);
  EXPECT_NE(harbor.find("No ground truth for harbor: no curve."), std::string::npos);
}

}  // namespace
}  // namespace deteval
