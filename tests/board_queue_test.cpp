// The board's work queue and migration, on SQLite (board_queue_test) and PostgreSQL
// (board_queue_pg_test): enqueue returns at once (also through `board serve --queue
// database`, over HTTP), workers on many processes claim,
// score outside any transaction and record each submission once, a killed worker's
// claim is retaken after its lease, daily limits stay exact, request ids are idempotent,
// and `board migrate` copies a whole board so that every output is the same.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "board_backend.hpp"
#include "board_test_data.hpp"
#include "deteval/board/board.hpp"
#include "deteval/board/migrate.hpp"
#include "deteval/board/render.hpp"
#include "deteval/board/sha256.hpp"
#include "deteval/formats/error.hpp"
#include "test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::q;
using test::run_cli;
using test::RunResult;

json parse(const std::string& s) {
  try {
    return json::parse(s);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << s;
    return json();
  }
}

std::vector<json> json_lines(const std::string& s) {
  std::vector<json> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(parse(line));
  return out;
}

class BoardQueue : public ::testing::Test {
 protected:
  test::TempDir tmp;
  test::BoardPlace place{tmp.path()};
  std::string db() const { return q(place.locator()); }

  void SetUp() override {
    if (place.locator().empty()) GTEST_SKIP() << place.skip_reason();
    ASSERT_EQ(run_cli("board init --db " + db() + place.init_args()).exit_code, 0);
  }
  std::filesystem::path write(const std::string& name, const json& j) {
    test::spit(tmp / name, j.dump());
    return tmp / name;
  }
  void add_task(const std::string& extra, const json& gt) {
    RunResult r = run_cli("board task add --db " + db() + " --task hw1 --gt " + q(write("gt.json", gt)) +
                          " --metric coco-bbox --seed 42 " + extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void reg_many(int n) {
    std::string csv = "id,name\n";
    for (int i = 0; i < n; ++i) csv += "u" + std::to_string(i) + ",User " + std::to_string(i) + "\n";
    test::spit(tmp / "users.csv", csv);
    RunResult r = run_cli("board register --db " + db() + " --from-csv " + q(tmp / "users.csv"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // `deteval coco`'s AP of `dt` on the task's public images.
  double coco_public_ap(const test::Data& d, const json& dt) {
    const json info = parse(run_cli("board task info --db " + db() + " --task hw1 --json --organizer").out);
    const auto ids = info["public_image_ids"].get<std::set<std::int64_t>>();
    json gt = d.gt, sub = json::array();
    gt["images"] = json::array();
    gt["annotations"] = json::array();
    for (const auto& im : d.gt["images"]) if (ids.count(im["id"])) gt["images"].push_back(im);
    for (const auto& a : d.gt["annotations"]) if (ids.count(a["image_id"])) gt["annotations"].push_back(a);
    for (const auto& r : dt) if (ids.count(r["image_id"])) sub.push_back(r);
    RunResult c = run_cli("coco --gt " + q(write("pub_gt.json", gt)) + " --dt " + q(write("pub_dt.json", sub)) +
                          " --json " + q(tmp / "coco.json"));
    EXPECT_EQ(c.exit_code, 0) << c.err;
    return json::parse(test::slurp(tmp / "coco.json"))["stats"]["AP"];
  }
};

pid_t spawn(const std::string& shell_command) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", shell_command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

int wait_status(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F(BoardQueue, EnqueueReturnsAtOnceAndAWorkerScoresItAsSubmitWould) {
  const test::Data d = test::make_data(20, 2, 51);
  add_task("", d.gt);
  reg_many(2);
  const auto f = write("a.json", d.dt);
  RunResult now = run_cli("board submit --db " + db() + " --task hw1 --user u0 " + q(f) + " --json");
  ASSERT_EQ(now.exit_code, 0) << now.err;
  const json sync = parse(now.out);
  RunResult queued =
      run_cli("board submit --db " + db() + " --task hw1 --user u1 " + q(f) + " --json --enqueue --request-id req-1");
  ASSERT_EQ(queued.exit_code, 0) << queued.err;
  const json qj = parse(queued.out);
  EXPECT_EQ(qj["status"], "queued");
  EXPECT_EQ(qj["submission_id"], 2);
  EXPECT_TRUE(qj["public_score"].is_null());
  // The participant sees it waiting; a retry with the same request id makes no second one.
  EXPECT_EQ(parse(run_cli("board check --db " + db() + " --task hw1 --user u1 --json").out)["status"], "queued");
  RunResult retry =
      run_cli("board submit --db " + db() + " --task hw1 --user u1 " + q(f) + " --json --enqueue --request-id req-1");
  EXPECT_EQ(parse(retry.out), qj);
  EXPECT_EQ(parse(run_cli("board show --db " + db() + " --task hw1 --format json").out)["entries"].size(), 1u);

  RunResult w = run_cli("board worker --db " + db() + " --exit-when-idle --json --threads 2");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  const auto done = json_lines(w.out);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0]["submission_id"], 2);
  EXPECT_EQ(done[0]["status"], "scored");
  EXPECT_EQ(done[0]["public_score"], sync["public_score"]);
  const json c = parse(run_cli("board check --db " + db() + " --task hw1 --user u1 --json").out);
  EXPECT_EQ(c["status"], "scored");
  EXPECT_EQ(c["public_score"], sync["public_score"]);
  // The same request id after completion: the recorded outcome, still one row.
  EXPECT_EQ(parse(run_cli("board submit --db " + db() + " --task hw1 --user u1 " + q(f) +
                          " --json --request-id req-1").out)["status"],
            "scored");
  test::Sql sql(place.locator());
  EXPECT_EQ(sql.one("SELECT count(*) FROM submissions"), "2");
  // Nothing left: an idle worker exits at once.
  EXPECT_TRUE(run_cli("board worker --db " + db() + " --exit-when-idle --json").out.empty());
}

TEST_F(BoardQueue, AClaimHoldsUntilItsLeaseThenAnotherWorkerTakesIt) {
  const test::Data d = test::make_data(10, 2, 52);
  add_task("", d.gt);
  reg_many(1);
  std::int64_t clock = 1'800'000'000'000;
  board::Board b(place.locator(), [&] { return clock; });
  const auto sub = b.enqueue({"hw1", "u0", write("a.json", d.dt).string(), "a.json", ""});
  ASSERT_EQ(sub.status, "queued");
  const auto polled = b.submission(*sub.id);  // what a front end polls
  ASSERT_TRUE(polled);
  EXPECT_EQ(polled->task, "hw1");
  EXPECT_EQ(polled->user, "u0");
  EXPECT_EQ(polled->result.status, "queued");
  EXPECT_FALSE(b.submission(*sub.id + 100));
  const auto first = b.claim("w1", 1000);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, *sub.id);
  EXPECT_EQ(first->attempt, 1);
  EXPECT_FALSE(b.claim("w2", 1000)) << "held by w1";
  clock += 1001;  // w1's lease ran out (it died, or is slow)
  const auto second = b.claim("w2", 1000);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->attempt, 2);
  EXPECT_NE(second->token, first->token);
  EXPECT_FALSE(b.complete(*first)) << "a lost claim records nothing";
  const auto r = b.complete(*second);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "scored");
  EXPECT_FALSE(b.complete(*second)) << "recorded once";
  EXPECT_EQ(b.submission(*sub.id)->result.public_score, r->public_score);
  EXPECT_EQ(b.queued(), 0);

  // A submission whose every claim ends without a result is rejected, not retried forever.
  const auto poison = b.enqueue({"hw1", "u0", write("b.json", d.dt).string(), "b.json", ""});
  for (int i = 0; i < board::kMaxScoringAttempts; ++i) {
    ASSERT_TRUE(b.claim("w", 1000)) << i;
    clock += 1001;
  }
  EXPECT_FALSE(b.claim("w", 1000));
  const auto h = b.history("hw1", "u0");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].id, *poison.id);
  EXPECT_EQ(h[1].status, "rejected");
  EXPECT_NE(h[1].error.find("could not be scored"), std::string::npos) << h[1].error;
}

