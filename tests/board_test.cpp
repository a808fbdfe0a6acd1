// `deteval board`: the commands end to end, as a front end drives them. Covers every
// refusal, leaderboard order and ties, equality with `deteval coco` on the same images,
// concurrent submitters, scorers killed mid-submission, copy detection and grades.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <map>
#include <set>
#include <thread>

#include "deteval/board/sha256.hpp"
#include "board_backend.hpp"
#include "board_test_data.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::q;
using test::run_cli;
using test::RunResult;

using test::Data;
using test::make_data;

json parse_out(const RunResult& r) {
  try {
    return json::parse(r.out);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << r.out << "\nstderr: " << r.err;
    return json();
  }
}

using test::Sql;

class BoardTest : public ::testing::Test {
 protected:
  test::TempDir tmp;
  test::BoardPlace place{tmp.path()};  // SQLite: tmp/board.db; PostgreSQL: a schema of the test server
  std::string board() const { return place.locator(); }
  std::string db() const { return q(board()); }

  void SetUp() override {
    if (board().empty()) GTEST_SKIP() << place.skip_reason();
    ASSERT_EQ(run_cli("board init --db " + db() + place.init_args()).exit_code, 0);
  }

  std::filesystem::path write(const std::string& name, const json& j) {
    test::spit(tmp / name, j.dump());
    return tmp / name;
  }
  void add_task(const std::string& extra, const json& gt, const std::string& name = "hw1") {
    const auto gt_path = write(name + "_gt.json", gt);
    RunResult r = run_cli("board task add --db " + db() + " --task " + name + " --gt " + q(gt_path) +
                          " --metric coco-bbox --seed 42 " + extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void reg(const std::string& user, const std::string& name) {
    RunResult r = run_cli("board register --db " + db() + " --user " + q(user) + " --name " + q(name));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // The CLI runs on the system clock: rules that depend on time are tested through the
  // library with an injected clock (board_rules_test.cpp).
  RunResult submit(const std::string& user, const std::filesystem::path& file, const std::string& task = "hw1") {
    return run_cli("board submit --db " + db() + " --task " + task + " --user " + q(user) + " " + q(file) + " --json");
  }
  json show(const std::string& extra = "") {
    RunResult r = run_cli("board show --db " + db() + " --task hw1 --format json " + extra);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return parse_out(r);
  }
};

// --- refusals -----------------------------------------------------------------------------------

// `deteval board ...` is run by deteval-board, the program beside deteval: its help and
// exit codes come through; without it, deteval says what is missing (exit 4, I/O).
TEST(BoardProgram, DetevalHandsBoardCommandsToTheProgramBesideIt) {
  const RunResult help = run_cli("board --help");
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("submit"), std::string::npos) << help.out;
  const RunResult usage = run_cli("board init");
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("--db is required"), std::string::npos) << usage.err;
  EXPECT_NE(run_cli("--help").out.find("Competition scorer"), std::string::npos);

  test::TempDir alone;  // deteval copied without deteval-board
  const std::filesystem::path copy = alone / "deteval";
  std::filesystem::copy_file(DETEVAL_CLI, copy);
  std::filesystem::permissions(copy, std::filesystem::perms::owner_all);
  const std::string cmd = q(copy) + " board init --db " + q(alone / "b.db") + " 2>" + q(alone / "err");
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
  const std::string err = test::slurp(alone / "err");
  EXPECT_NE(err.find("deteval-board, is not installed beside"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(alone / "b.db"));
  EXPECT_EQ(run_cli("coco --help").exit_code, 0);  // the other commands need nothing beside
}

TEST_F(BoardTest, ScoredSubmissionPrintsTheDocumentedObject) {
  const Data d = make_data(20, 3, 1);
  add_task("", d.gt);
  reg("alice", "Alice Liddell");
  RunResult r = submit("alice", write("a.json", d.dt));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = parse_out(r);
  EXPECT_EQ(j["status"], "scored");
  EXPECT_EQ(j["submission_id"], 1);
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_GT(j["public_score"].get<double>(), 0.3);
  // check --json prints the same object for the last submission, plus the standing.
  RunResult c = run_cli("board check --db " + db() + " --task hw1 --user alice --json");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const json cj = parse_out(c);
  for (const auto& [k, v] : j.items()) EXPECT_EQ(cj[k], v) << k;
  EXPECT_EQ(cj["best_public_score"], j["public_score"]);
  EXPECT_EQ(cj["rank"], 1);
  EXPECT_TRUE(cj["remaining_today"].is_null());  // no daily limit
  EXPECT_TRUE(cj["next_submission_at"].is_null());
}

TEST_F(BoardTest, RefusesUnregisteredUserWithoutRecording) {
  const Data d = make_data(10, 2, 2);
  add_task("", d.gt);
  RunResult r = submit("mallory", write("a.json", d.dt));
  EXPECT_EQ(r.exit_code, 6);
  const json j = parse_out(r);
  EXPECT_EQ(j["status"], "rejected");
  EXPECT_TRUE(j["submission_id"].is_null());
  EXPECT_NE(j["error"].get<std::string>().find("not registered"), std::string::npos);
  EXPECT_NE(r.err.find("not registered"), std::string::npos);
  Sql sql(board());
  EXPECT_EQ(sql.one("SELECT count(*) FROM submissions"), "0");
}

TEST_F(BoardTest, RefusesUnknownTask) {
  reg("alice", "Alice");
  const Data d = make_data(3, 1, 3);
  RunResult r = submit("alice", write("a.json", d.dt), "nope");
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(parse_out(r)["error"].get<std::string>().find("no task named 'nope'"), std::string::npos);
}

TEST_F(BoardTest, RefusesAfterTheDeadlineAndRecordsTheReason) {
  const Data d = make_data(10, 2, 4);
  add_task("--deadline 2001-03-01T23:59:00Z", d.gt);
  reg("alice", "Alice");
  const auto f = write("a.json", d.dt);
  RunResult late = submit("alice", f);
  EXPECT_EQ(late.exit_code, 6);
  const json j = parse_out(late);
  EXPECT_EQ(j["status"], "rejected");
  EXPECT_EQ(j["submission_id"], 1);
  EXPECT_NE(j["error"].get<std::string>().find("deadline"), std::string::npos);
  EXPECT_EQ(j["error"].get<std::string>().find("--"), std::string::npos) << "no command-line flags in refusals";
  // Recorded, so `check` shows it; the file is kept.
  const json c = parse_out(run_cli("board check --db " + db() + " --task hw1 --user alice --json"));
  EXPECT_EQ(c["error"], j["error"]);
  EXPECT_EQ(c["open"], false);
  Sql sql(board());
  EXPECT_EQ(sql.one("SELECT error FROM submissions WHERE id = 1"), j["error"].get<std::string>());
  EXPECT_TRUE(std::filesystem::exists(tmp / "board.db.files" / sql.one("SELECT substr(sha256, 1, 2) FROM submissions WHERE id = 1") /
                                      sql.one("SELECT sha256 FROM submissions WHERE id = 1")));
}

TEST_F(BoardTest, RefusesBrokenFilesWithTheEvaluatorsLocatedMessage) {
  const Data d = make_data(10, 2, 6);
  add_task("", d.gt);
  reg("alice", "Alice");
  struct Case {
    std::string content, message;
  };
  const std::vector<Case> cases = {
      {d.dt.dump().substr(0, 50), "broken.json: line 1, column 51: invalid JSON"},
      {"", "broken.json: expected JSON, got an empty file"},
      {R"({"x":1})", "broken.json: (root): expected a list of detection results, got an object"},
      {R"([{"image_id":10,"category_id":1,"bbox":[1,2,3,4]}])", "broken.json: [0].score: expected a score"},
      {R"([{"image_id":10,"category_id":1,"bbox":[1,2,3,4],"score":1e999}])", "broken.json: line 1, column 58: expected a finite number, got 1e999"},
      {R"([{"image_id":10,"category_id":1,"bbox":[1,2,"x",4],"score":0.5}])", "broken.json: [0].bbox[2]"},
  };
  for (const Case& c : cases) {
    test::spit(tmp / "broken.json", c.content);
    RunResult r = submit("alice", tmp / "broken.json");
    EXPECT_EQ(r.exit_code, 6) << c.content;
    const json j = parse_out(r);
    EXPECT_EQ(j["status"], "rejected");
    EXPECT_NE(j["error"].get<std::string>().find(c.message), std::string::npos) << j["error"] << " vs " << c.message;
    EXPECT_EQ(j["error"].get<std::string>().find(tmp.path().string()), std::string::npos) << "names the file only";
  }
}

// A refusal quotes the participant's bytes; bytes that are not UTF-8 become U+FFFD, so the
// reason can be stored (PostgreSQL refuses invalid text) and printed as JSON afterwards.
TEST_F(BoardTest, RefusalsQuotingBytesThatAreNotUtf8StayReadable) {
  const Data d = make_data(5, 1, 40);
  add_task("", d.gt);
  reg("alice", "Alice");
  test::spit(tmp / "bad.json", "[{\"image_id\": 10, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": \"\xff\xfe\"}]");
  RunResult r = submit("alice", tmp / "bad.json");
  EXPECT_EQ(r.exit_code, 6) << r.err;
  const std::string error = parse_out(r)["error"];
  EXPECT_NE(error.find("\xEF\xBF\xBD"), std::string::npos) << error;
  RunResult h = run_cli("board history --db " + db() + " --task hw1 --user alice --json");
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(parse_out(h)["submissions"][0]["error"], error);
}

TEST_F(BoardTest, RefusesUnknownImagesWithoutLeakingGroundTruth) {
  const Data d = make_data(10, 2, 7);
  add_task("", d.gt);
  reg("alice", "Alice");
  json dt = d.dt;
  dt.push_back({{"image_id", 11}, {"category_id", 1}, {"bbox", {1, 2, 3, 4}}, {"score", 0.5}});
  RunResult r = submit("alice", write("a.json", dt));
  EXPECT_EQ(r.exit_code, 6);
  const std::string msg = parse_out(r)["error"];
  EXPECT_EQ(msg, "a.json: [" + std::to_string(dt.size() - 1) +
                     "].image_id: expected an image id of the ground truth, got 11");
}

TEST_F(BoardTest, RefusesTooManyDetectionsPerImageAndOversizedFiles) {
  const Data d = make_data(10, 2, 8, 3);  // 3 detections per object + 1: 7 on each image
  add_task("--max-dets-per-image 5 --max-submission-bytes 100000", d.gt);
  reg("alice", "Alice");
  RunResult r = submit("alice", write("a.json", d.dt));
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(parse_out(r)["error"].get<std::string>().find("image 10 has 7 detections; the task allows at most 5"),
            std::string::npos)
      << r.out;
  test::spit(tmp / "big.json", "[" + std::string(200000, ' ') + "]");
  RunResult big = submit("alice", tmp / "big.json");
  EXPECT_EQ(big.exit_code, 6);
  EXPECT_NE(parse_out(big)["error"].get<std::string>().find("too large"), std::string::npos);
}

// --- scores ---------------------------------------------------------------------------------------

// The board's score of a split equals `deteval coco` on the same file and the same images.
TEST_F(BoardTest, ScoresEqualDetevalCocoOnTheSameImages) {
  const Data d = make_data(60, 4, 10, 2);
  add_task("--public-fraction 0.3", d.gt);
  reg("alice", "Alice");
  RunResult s = submit("alice", write("a.json", d.dt));
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const double pub = parse_out(s)["public_score"];
  const json info = parse_out(run_cli("board task info --db " + db() + " --task hw1 --json --organizer"));
  const auto ids = info["public_image_ids"].get<std::vector<std::int64_t>>();
  EXPECT_EQ(ids.size(), 18u);  // round(0.3 * 60)
  EXPECT_EQ(info["private_images"], 42);
  const json priv_lb = show("--private --organizer");
  const double priv = priv_lb["entries"][0]["score"];

  for (const bool is_public : {true, false}) {
    const std::set<std::int64_t> keep_ids(ids.begin(), ids.end());
    auto keep = [&](std::int64_t id) { return keep_ids.count(id) == (is_public ? 1u : 0u); };
    json gt = d.gt, dt = json::array();
    gt["images"] = json::array();
    gt["annotations"] = json::array();
    for (const auto& im : d.gt["images"]) if (keep(im["id"])) gt["images"].push_back(im);
    for (const auto& a : d.gt["annotations"]) if (keep(a["image_id"])) gt["annotations"].push_back(a);
    for (const auto& r : d.dt) if (keep(r["image_id"])) dt.push_back(r);
    const auto gt_path = write("sub_gt.json", gt), dt_path = write("sub_dt.json", dt);
    RunResult c = run_cli("coco --gt " + q(gt_path) + " --dt " + q(dt_path) + " --json " + q(tmp / "coco.json"));
    ASSERT_EQ(c.exit_code, 0) << c.err;
    const json cj = json::parse(test::slurp(tmp / "coco.json"));
    const double ap = cj["stats"]["AP"];
    EXPECT_EQ(is_public ? pub : priv, ap) << (is_public ? "public" : "private");
  }
  EXPECT_NE(pub, priv);
}

// coco-segm: masks, on the segm conformance fixture.
TEST_F(BoardTest, SegmScoresEqualDetevalCocoOnTheSameImages) {
  const json gt = json::parse(test::slurp(test::fixture("coco/random_medium_200img/gt.json")));
  const json dt = json::parse(test::slurp(test::fixture("coco/random_medium_200img/dt.json")));
  const auto gt_path = write("segm_gt.json", gt);
  ASSERT_EQ(run_cli("board task add --db " + db() + " --task segm --gt " + q(gt_path) +
                    " --metric coco-segm --public-fraction 0.25 --seed 3")
                .exit_code,
            0);
  reg("alice", "Alice");
  RunResult s = submit("alice", write("a.json", dt), "segm");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const auto ids = parse_out(run_cli("board task info --db " + db() + " --task segm --json --organizer"))
                       ["public_image_ids"].get<std::vector<std::int64_t>>();
  const std::set<std::int64_t> keep(ids.begin(), ids.end());
  json sub_gt = gt, sub_dt = json::array();
  sub_gt["images"] = json::array();
  sub_gt["annotations"] = json::array();
  for (const auto& im : gt["images"]) if (keep.count(im["id"])) sub_gt["images"].push_back(im);
  for (const auto& a : gt["annotations"]) if (keep.count(a["image_id"])) sub_gt["annotations"].push_back(a);
  for (const auto& r : dt) if (keep.count(r["image_id"])) sub_dt.push_back(r);
  RunResult c = run_cli("coco --iou-type segm --gt " + q(write("sub_gt.json", sub_gt)) + " --dt " +
                        q(write("sub_dt.json", sub_dt)) + " --json " + q(tmp / "coco.json"));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(parse_out(s)["public_score"].get<double>(),
            json::parse(test::slurp(tmp / "coco.json"))["stats"]["AP"].get<double>());
}

// voc07 / voc12 tasks: the same COCO files, scored as `deteval voc` scores the same boxes
// written as VOC files (corners x + 1, y + 1, x + w, y + h; crowd = difficult).
TEST_F(BoardTest, VocScoresEqualDetevalVocOnTheSameImages) {
  const Data d = make_data(40, 3, 22, 2);
  const auto gt_path = write("voc_gt.json", d.gt);
  for (const char* m : {"voc07", "voc12"})
    ASSERT_EQ(run_cli("board task add --db " + db() + " --task " + m + " --gt " + q(gt_path) + " --metric " + m +
                      " --seed 42")
                  .exit_code,
              0);
  reg("alice", "Alice");
  const auto dt_path = write("a.json", d.dt);
  RunResult s07 = submit("alice", dt_path, "voc07"), s12 = submit("alice", dt_path, "voc12");
  ASSERT_EQ(s07.exit_code, 0) << s07.err;
  ASSERT_EQ(s12.exit_code, 0) << s12.err;
  const auto ids = parse_out(run_cli("board task info --db " + db() + " --task voc07 --json --organizer"))
                       ["public_image_ids"].get<std::vector<std::int64_t>>();
  const std::set<std::int64_t> keep(ids.begin(), ids.end());
  std::map<int, std::string> cat_name;
  for (const auto& c : d.gt["categories"]) cat_name[c["id"]] = c["name"];
  auto num = [](double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return std::string(buf);
  };
  std::filesystem::create_directories(tmp / "Annotations");
  std::string set;
  std::map<std::int64_t, std::string> xml;
  for (const auto& a : d.gt["annotations"]) {
    const std::int64_t id = a["image_id"];
    if (!keep.count(id)) continue;
    const auto& b = a["bbox"];
    const double x = b[0], y = b[1], w = b[2], h = b[3];
    xml[id] += "<object><name>" + cat_name[a["category_id"]] + "</name><difficult>" +
               std::to_string(a["iscrowd"].get<int>()) + "</difficult><bndbox><xmin>" + num(x + 1) + "</xmin><ymin>" +
               num(y + 1) + "</ymin><xmax>" + num(x + w) + "</xmax><ymax>" + num(y + h) + "</ymax></bndbox></object>\n";
  }
  for (std::int64_t id : ids) {
    set += std::to_string(id) + "\n";
    test::spit(tmp / "Annotations" / (std::to_string(id) + ".xml"), "<annotation>\n" + xml[id] + "</annotation>\n");
  }
  test::spit(tmp / "set.txt", set);
  std::map<std::string, std::string> dets;
  for (const auto& r : d.dt) {
    const std::int64_t id = r["image_id"];
    if (!keep.count(id)) continue;
    const auto& b = r["bbox"];
    const double x = b[0], y = b[1], w = b[2], h = b[3];
    dets[cat_name[r["category_id"]]] += std::to_string(id) + " " + num(r["score"]) + " " + num(x + 1) + " " +
                                        num(y + 1) + " " + num(x + w) + " " + num(y + h) + "\n";
  }
  for (const auto& [cls, text] : dets) test::spit(tmp / ("det_" + cls + ".txt"), text);
  RunResult v = run_cli("voc --annotations " + q(tmp / "Annotations") + " --image-set " + q(tmp / "set.txt") +
                        " --dets " + q(tmp / "det_{class}.txt") + " --json " + q(tmp / "voc.json"));
  ASSERT_EQ(v.exit_code, 0) << v.err;
  const json vj = json::parse(test::slurp(tmp / "voc.json"));
  EXPECT_EQ(parse_out(s07)["public_score"].get<double>(), vj["mAP_voc07"].get<double>());
  EXPECT_EQ(parse_out(s12)["public_score"].get<double>(), vj["mAP_area"].get<double>());
  EXPECT_NE(vj["mAP_voc07"].get<double>(), vj["mAP_area"].get<double>());
}

TEST_F(BoardTest, SplitIsDeterministicInTheSeedAndFractionOneIsAllPublic) {
  const Data d = make_data(40, 1, 11);
  add_task("--public-fraction 0.5", d.gt, "a");
  add_task("--public-fraction 0.5", d.gt, "b");
  add_task("--public-fraction 1", d.gt, "c");
  auto ids = [&](const std::string& t) {
    return parse_out(run_cli("board task info --db " + db() + " --task " + t + " --json --organizer"))["public_image_ids"];
  };
  EXPECT_EQ(ids("a"), ids("b"));
  EXPECT_EQ(ids("a").size(), 20u);
  EXPECT_EQ(ids("c").size(), 40u);
  // Participants see counts and rules, never the seed or the split.
  const std::string plain = run_cli("board task info --db " + db() + " --task a --json").out;
  EXPECT_EQ(plain.find("seed"), std::string::npos);
  EXPECT_EQ(plain.find("public_image_ids"), std::string::npos);
  RunResult p = run_cli("board show --db " + db() + " --task c --private --organizer");
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.err.find("no private part"), std::string::npos);
}

// --- leaderboard ----------------------------------------------------------------------------------

TEST_F(BoardTest, LeaderboardFormatsCarryTheSameRows) {
  const Data d = make_data(30, 3, 12);
  add_task("--deadline 2099-06-01T00:00:00Z", d.gt);
  json weak = d.dt;  // drop half the detections: a lower score
  weak.erase(weak.begin(), weak.begin() + static_cast<long>(weak.size() / 2));
  reg("carol", "Carol");
  reg("alice", "Alice");
  ASSERT_EQ(submit("carol", write("low.json", weak)).exit_code, 0);
  ASSERT_EQ(submit("alice", write("good.json", d.dt)).exit_code, 0);
  const json lb = show();
  ASSERT_EQ(lb["entries"].size(), 2u);
  EXPECT_EQ(lb["entries"][0]["user"], "alice");
  EXPECT_EQ(lb["entries"][0]["name"], "Alice");
  // Private: hidden before the deadline.
  RunResult hidden = run_cli("board show --db " + db() + " --task hw1 --private");
  EXPECT_EQ(hidden.exit_code, 6);
  EXPECT_NE(hidden.err.find("hidden until submissions close"), std::string::npos);
  EXPECT_EQ(hidden.out, "");
  RunResult csv = run_cli("board show --db " + db() + " --task hw1 --format csv");
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\r')), "rank,user,name,score,submissions,best_submission_id,submitted_at");
  EXPECT_NE(csv.out.find("1,alice,Alice,"), std::string::npos);
  RunResult html = run_cli("board show --db " + db() + " --task hw1 --format html");
  EXPECT_NE(html.out.find("<td>alice</td>"), std::string::npos);
}

TEST_F(BoardTest, RevealShowsPrivateScoresBeforeTheDeadline) {
  const Data d = make_data(10, 2, 13);
  add_task("--deadline 2099-01-01T00:00:00Z", d.gt);
  reg("alice", "Alice");
  ASSERT_EQ(submit("alice", write("a.json", d.dt)).exit_code, 0);
  EXPECT_EQ(run_cli("board show --db " + db() + " --task hw1 --private").exit_code, 6);
  ASSERT_EQ(run_cli("board task reveal --db " + db() + " --task hw1").exit_code, 0);
  EXPECT_EQ(show("--private")["entries"].size(), 1u);
}

TEST_F(BoardTest, NamesAndIdsAreDataNotSqlOrPaths) {
  const Data d = make_data(5, 1, 14);
  add_task("", d.gt, "../../escape");
  const std::string evil = "Robert\"); DROP TABLE users; --";
  reg(evil, "<script>alert(1)</script>");
  RunResult r = run_cli("board submit --db " + db() + " --task ../../escape --user " + q(evil) + " " +
                        q(write("a.json", d.dt)) + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  RunResult html = run_cli("board show --db " + db() + " --task ../../escape --format html");
  EXPECT_EQ(html.out.find("<script>"), std::string::npos);
  EXPECT_NE(html.out.find("&lt;script&gt;"), std::string::npos);
  // Only the database, its WAL files and the hash-named store exist.
  for (const auto& e : std::filesystem::recursive_directory_iterator(tmp.path())) {
    const std::string name = e.path().filename().string();
    EXPECT_EQ(name.find("escape"), std::string::npos) << e.path();
  }
  EXPECT_FALSE(std::filesystem::exists(tmp.path().parent_path().parent_path() / "escape"));
  Sql sql(board());
  EXPECT_EQ(sql.one("SELECT id FROM users"), evil);
}

// --- concurrency and crashes ----------------------------------------------------------------------

// Starts every command at the same moment (they wait for a go file), waits for all.
std::vector<RunResult> run_together(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  const auto go = dir / "go";
  std::vector<pid_t> pids;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string cmd = "while [ ! -e " + q(go) + " ]; do sleep 0.005; done; exec '" + DETEVAL_CLI + "' " +
                            args[i] + " >" + q(dir / ("out" + std::to_string(i))) + " 2>" +
                            q(dir / ("err" + std::to_string(i)));
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  test::spit(go, "");
  std::vector<RunResult> out(args.size());
  for (std::size_t i = 0; i < pids.size(); ++i) {
    int status = 0;
    ::waitpid(pids[i], &status, 0);
    out[i].exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    out[i].out = test::slurp(dir / ("out" + std::to_string(i)));
    out[i].err = test::slurp(dir / ("err" + std::to_string(i)));
  }
  std::filesystem::remove(go);
  return out;
}

TEST_F(BoardTest, ConcurrentSubmissionsAreEachRecordedOnce) {
  const Data d = make_data(40, 3, 15);
  add_task("", d.gt);
  constexpr int kProcs = 12;
  std::vector<std::string> args;
  for (int i = 0; i < kProcs; ++i) {
    const std::string user = "u" + std::to_string(i % 4);
    if (i < 4) reg(user, "User " + std::to_string(i));
    json dt = d.dt;
    dt.erase(dt.begin(), dt.begin() + i);  // distinct files (and scores)
    args.push_back("board submit --db " + db() + " --task hw1 --user " + user + " " +
                   q(write("s" + std::to_string(i) + ".json", dt)) + " --json");
  }
  const auto results = run_together(args, tmp.path());
  std::set<std::int64_t> ids;
  for (const auto& r : results) {
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = parse_out(r);
    EXPECT_EQ(j["status"], "scored");
    ids.insert(j["submission_id"].get<std::int64_t>());
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kProcs));
  Sql sql(board());
  EXPECT_EQ(sql.one("SELECT count(*) FROM submissions"), std::to_string(kProcs));
  EXPECT_EQ(sql.one("SELECT count(DISTINCT sha256) FROM submissions"), std::to_string(kProcs));
  EXPECT_TRUE(sql.intact());
  const json lb = show();
  ASSERT_EQ(lb["entries"].size(), 4u);
  for (const auto& e : lb["entries"]) EXPECT_EQ(e["submissions"], 3);
}

TEST_F(BoardTest, ConcurrentSubmissionsCannotExceedTheDailyLimit) {
  const Data d = make_data(20, 2, 16);
  add_task("--daily-limit 3", d.gt);
  reg("alice", "Alice");
  const auto f = write("a.json", d.dt);
  std::vector<std::string> args(8, "board submit --db " + db() + " --task hw1 --user alice " + q(f) + " --json");
  const auto results = run_together(args, tmp.path());
  int scored = 0, limited = 0;
  for (const auto& r : results) {
    const json j = parse_out(r);
    if (j["status"] == "scored") {
      ++scored;
      EXPECT_EQ(r.exit_code, 0);
    } else if (j["error"].get<std::string>().find("limit") != std::string::npos) {
      ++limited;
      EXPECT_EQ(r.exit_code, 6);
    }
  }
  EXPECT_EQ(scored, 3);
  EXPECT_EQ(limited, 5);
  Sql sql(board());
  EXPECT_EQ(sql.one("SELECT count(*) FROM submissions WHERE status = 'scored'"), "3");
  EXPECT_EQ(sql.one("SELECT count(*) FROM submissions"), "8");
}

// The board after a crash: intact database, every row complete and its file present.
void expect_consistent(const std::string& board, const std::filesystem::path& dir) {
  Sql sql(board);
  EXPECT_TRUE(sql.intact());
  for (const auto& row : sql.rows("SELECT status, sha256, public_score, private_stats FROM submissions")) {
    EXPECT_EQ(row[0], "scored");
    EXPECT_NE(row[2], "NULL");
    EXPECT_NE(row[3], "NULL");
    const auto blob = dir / "board.db.files" / row[1].substr(0, 2) / row[1];
    ASSERT_TRUE(std::filesystem::exists(blob)) << blob;
    EXPECT_EQ(board::sha256_hex(test::slurp(blob)), row[1]);
  }
}

TEST_F(BoardTest, CrashAtEachStepLeavesNothingOrAWholeSubmission) {
  const Data d = make_data(20, 2, 17);
  add_task("", d.gt);
  reg("alice", "Alice");
  const auto f = write("a.json", d.dt);
  const std::pair<const char*, int> points[] = {{"stored", 0}, {"inserted", 0}, {"committed", 1}};
  int expected_rows = 0;
  for (const auto& [point, rows] : points) {
    ::setenv("DETEVAL_BOARD_CRASH_AT", point, 1);
    RunResult r = submit("alice", f);
    ::unsetenv("DETEVAL_BOARD_CRASH_AT");
    EXPECT_EQ(r.exit_code, 128 + SIGKILL) << point;
    expected_rows += rows;
    expect_consistent(board(), tmp.path());
    Sql sql(board());
    EXPECT_EQ(sql.one("SELECT count(*) FROM submissions"), std::to_string(expected_rows)) << point;
    EXPECT_EQ(show()["entries"].size(), static_cast<std::size_t>(expected_rows > 0)) << point;
  }
  // A re-run completes the submission.
  RunResult again = submit("alice", f);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(parse_out(again)["status"], "scored");
  expect_consistent(board(), tmp.path());
  EXPECT_EQ(show()["entries"][0]["submissions"], 2);
}

TEST_F(BoardTest, ScorerKilledAtRandomMomentsLeavesTheBoardConsistent) {
  const Data d = make_data(1500, 6, 18, 3);  // big enough that scoring takes a while
  add_task("", d.gt);
  reg("alice", "Alice");
  const auto f = write("a.json", d.dt);
  int completed = 0;
  for (int delay_ms : {0, 20, 60, 120, 200, 320}) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const std::string dbs = board(), fs = f.string();
      const int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      ::execl(DETEVAL_CLI, DETEVAL_CLI, "board", "submit", "--db", dbs.c_str(), "--task", "hw1", "--user", "alice",
              fs.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++completed;
    expect_consistent(board(), tmp.path());
    Sql sql(board());
    const int rows = std::stoi(sql.one("SELECT count(*) FROM submissions"));
    EXPECT_GE(rows, completed);
    EXPECT_LE(rows, 6);
  }
  Sql before(board());
  const int rows = std::stoi(before.one("SELECT count(*) FROM submissions"));
  RunResult again = submit("alice", f);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  Sql after(board());
  EXPECT_EQ(after.one("SELECT count(*) FROM submissions"), std::to_string(rows + 1));
  expect_consistent(board(), tmp.path());
}

// --- organizers: copies and grades ----------------------------------------------------------------

// Copies edited as a copier would (issue #20) are flagged; an independent model of the
// same objects and different work are not.
TEST_F(BoardTest, SuspiciousFlagsEditedCopiesButNotIndependentWork) {
  const Data d = make_data(60, 3, 19);
  add_task("--public-fraction 0.5", d.gt);
  std::mt19937 rng(7);
  auto uni = [&](double lo, double hi) { return lo + (hi - lo) * (rng() / 4294967296.0); };
  json plus = d.dt, rounded = d.dt, scaled = d.dt, dropped = json::array(), independent = json::array();
  for (auto& r : plus) r["score"] = r["score"].get<double>() + 1e-5;
  for (auto& r : rounded)
    for (auto& v : r["bbox"]) v = std::round(v.get<double>() * 10) / 10;
  for (auto& r : scaled) r["score"] = r["score"].get<double>() * 0.9;
  for (std::size_t i = 0; i < d.dt.size(); ++i)
    if (i % 10 != 3) dropped.push_back(d.dt[i]);
  // Another model of the same objects: its own localisation noise and scores.
  for (const auto& a : d.gt["annotations"]) {
    const auto& b = a["bbox"];
    const double j = uni(-6, 6);
    independent.push_back({{"image_id", a["image_id"]}, {"category_id", a["category_id"]},
                           {"bbox", {b[0].get<double>() - j, b[1].get<double>() + j, b[2].get<double>() + uni(-5, 5),
                                     b[3].get<double>() + uni(-3, 3)}},
                           {"score", uni(0.05, 1)}});
  }
  // Same public detections, private ones removed: equal public score, different file.
  const auto ids = parse_out(run_cli("board task info --db " + db() + " --task hw1 --json --organizer"))
                       ["public_image_ids"].get<std::set<std::int64_t>>();
  json public_only = json::array();
  for (const auto& r : d.dt)
    if (ids.count(r["image_id"].get<std::int64_t>())) public_only.push_back(r);
  const std::vector<std::pair<std::string, json>> files = {
      {"src", d.dt},           {"same", d.dt},           {"plus", plus},
      {"rounded", rounded},    {"scaled", scaled},       {"dropped", dropped},
      {"indep", independent},  {"other", make_data(60, 3, 99).dt}, {"pubonly", public_only}};
  for (const auto& [user, dt] : files) {
    reg(user, user);
    ASSERT_EQ(submit(user, write(user + ".json", dt)).exit_code, 0) << user;
  }
  ASSERT_EQ(submit("src", write("src2.json", d.dt)).exit_code, 0);  // her own resubmission: fine
  RunResult r = run_cli("board suspicious --db " + db() + " --task hw1 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, json> found;
  const json all = parse_out(r);
  for (const auto& p : all["pairs"])
    found[p["a"]["user"].get<std::string>() + "-" + p["b"]["user"].get<std::string>()] = p;
  EXPECT_EQ(found["src-same"]["kind"], "identical");
  for (const char* copier : {"plus", "rounded", "scaled", "dropped"}) {
    const json& p = found["src-" + std::string(copier)];
    EXPECT_EQ(p["kind"], "near-identical") << copier;
    EXPECT_GE(p["similarity"].get<double>(), 0.9) << copier;
  }
  EXPECT_EQ(found["src-plus"]["rank_correlation"], 1.0);
  EXPECT_NEAR(found["src-dropped"]["fraction_b"].get<double>(), 1.0, 1e-12);
  EXPECT_LT(found["src-dropped"]["fraction_a"].get<double>(), 0.95);
  EXPECT_EQ(found["src-pubonly"]["kind"], "equal-score");
  EXPECT_EQ(found["src-pubonly"]["a"]["public_score"], found["src-pubonly"]["b"]["public_score"]);
  for (const auto& [pair, p] : found) {
    EXPECT_EQ(pair.find("indep"), std::string::npos) << pair << " " << p.dump();
    EXPECT_EQ(pair.find("other"), std::string::npos) << pair;
  }
  RunResult text = run_cli("board suspicious --db " + db() + " --task hw1");
  EXPECT_NE(text.out.find("identical (100.0% similar"), std::string::npos) << text.out;
}

TEST_F(BoardTest, GradesCountPassedTasksOnTheScale) {
  const Data d = make_data(20, 2, 20);
  json weak = d.dt;
  weak.erase(weak.begin(), weak.begin() + static_cast<long>(weak.size() * 3 / 4));
  for (const char* t : {"t1", "t2", "t3", "t4", "t5"}) add_task("--pass-score 0.2", d.gt, t);
  add_task("", d.gt, "ungraded");
  reg("ann", "Ann");
  reg("ben", "Ben");
  reg("cyd", "Cyd");
  reg("eve", "Eve");
  const auto good = write("good.json", d.dt), bad = write("bad.json", weak);
  for (const char* t : {"t1", "t2", "t3", "t4"}) ASSERT_EQ(submit("ann", good, t).exit_code, 0);  // 80%
  for (const char* t : {"t1", "t2", "t3"}) ASSERT_EQ(submit("ben", good, t).exit_code, 0);        // 60%
  ASSERT_EQ(submit("ben", bad, "t4").exit_code, 0);
  ASSERT_EQ(submit("cyd", good, "t1").exit_code, 0);  // 20%
  ASSERT_EQ(submit("eve", good, "t1").exit_code, 0);
  ASSERT_EQ(submit("eve", good, "t2").exit_code, 0);
  ASSERT_EQ(run_cli("board disqualify --db " + db() + " --task t2 --user eve --reason copied").exit_code, 0);
  RunResult r = run_cli("board grades --db " + db() + " --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json g = parse_out(r);
  EXPECT_EQ(g["tasks"].size(), 5u);
  std::map<std::string, std::string> grade;
  std::map<std::string, double> pct;
  for (const auto& u : g["users"]) grade[u["user"]] = u["grade"], pct[u["user"]] = u["percent"];
  EXPECT_EQ(grade["ann"], "excellent");
  EXPECT_EQ(grade["ben"], "good");
  EXPECT_EQ(grade["cyd"], "fail");
  EXPECT_EQ(pct["eve"], 20);  // t2 voided
  // Another scale.
  const json g2 = parse_out(run_cli("board grades --db " + db() + " --json --scale A:60,B:20"));
  for (const auto& u : g2["users"])
    if (u["user"] == "cyd") EXPECT_EQ(u["grade"], "B");
  // Disqualified users are off the leaderboard.
  const json lb = parse_out(run_cli("board show --db " + db() + " --task t2 --format json"));
  for (const auto& e : lb["entries"]) EXPECT_NE(e["user"], "eve");
}

// `task images`: what participants predict on, and nothing of the ground truth beyond it.
TEST_F(BoardTest, TestImagesExportCarriesNoAnnotationData) {
  const Data d = make_data(12, 3, 23);
  add_task("", d.gt);
  RunResult r = run_cli("board task images --db " + db() + " --task hw1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* key : {"annotations", "bbox", "segmentation", "area", "iscrowd", "category_id", "image_id"})
    EXPECT_EQ(r.out.find(key), std::string::npos) << key;
  const json j = parse_out(r);
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"images", "categories"}));
  ASSERT_EQ(j["images"].size(), 12u);  // both parts of the split
  EXPECT_EQ(j["images"][0], (json{{"id", 10}, {"file_name", "img10.jpg"}, {"width", 640}, {"height", 480}}));
  EXPECT_EQ(j["categories"], d.gt["categories"]);
  ASSERT_EQ(run_cli("board task images --db " + db() + " --task hw1 --output " + q(tmp / "imgs.json")).exit_code, 0);
  EXPECT_EQ(test::slurp(tmp / "imgs.json"), r.out);
  RunResult txt = run_cli("board task images --db " + db() + " --task hw1 --format txt");
  EXPECT_EQ(txt.out.substr(0, txt.out.find('\n')), "10\timg10.jpg\t640\t480");
  EXPECT_EQ(std::count(txt.out.begin(), txt.out.end(), '\n'), 12);
  EXPECT_EQ(run_cli("board task images --db " + db() + " --task hw1 --format xml").exit_code, 2);
}

// The organizer's and participant's commands added for courses, end to end; refusals exit 6.
TEST_F(BoardTest, CourseCommandsAndTheirRefusals) {
  const Data d = make_data(20, 2, 24);
  add_task("--deadline 2099-01-01T00:00:00Z --pass-score 0.2 --final-picks 1", d.gt);
  test::spit(tmp / "class.csv", "id,name,display_name\ns1,Ada Lovelace,ada\ns2,\"Babbage, Charles\",\n");
  RunResult rc = run_cli("board register --db " + db() + " --from-csv " + q(tmp / "class.csv"));
  ASSERT_EQ(rc.exit_code, 0) << rc.err;
  EXPECT_EQ(rc.out, "registered 2, updated 0, unchanged 0\n");
  test::spit(tmp / "bad.csv", "s3,Cy\ns4\n");
  RunResult bad = run_cli("board register --db " + db() + " --from-csv " + q(tmp / "bad.csv"));
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("bad.csv: line 2: expected id,name[,display_name]"), std::string::npos) << bad.err;
  ASSERT_EQ(submit("s1", write("a.json", d.dt)).exit_code, 0);
  ASSERT_EQ(submit("s1", write("b.json", json::array())).exit_code, 0);
  ASSERT_EQ(submit("s2", write("c.json", d.dt)).exit_code, 0);
  const json lb = show();
  EXPECT_EQ(lb["entries"][0]["name"], "ada");  // the display name, not the full name
  EXPECT_EQ(lb.dump().find("Lovelace"), std::string::npos);

