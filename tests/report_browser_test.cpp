// Opens the HTML report in headless Chromium: the charts must render (SVG
// elements with data), without console errors, and a screenshot is kept as a
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

}  // namespace
}  // namespace deteval
