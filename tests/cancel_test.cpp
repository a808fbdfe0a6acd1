// Cancellation (deteval/cancel.hpp): a set flag stops evaluate(), the analyses, the COCO
// readers and the segmentation metrics with Cancelled (ErrorKind::cancelled), from inside
// every stage; an unset flag changes no result, and a cancelled run leaves nothing behind
// that changes the next one.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>
#include <functional>
#include <string>
#include <vector>

#include "deteval/analysis.hpp"
#include "deteval/cancel.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/panoptic.hpp"
#include "deteval/semantic.hpp"
#include "test_util.hpp"

extern char** environ;

namespace deteval {
namespace {

struct Data {
  GroundTruth gt;
  Detections dt;
};

Data load(const std::string& c, IouType type) {
  Data d;
  const auto dir = test::fixture("coco/" + c);
  d.gt = read_coco_gt((dir / "gt.json").string(), type);
  d.dt = read_coco_results((dir / "dt.json").string(), d.gt, type);
  return d;
}

void expect_same(const Evaluation& a, const Evaluation& b) {
  // Bit-identical, not merely close: the flag must not change any arithmetic.
  ASSERT_EQ(a.precision.size(), b.precision.size());
  EXPECT_EQ(0, std::memcmp(a.precision.data(), b.precision.data(), a.precision.size() * sizeof(double)));
  EXPECT_EQ(0, std::memcmp(a.recall.data(), b.recall.data(), a.recall.size() * sizeof(double)));
  EXPECT_EQ(0, std::memcmp(a.scores.data(), b.scores.data(), a.scores.size() * sizeof(double)));
  EXPECT_EQ(a.image_evals.size(), b.image_evals.size());
  EXPECT_EQ(a.dt_match.size(), b.dt_match.size());
  EXPECT_TRUE(std::equal(a.dt_match.begin(), a.dt_match.end(), b.dt_match.begin()));
}

void expect_cancelled(const std::function<void()>& f) {
  try {
    f();
    ADD_FAILURE() << "expected Cancelled";
  } catch (const Cancelled& e) {
    EXPECT_EQ(e.kind(), ErrorKind::cancelled);
    EXPECT_STREQ(to_string(e.kind()), "cancelled");
  }
}

class CancelEvaluate : public ::testing::TestWithParam<IouType> {};

TEST_P(CancelEvaluate, UnsetFlagChangesNothing) {
  const Data d = load("random_large_1000img", GetParam());
  const Params p(GetParam());
  const Evaluation plain = evaluate(d.gt, d.dt, p);
  CancelFlag flag{false};
  EvalOptions o;
  o.cancel = &flag;  // segm: the CPU counts in slices then
  o.device = Device::cpu;
  expect_same(plain, evaluate(d.gt, d.dt, p, o));
}

TEST_P(CancelEvaluate, SetFlagStopsEveryStageFromInside) {
  const Data d = load("random_large_1000img", GetParam());
  const Params p(GetParam());
  const Evaluation plain = evaluate(d.gt, d.dt, p);
  for (const std::string stage : {"cells", "iou", "matching", "accumulation"}) {
    SCOPED_TRACE(stage);
    CancelFlag flag{false};
    EvalOptions o;
    o.cancel = &flag;
    o.device = Device::cpu;
    std::vector<std::string> seen;
    // Set as the stage starts, after evaluate()'s check between stages: the stage's own
    // checks (per cell, per task, per category) must stop it.
    o.on_stage = [&](const char* s) {
      seen.emplace_back(s);
      if (s == stage) flag = true;
    };
    expect_cancelled([&] { evaluate(d.gt, d.dt, p, o); });
    EXPECT_EQ(seen.back(), stage);  // no later stage started
  }
  // Nothing of the cancelled runs is left to change the next one.
  expect_same(plain, evaluate(d.gt, d.dt, p));
}

INSTANTIATE_TEST_SUITE_P(Types, CancelEvaluate, ::testing::Values(IouType::bbox, IouType::segm),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Cancel, AnalysesStop) {
  const Data d = load("random_medium_200img", IouType::bbox);
  const Evaluation ev = evaluate(d.gt, d.dt, Params(IouType::bbox));
  CancelFlag flag{false};
  AnalysisOptions o;
  o.cancel = &flag;
  o.bootstrap = 20;
  const Analysis a = analyze(d.gt, d.dt, ev, o);  // unset: runs to the end
  EXPECT_TRUE(a.has_bootstrap);
  flag = true;
  expect_cancelled([&] { analyze(d.gt, d.dt, ev, o); });
  expect_cancelled([&] { bootstrap_ap(d.gt, d.dt, ev, 20, 0, 0, &flag); });
}

TEST(Cancel, ReadersStop) {
  const auto dir = test::fixture("coco/random_large_1000img");
  for (const IouType type : {IouType::bbox, IouType::segm}) {
    SCOPED_TRACE(to_string(type));
    CancelFlag flag{false};
    CocoReadOptions o;
    o.cancel = &flag;
    const GroundTruth gt = read_coco_gt((dir / "gt.json").string(), type, o);
    const Detections dt = read_coco_results((dir / "dt.json").string(), gt, type, nullptr, o);
    EXPECT_EQ(gt.size(), read_coco_gt((dir / "gt.json").string(), type).size());
    EXPECT_EQ(dt.score, read_coco_results((dir / "dt.json").string(), gt, type).score);
    flag = true;
    expect_cancelled([&] { read_coco_gt((dir / "gt.json").string(), type, o); });
    expect_cancelled([&] { read_coco_results((dir / "dt.json").string(), gt, type, nullptr, o); });
    const std::string text = test::slurp(dir / "dt.json");
    expect_cancelled([&] { parse_coco_results(text, "dt.json", gt, type, nullptr, o); });
  }
}

TEST(Cancel, SegmentationMetricsStop) {
  CancelFlag flag{true};
  const std::vector<std::uint32_t> ids(16, 1);
  std::vector<PanopticSegment> segs(1);
  segs[0].id = 1;
  segs[0].category_id = 1;
  PanopticImageView v;
  v.gt = {ids.data(), 4, 4};
  v.pred = {ids.data(), 4, 4};
  v.gt_segments = segs;
  v.pred_segments = segs;
  const std::vector<PanopticImageView> views(8, v);
  const std::vector<PanopticCategory> cats{{1, true, "thing"}};
  EXPECT_EQ(evaluate_panoptic(cats, views).per_class.size(), 1u);
  expect_cancelled([&] { evaluate_panoptic(cats, views, 0, &flag); });

  const std::vector<std::uint8_t> px(16, 0);
  const LabelView lv{px.data(), 4, 4, 1};
  const std::vector<LabelPair> pairs(8, LabelPair{lv, lv});
  EXPECT_FALSE(evaluate_labels(pairs, 2).issue_image);
  expect_cancelled([&] { evaluate_labels(pairs, 2, 255, 0, &flag); });
}

// Whether `pid` catches `sig` (its SigCgt mask in /proc): the command's handler is in place.
bool catches(pid_t pid, int sig) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("SigCgt:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> (sig - 1)) & 1;
  return false;
}

// `deteval coco ... --json out.json` with a bootstrap that would run for minutes, stopped
// by `sig` once its handler is in place: exit 128 + sig, and no file (not even the atomic
// writer's temporary one) in the output directory.
void expect_clean_stop(int sig) {
  test::TempDir tmp;
  const auto dir = test::fixture("coco/random_medium_200img");
  const std::string gt = (dir / "gt.json").string(), dt = (dir / "dt.json").string(),
                    out = (tmp / "out.json").string();
  std::vector<std::string> args{DETEVAL_CLI, "coco", "--gt", gt, "--dt", dt, "--json", out,
                                "--bootstrap", "1000000", "--threads", "1", "--quiet", "--no-per-class"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, (tmp / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  ASSERT_EQ(0, posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ));
  posix_spawn_file_actions_destroy(&fa);
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (!catches(pid, sig) && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // into reading, evaluating or the bootstrap
  ::kill(pid, sig);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL() << "the command did not stop";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 128 + sig);
  EXPECT_NE(test::slurp(tmp / "err").find("interrupted"), std::string::npos) << test::slurp(tmp / "err");
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path()))
    if (e.path().filename() != "err") left.push_back(e.path().filename().string());
  EXPECT_TRUE(left.empty()) << left.front();
}

TEST(CancelCli, CtrlCStopsCleanly) { expect_clean_stop(SIGINT); }
TEST(CancelCli, SigtermStopsCleanly) { expect_clean_stop(SIGTERM); }

}  // namespace
}  // namespace deteval