  RunResult h = run_cli("board history --db " + db() + " --task hw1 --user s1 --json");
  ASSERT_EQ(h.exit_code, 0) << h.err;
  const json hj = parse_out(h);
  ASSERT_EQ(hj["submissions"].size(), 2u);
  EXPECT_EQ(hj["submissions"][0]["submission_id"], 1);
  EXPECT_EQ(hj["submissions"][1]["status"], "scored");
  EXPECT_EQ(hj["submissions"][1]["selected"], false);

  RunResult many = run_cli("board select --db " + db() + " --task hw1 --user s1 --submissions 1,2");
  EXPECT_EQ(many.exit_code, 6);
  EXPECT_NE(many.err.find("at most 1 final pick"), std::string::npos) << many.err;
  EXPECT_EQ(many.err.find("--"), std::string::npos) << many.err;
  RunResult theirs = run_cli("board select --db " + db() + " --task hw1 --user s1 --submissions 3");
  EXPECT_EQ(theirs.exit_code, 6);
  RunResult sel = run_cli("board select --db " + db() + " --task hw1 --user s1 --submissions 2 --json");
  ASSERT_EQ(sel.exit_code, 0) << sel.err;
  EXPECT_EQ(parse_out(sel)["final_picks"], json::array({2}));
  const json c = parse_out(run_cli("board check --db " + db() + " --task hw1 --user s1 --json"));
  EXPECT_EQ(c["final_picks"], json::array({2}));