// The scenario: 2 servers (`board serve --queue database --workers 0`) take 200
// submissions of 40 users over HTTP while 4 `board worker`s score them; 2 workers die
// (SIGKILL) holding a claim. Every submission is recorded once, scores equal `deteval
// coco`, and the daily limit (4) holds exactly for every user.
TEST_F(BoardQueue, ManyWorkersAndServersScoreEverySubmissionOnce) {
  const test::Data d = test::make_data(30, 2, 53);
  add_task("--daily-limit 4 --public-fraction 0.5", d.gt);
  constexpr int kUsers = 40, kPerUser = 5;
  reg_many(kUsers);
  std::vector<std::string> tokens;
  for (int u = 0; u < kUsers; ++u) {
    RunResult t = run_cli("board token --db " + db() + " --user u" + std::to_string(u));
    ASSERT_EQ(t.exit_code, 0) << t.err;
    tokens.push_back(t.out.substr(0, t.out.find('\n')));
  }
  std::vector<std::filesystem::path> files;
  std::map<std::string, double> expected;  // sha256 -> deteval coco's AP on the public images
  for (int k = 0; k < kPerUser; ++k) {
    json dt = d.dt;
    dt.erase(dt.begin(), dt.begin() + 7 * k);
    files.push_back(write("f" + std::to_string(k) + ".json", dt));
    expected[board::sha256_hex(test::slurp(files.back()))] = coco_public_ap(d, dt);
  }
  // Two servers that only accept (front ends); each prints the port it listens on.
  std::vector<pid_t> servers;
  std::vector<int> ports;
  for (int e = 0; e < 2; ++e) {
    const std::string out = (tmp / ("s" + std::to_string(e))).string();
    servers.push_back(spawn("exec '" + std::string(DETEVAL_CLI) + "' board serve --db " + db() +
                            " --listen 127.0.0.1:0 --queue database --workers 0 --submit-wait 0 --http-threads 8 >" +
                            q(out) + " 2>" + q(out + ".err")));
    int port = 0;
    for (int i = 0; i < 400 && port == 0; ++i) {
      const std::string text = std::filesystem::exists(out) ? test::slurp(out) : "";
      const auto at = text.find("http://127.0.0.1:");
      if (at != std::string::npos && text.find('\n', at) != std::string::npos) port = std::stoi(text.substr(at + 17));
      else std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(port, 0) << "server " << e << " did not start: " << test::slurp(out + ".err");
    ports.push_back(port);
  }
  // The requests: user u's k-th submission is file k, alternately to server 0 and 1.
  std::vector<std::pair<int, int>> requests[2];  // (user, file)
  for (int u = 0; u < kUsers; ++u)
    for (int k = 0; k < kPerUser; ++k) requests[(u * kPerUser + k) % 2].push_back({u, k});
  std::vector<std::string> bodies;
  for (const auto& f : files) bodies.push_back(test::slurp(f));
  std::vector<pid_t> workers;
  auto start_worker = [&](int w) {
    // Workers 0 and 1 kill themselves (SIGKILL) right after their 2nd and 4th claims,
    // holding a submission they have not scored.
    const std::string crash = w == 0 ? "DETEVAL_BOARD_CRASH_AT=claimed:2 " : w == 1 ? "DETEVAL_BOARD_CRASH_AT=claimed:4 " : "";
    workers.push_back(spawn(crash + "exec '" + DETEVAL_CLI + "' board worker --db " + db() +
                            " --lease 1 --poll-ms 10 --json --name w" + std::to_string(w) + " >" +
                            q(tmp / ("w" + std::to_string(w))) + " 2>" + q(tmp / ("w" + std::to_string(w) + ".err"))));
  };
  // The two that crash start first and alone, so that they reach their claims however
  // slowly processes start on a loaded machine; the two survivors start once they died
  // (the four overlap while the survivors retake the crashed claims after their lease).
  start_worker(0);
  start_worker(1);
  // Two clients, one per server, each writing one line per answer: the submission id and
  // status (202: queued, its job id the submission id; 429: refused by the limit at the door).
  std::vector<pid_t> fronts;
  for (int e = 0; e < 2; ++e) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::string out;
      httplib::Client http("127.0.0.1", ports[e]);
      http.set_read_timeout(60, 0);
      for (const auto& [u, k] : requests[e]) {
        auto r = http.Post("/api/tasks/hw1/submissions", {{"Authorization", "Bearer " + tokens[u]}}, bodies[k],
                           "application/json");
        if (!r) {
          out += "error: no answer\n";
          continue;
        }
        const json j = json::parse(r->body, nullptr, false);
        if (r->status == 202) out += json{{"status", "queued"}, {"submission_id", j["job"]}}.dump() + "\n";
        else if (r->status == 200 || r->status == 429) out += j.dump() + "\n";  // already recorded
        else out += "error: " + std::to_string(r->status) + " " + r->body + "\n";
      }
      test::spit(tmp / ("e" + std::to_string(e)), out);
      ::_exit(0);
    }
    fronts.push_back(pid);
  }
  int crashed[2] = {-1, -1};
  {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (int w = 0; w < 2; ++w) {
      int status = 0;
      while (::waitpid(workers[w], &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (std::chrono::steady_clock::now() >= until && ::waitpid(workers[w], &status, WNOHANG) == 0) {
        ::kill(workers[w], SIGKILL);  // never reached its claim: reported below, not a hang
        ::waitpid(workers[w], &status, 0);
        crashed[w] = -2;
      } else {
        crashed[w] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
  }
  start_worker(2);
  start_worker(3);
  for (pid_t p : fronts) wait_status(p);
  test::Sql sql(place.locator());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (sql.one("SELECT count(*) FROM submissions WHERE status = 'queued'") != "0" &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // The survivors stop gracefully.
  for (int w = 2; w < 4; ++w) ::kill(workers[w], SIGTERM);
  for (pid_t p : servers) {
    ::kill(p, SIGTERM);
    EXPECT_EQ(wait_status(p), 0) << "a server did not stop cleanly";
  }
  EXPECT_EQ(crashed[0], 128 + SIGKILL) << "worker 0 did not die at its claim";
  EXPECT_EQ(crashed[1], 128 + SIGKILL) << "worker 1 did not die at its claim";
  EXPECT_EQ(wait_status(workers[2]), 0) << test::slurp(tmp / "w2.err");
  EXPECT_EQ(wait_status(workers[3]), 0) << test::slurp(tmp / "w3.err");

  // Each request was answered with its own submission: queued (202), refused by the limit
  // at the door (429), or, when a worker was quicker than the answer, its outcome...
  std::map<std::int64_t, std::string> answered;  // id -> status answered
  int answers = 0;
  for (int e = 0; e < 2; ++e)
    for (const json& j : json_lines(test::slurp(tmp / ("e" + std::to_string(e))))) {
      ++answers;
      answered[j.value("submission_id", std::int64_t{0})] = j.value("status", "");
    }
  EXPECT_EQ(answers, kUsers * kPerUser);
  EXPECT_EQ(answered.size(), static_cast<std::size_t>(kUsers * kPerUser));
  // ...then recorded exactly once: by exactly one worker, or at the door (and by no worker).
  std::map<std::int64_t, int> recorded;  // id -> times a worker recorded it
  std::map<std::int64_t, double> scores;  // id -> public score, as the worker printed it (17 digits)
  for (int w = 0; w < 4; ++w)
    for (const json& j : json_lines(test::slurp(tmp / ("w" + std::to_string(w))))) {
      ++recorded[j["submission_id"]];
      if (j["status"] == "scored") scores[j["submission_id"]] = j["public_score"];
    }
  for (const auto& [id, n] : recorded) EXPECT_EQ(n, 1) << "submission " << id;
  for (const auto& [id, status] : answered)
    if (!recorded.count(id)) EXPECT_EQ(status, "rejected") << "submission " << id << " recorded by no worker";
  EXPECT_EQ(sql.one("SELECT count(*) FROM submissions"), std::to_string(kUsers * kPerUser));
  EXPECT_EQ(sql.one("SELECT count(*) FROM submissions WHERE status NOT IN ('scored', 'rejected')"), "0");
  // The killed workers' claims were taken again after their lease.
  EXPECT_GE(std::stoi(sql.one("SELECT count(*) FROM submissions WHERE attempts >= 2")), 2);
  // Exactly 4 scored per user, the 5th refused by the limit; scores equal deteval coco.
  for (const auto& row : sql.rows("SELECT user_id, count(*) FROM submissions WHERE status = 'scored' GROUP BY user_id"))
    EXPECT_EQ(row[1], "4") << row[0];
  EXPECT_EQ(sql.one("SELECT count(DISTINCT user_id) FROM submissions WHERE status = 'scored'"), std::to_string(kUsers));
  EXPECT_EQ(sql.one("SELECT count(*) FROM submissions WHERE status = 'rejected' AND error LIKE '%daily limit%'"),
            std::to_string(kUsers));
  int checked = 0;
  for (const auto& row : sql.rows("SELECT id, sha256 FROM submissions WHERE status = 'scored'")) {
    ASSERT_TRUE(expected.count(row[1]));
    EXPECT_EQ(scores.at(std::stoll(row[0])), expected[row[1]]) << "submission " << row[0];
    ++checked;
  }
  EXPECT_EQ(checked, kUsers * 4);
}

// `board migrate`: an SQLite board with every kind of row, copied into this backend,
// gives the same outputs for every command, and the copy goes on taking submissions.
TEST_F(BoardQueue, MigrateCopiesAWholeBoardAndEveryOutputIsTheSame) {
  // Source: an SQLite board in a folder of its own.
  test::TempDir src_dir;
  const std::string src = "sqlite:" + (src_dir / "course.db").string();
  ASSERT_EQ(run_cli("board init --db " + q(src)).exit_code, 0);
  const test::Data d = test::make_data(24, 2, 54);
  ASSERT_EQ(run_cli("board task add --db " + q(src) + " --task hw1 --gt " + q(write("gt.json", d.gt)) +
                    " --metric coco-bbox --seed 7 --pass-score 0.2 --daily-limit 9")
                .exit_code,
            0);
  std::string csv = "id,name,display_name\na,Ann,ann\nb,Bob,\nc,Cyd,\n";
  test::spit(tmp / "users.csv", csv);
  ASSERT_EQ(run_cli("board register --db " + q(src) + " --from-csv " + q(tmp / "users.csv")).exit_code, 0);
  for (int k = 0; k < 3; ++k) {
    json dt = d.dt;
    dt.erase(dt.begin(), dt.begin() + 5 * k);
    for (const char* u : {"a", "b"})
      run_cli("board submit --db " + q(src) + " --task hw1 --user " + u + " " + q(write("s.json", dt)));
  }
  run_cli("board submit --db " + q(src) + " --task hw1 --user c " + q(write("bad.json", json::object())));
  ASSERT_EQ(run_cli("board select --db " + q(src) + " --task hw1 --user a --submissions 3").exit_code, 0);
  ASSERT_EQ(run_cli("board disqualify --db " + q(src) + " --task hw1 --user b --reason x").exit_code, 0);
  ASSERT_EQ(run_cli("board reinstate --db " + q(src) + " --task hw1 --user b --reason y").exit_code, 0);
  ASSERT_EQ(run_cli("board submit --db " + q(src) + " --task hw1 --user c " + q(write("q.json", d.dt)) +
                    " --enqueue --request-id z")
                .exit_code,
            0);

  // This test's board was initialised empty by SetUp: migrate into it.
  RunResult m = run_cli("board migrate --from " + q(src) + " --to " + db() + place.init_args());
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.out.find("submissions: 8 rows"), std::string::npos) << m.out;
  EXPECT_EQ(board::board_digest(src), board::board_digest(place.locator()));
  for (const std::string& cmd :
       {std::string("show --task hw1 --format json"), std::string("show --task hw1 --private --organizer --format csv"),
        std::string("grades --format json"), std::string("suspicious --task hw1 --format json"),
        std::string("task info --task hw1 --json --organizer"), std::string("history --task hw1 --user a --json"),
        std::string("history --task hw1 --user c --json"), std::string("check --task hw1 --user a --json"),
        std::string("task images --task hw1")}) {
    const RunResult a = run_cli("board " + cmd.substr(0, cmd.find(" --")) + " --db " + q(src) + cmd.substr(cmd.find(" --")));
    const RunResult b = run_cli("board " + cmd.substr(0, cmd.find(" --")) + " --db " + db() + cmd.substr(cmd.find(" --")));
    EXPECT_EQ(a.exit_code, 0) << cmd << a.err;
    EXPECT_EQ(a.out, b.out) << cmd;
    EXPECT_EQ(b.exit_code, a.exit_code) << cmd << b.err;
  }
  // The queued submission travelled: a worker on the copy scores it; new ids follow the old.
  RunResult w = run_cli("board worker --db " + db() + " --exit-when-idle --json");
  ASSERT_EQ(json_lines(w.out).size(), 1u) << w.err;
  EXPECT_EQ(json_lines(w.out)[0]["status"], "scored");
  RunResult next = run_cli("board submit --db " + db() + " --task hw1 --user c " + q(write("n.json", d.dt)) + " --json");
  EXPECT_EQ(parse(next.out)["submission_id"], 9) << next.err;
  // A board that already holds data is not a migration target.
  RunResult again = run_cli("board migrate --from " + q(src) + " --to " + db());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("not empty"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace deteval