  // The organizer: the split is fixed once scores exist; a task with submissions stays.
  RunResult upd = run_cli("board task update --db " + db() + " --task hw1 --public-fraction 0.9");
  EXPECT_EQ(upd.exit_code, 6);
  EXPECT_NE(upd.err.find("split"), std::string::npos);
  RunResult ext = run_cli("board task update --db " + db() + " --task hw1 --deadline 2099-02-01 --json");
  ASSERT_EQ(ext.exit_code, 0) << ext.err;
  EXPECT_EQ(parse_out(ext)["deadline"], "2099-02-01T00:00:00Z");
  EXPECT_EQ(run_cli("board task remove --db " + db() + " --task hw1").exit_code, 6);
  EXPECT_EQ(run_cli("board reinstate --db " + db() + " --task hw1 --user s2 --reason x").exit_code, 6);
  ASSERT_EQ(run_cli("board disqualify --db " + db() + " --task hw1 --user s2 --reason copied").exit_code, 0);
  RunResult g = run_cli("board grades --db " + db() + " --format csv");
  EXPECT_EQ(g.out.substr(0, g.out.find('\r')), "user,name,passed,tasks,percent,grade,hw1 score,hw1 status");
  EXPECT_NE(g.out.find("disqualified: copied"), std::string::npos) << g.out;
  ASSERT_EQ(run_cli("board reinstate --db " + db() + " --task hw1 --user s2 --reason mistake").exit_code, 0);
  EXPECT_EQ(show()["entries"].size(), 2u);
  RunResult rm = run_cli("board task remove --db " + db() + " --task hw1 --force");
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(rm.out, "removed hw1 (3 submissions)\n");
}

TEST_F(BoardTest, CheckWithoutSubmissionsAndReRegistration) {
  const Data d = make_data(5, 1, 21);
  add_task("", d.gt);
  reg("alice", "Alice");
  const json j = parse_out(run_cli("board check --db " + db() + " --task hw1 --user alice --json"));
  EXPECT_EQ(j["status"], "none");
  EXPECT_TRUE(j["submission_id"].is_null());
  EXPECT_EQ(run_cli("board register --db " + db() + " --user alice --name Alice").exit_code, 0);  // idempotent
  EXPECT_EQ(run_cli("board register --db " + db() + " --user alice --name Other").exit_code, 6);
  EXPECT_EQ(run_cli("board register --db " + db() + " --user alice --name Other --update").exit_code, 0);
  EXPECT_EQ(run_cli("board task list --db " + db() + " --json").exit_code, 0);
  RunResult missing = run_cli("board show --db " + q(tmp / "nope.db") + " --task hw1");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no such board"), std::string::npos);
}

}  // namespace
}  // namespace deteval
