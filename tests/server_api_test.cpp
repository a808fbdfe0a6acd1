// `deteval board serve`: the JSON API against a server started by the test on a free
// loopback port. Every status of the API (docs/board.md, "The web service"), bodies equal
// to the CLI's --json output for the same call, scores equal to `deteval coco`, tokens
// stored as hashes only, and a graceful SIGTERM that finishes accepted scorings.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "deteval/board/sha256.hpp"
#include "server_test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::bearer;
using test::q;

struct ServerApiTest : ::testing::Test {
  test::BoardDir dir;
  test::Data data = test::make_data(40, 3, 7, 2);
  std::atomic<std::int64_t> offset_ms{0};  // the server's clock: real time shifted by the test
  bool frozen = false;
  std::int64_t frozen_at = 0;
  std::unique_ptr<test::LiveServer> live;
  std::unique_ptr<httplib::Client> http;

  server::ServerOptions options() {
    server::ServerOptions o;
    o.db = dir.db_path().string();
    o.registration_code = "open sesame";
    o.organizer_token = "organizer-secret-0123456789";
    o.workers = 2;
    o.http_threads = 8;
    o.register_per_minute = 1000;
    o.clock = [this] { return (frozen ? frozen_at : board::system_now_ms()) + offset_ms.load(); };
    return o;
  }
  void start(server::ServerOptions o) {
    http.reset();
    live.reset();
    live = std::make_unique<test::LiveServer>(std::move(o));
    http = live->client();
  }
  void SetUp() override { dir.add_task("hw1", data.gt, "--public-fraction 0.5 --seed 3 --daily-limit 3"); }

  std::string register_user(const std::string& id, const std::string& name = "") {
    auto r = http->Post("/api/register", json{{"user", id}, {"name", name.empty() ? id : name}, {"code", "open sesame"}}.dump(),
                        "application/json");
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 201) << r->body;
    return json::parse(r->body).value("token", "");
  }
  httplib::Result submit(const std::string& token, const std::string& body, const std::string& task = "hw1") {
    return http->Post(("/api/tasks/" + task + "/submissions").c_str(), bearer(token), body, "application/json");
  }
};

TEST_F(ServerApiTest, RegisterStatusesAndTokensStoredAsHashesOnly) {
  start(options());
  const std::string token = register_user("ada", "Ada Lovelace");
  ASSERT_EQ(token.size(), 4u + 64u);
  EXPECT_EQ(token.substr(0, 4), "dtv_");
  // 409: the id is taken, whatever the name; 403: wrong or missing code; 400: not JSON.
  auto r = http->Post("/api/register", R"({"user": "ada", "name": "Ada Lovelace", "code": "open sesame"})", "application/json");
  EXPECT_EQ(r->status, 409) << r->body;
  r = http->Post("/api/register", R"({"user": "bob", "name": "Bob", "code": "open sesam"})", "application/json");
  EXPECT_EQ(r->status, 403) << r->body;
  r = http->Post("/api/register", R"({"user": "bob", "name": "Bob"})", "application/json");
  EXPECT_EQ(r->status, 403) << r->body;
  r = http->Post("/api/register", "{", "application/json");
  EXPECT_EQ(r->status, 400) << r->body;
  r = http->Post("/api/register", R"({"user": "bo\u0001b", "name": "Bob", "code": "open sesame"})", "application/json");
  EXPECT_EQ(r->status, 400) << r->body;
  // Body size capped before reading.
  r = http->Post("/api/register", std::string(200 << 10, ' '), "application/json");
  EXPECT_EQ(r->status, 413);
  r = http->Delete("/api/tasks", std::string(200 << 10, ' '), "text/plain");  // any route, any method
  EXPECT_EQ(r->status, 413);

  // The board holds the token's SHA-256, never the token.
  http.reset();
  live.reset();
  const std::string bytes = test::slurp(dir.db_path()) + test::slurp(dir.tmp / "b.db-wal");
  EXPECT_EQ(bytes.find(token), std::string::npos);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(dir.db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT token_sha256, user_id FROM tokens", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_EQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), board::sha256_hex(token));
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)), "ada");
  sqlite3_finalize(s);
  sqlite3_close(db);

  // `board token` replaces it: the old one stops working.
  const test::RunResult t = dir.cli("board token --db " + dir.db() + " --user ada");
  const std::string fresh = t.out.substr(0, t.out.find('\n'));
  start(options());
  EXPECT_EQ(http->Get("/api/tasks/hw1/submissions", bearer(token))->status, 401);
  EXPECT_EQ(http->Get("/api/tasks/hw1/submissions", bearer(fresh))->status, 200);
}

TEST_F(ServerApiTest, RegistrationClosedWithoutCodeAndLimitedPerAddress) {
  auto o = options();
  o.registration_code.reset();
  o.register_per_minute = 3;
  start(o);
  for (int i = 0; i < 3; ++i) {
    auto r = http->Post("/api/register", json{{"user", "u" + std::to_string(i)}, {"name", "U"}, {"code", ""}}.dump(),
                        "application/json");
    EXPECT_EQ(r->status, 403) << r->body;  // closed: the organizer registers people
  }
  auto r = http->Post("/api/register", R"({"user": "u9", "name": "U", "code": ""})", "application/json");
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("Retry-After"), "60");
  offset_ms += 60000;  // the next minute: allowed again
  r = http->Post("/api/register", R"({"user": "u9", "name": "U", "code": ""})", "application/json");
  EXPECT_EQ(r->status, 403);
}

TEST_F(ServerApiTest, TaskBodiesEqualTheCli) {
  start(options());
  auto r = http->Get("/api/tasks");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, dir.cli("board task list --json --db " + dir.db()).out);
  r = http->Get("/api/tasks/hw1");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, dir.cli("board task info --json --task hw1 --db " + dir.db()).out);
  EXPECT_EQ(r->body.find("seed"), std::string::npos);  // participants' view
  r = http->Get("/api/tasks/hw1/images");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, dir.cli("board task images --task hw1 --db " + dir.db()).out);
  EXPECT_EQ(r->body.find("annotations"), std::string::npos);
  r = http->Get("/api/tasks/hw1/images?format=txt&download=1");
  EXPECT_EQ(r->body, dir.cli("board task images --format txt --task hw1 --db " + dir.db()).out);
  EXPECT_EQ(r->get_header_value("Content-Disposition"), "attachment; filename=\"images.txt\"");
  EXPECT_EQ(http->Get("/api/tasks/nope")->status, 404);
  EXPECT_EQ(http->Get("/api/tasks/nope/images")->status, 404);
}

TEST_F(ServerApiTest, SubmissionStatusesAndScoresEqualDetevalCoco) {
  dir.add_task("all", data.gt, "--public-fraction 1 --max-submission-bytes 100000");
  start(options());
  const std::string ada = register_user("ada");
  const std::string dt = data.dt.dump();

  // 200: scored; the score is `deteval coco`'s AP on the same files (every image public).
  auto r = submit(ada, dt, "all");
  ASSERT_EQ(r->status, 200) << r->body;
  const json scored = json::parse(r->body);
  const std::string coco_json = (dir.tmp / "coco.json").string();
  dir.cli("coco --gt " + q(dir.tmp / "all_gt.json") + " --dt " + q(dir.write("dt.json", data.dt)) + " --json " + q(coco_json));
  EXPECT_EQ(scored["public_score"].get<double>(), json::parse(test::slurp(coco_json))["stats"]["AP"].get<double>());
  EXPECT_EQ(scored["status"], "scored");

  // The same file through `board submit`: indistinguishable on the board (same score, same
  // stored file), the JSON objects alike but for the id.
  dir.cli("board register --db " + dir.db() + " --user bob --name bob");
  json cli = json::parse(dir.cli("board submit --json --db " + dir.db() + " --task all --user bob " +
                                 q(dir.write("submission.json", data.dt))).out);
  cli["submission_id"] = scored["submission_id"];
  EXPECT_EQ(cli, scored);

  // 422: rejected with the located message, recorded like the CLI's.
  json broken = data.dt;
  broken[2]["bbox"] = "wide";
  r = submit(ada, broken.dump(), "all");
  ASSERT_EQ(r->status, 422) << r->body;
  const json rejected = json::parse(r->body);
  EXPECT_EQ(rejected["status"], "rejected");
  EXPECT_NE(rejected["error"].get<std::string>().find("submission.json: [2].bbox"), std::string::npos) << r->body;
  EXPECT_TRUE(rejected["submission_id"].is_number());

  // 413: over the task's cap, refused before the body is read; nothing recorded.
  r = submit(ada, std::string(100001, ' '), "all");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // ... and a chunked body (no declared size) is cut off at the cap while read.
  http = live->client();
  r = http->Post(
      "/api/tasks/all/submissions", bearer(ada),
      [](std::size_t offset, httplib::DataSink& sink) {
        const std::string block(10000, ' ');
        if (offset < 300000) sink.write(block.data(), block.size());
        else sink.done();
        return true;
      },
      "application/json");
  if (r) EXPECT_EQ(r->status, 413);  // or the connection is closed mid-body: refused either way
  http = live->client();
  // 401: no token, or an unknown one; 404: no such task.
  EXPECT_EQ(http->Post("/api/tasks/all/submissions", dt, "application/json")->status, 401);
  EXPECT_EQ(submit("dtv_" + std::string(64, '0'), dt, "all")->status, 401);
  EXPECT_EQ(submit(ada, dt, "nope")->status, 404);

  // History: two rows (the 413 left none), as `board history --json` prints them.
  r = http->Get("/api/tasks/all/submissions", bearer(ada));
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, dir.cli("board history --json --db " + dir.db() + " --task all --user ada").out);
  EXPECT_EQ(json::parse(r->body)["submissions"].size(), 2u);
  // One submission, as submit --json printed it; another's is not found.
  r = http->Get(("/api/tasks/all/submissions/" + std::to_string(scored["submission_id"].get<int>())).c_str(), bearer(ada));
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body), scored);
  EXPECT_EQ(http->Get(("/api/tasks/all/submissions/" + std::to_string(cli["submission_id"].get<int>() + 1)).c_str(),
                      bearer(ada))->status,
            404);

  // Multipart (the page's form) works on the API too; the part's file name names the file.
  httplib::MultipartFormDataItems items = {{"file", dt, "../../etc/preds.json", "application/json"}};
  r = http->Post("/api/tasks/all/submissions", bearer(ada), items);
  ASSERT_EQ(r->status, 200) << r->body;
  items = {{"file", broken.dump(), "dir/my preds.json", "application/json"}};
  r = http->Post("/api/tasks/all/submissions", bearer(ada), items);
  ASSERT_EQ(r->status, 422) << r->body;
  EXPECT_EQ(json::parse(r->body)["error"].get<std::string>().rfind("mypreds.json: [2].bbox", 0), 0u) << r->body;

  // check: the `check --json` object.
  r = http->Get("/api/tasks/all/check", bearer(ada));
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, dir.cli("board check --json --db " + dir.db() + " --task all --user ada").out);
}

TEST_F(ServerApiTest, DailyLimitIs429WithRetryAfter) {
  frozen = true;
  frozen_at = board::system_now_ms();
  start(options());
  const std::string ada = register_user("ada");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(submit(ada, data.dt.dump())->status, 200);
  auto r = submit(ada, data.dt.dump());
  ASSERT_EQ(r->status, 429) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "86400");  // the clock stands still
  EXPECT_NE(json::parse(r->body)["error"].get<std::string>().find("daily limit"), std::string::npos);
  offset_ms += 3600 * 1000;
  r = submit(ada, data.dt.dump());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("Retry-After"), "82800");
  offset_ms += 23 * 3600 * 1000 + 1;  // the first one left the 24 hours
  EXPECT_EQ(submit(ada, data.dt.dump())->status, 200);
}

TEST_F(ServerApiTest, DeadlinePassedIs403) {
  dir.add_task("old", data.gt, "--deadline 2001-01-01");
  start(options());
  const std::string ada = register_user("ada");
  auto r = submit(ada, data.dt.dump(), "old");
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_EQ(json::parse(r->body)["status"], "rejected");
}

TEST_F(ServerApiTest, SlowScoringAnswers202AndThePollGivesTheScore) {
  auto o = options();
  o.submit_wait = std::chrono::milliseconds(0);
  start(o);
  const std::string ada = register_user("ada"), bob = register_user("bob");
  auto r = submit(ada, data.dt.dump());
  ASSERT_EQ(r->status, 202) << r->body;
  const json pending = json::parse(r->body);
  EXPECT_EQ(pending["status"], "pending");
  EXPECT_TRUE(pending["submission_id"].is_null());
  const std::string poll = pending["poll"];
  EXPECT_EQ(http->Get(poll.c_str(), bearer(bob))->status, 404);  // not bob's
  EXPECT_EQ(http->Get(poll.c_str())->status, 401);
  json done;
  for (int i = 0; i < 600; ++i) {
    r = http->Get(poll.c_str(), bearer(ada));
    if (r->status != 202) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(r->status, 200) << r->body;
  done = json::parse(r->body);
  EXPECT_EQ(done["status"], "scored");
  const auto h = json::parse(http->Get("/api/tasks/hw1/submissions", bearer(ada))->body);
  ASSERT_EQ(h["submissions"].size(), 1u);
  EXPECT_EQ(h["submissions"][0]["submission_id"], done["submission_id"]);
  EXPECT_EQ(http->Get("/api/jobs/999999", bearer(ada))->status, 404);
}

// The board's database work queue behind the same interface (`--queue database`): this
// server's scorer threads claim from the database, the answers are the memory queue's.
TEST_F(ServerApiTest, DatabaseQueueAnswersAsTheMemoryQueue) {
  frozen = true;
  frozen_at = board::system_now_ms();
  auto o = options();
  o.make_queue = [db = o.db, clock = o.clock] {
    return server::make_database_queue(db, clock, 1, 100, {board::kDefaultLeaseMs, std::chrono::milliseconds(5),
                                                           std::chrono::milliseconds(20)});
  };
  start(o);
  const std::string ada = register_user("ada");
  auto r = submit(ada, data.dt.dump());
  ASSERT_EQ(r->status, 200) << r->body;
  const json scored = json::parse(r->body);
  EXPECT_EQ(scored["status"], "scored");
  dir.cli("board register --db " + dir.db() + " --user bob --name bob");
  json cli = json::parse(dir.cli("board submit --json --db " + dir.db() + " --task hw1 --user bob " +
                                 q(dir.write("submission.json", data.dt))).out);
  cli["submission_id"] = scored["submission_id"];
  EXPECT_EQ(cli, scored);
  json broken = data.dt;
  broken[1]["score"] = "high";
  r = submit(ada, broken.dump());
  ASSERT_EQ(r->status, 422) << r->body;
  EXPECT_NE(json::parse(r->body)["error"].get<std::string>().find("[1].score"), std::string::npos) << r->body;
  for (int i = 0; i < 2; ++i) EXPECT_EQ(submit(ada, data.dt.dump())->status, 200);
  r = submit(ada, data.dt.dump());  // the fourth scored of the day: the daily limit of 3
  ASSERT_EQ(r->status, 429) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "86400");
  EXPECT_EQ(submit(ada, data.dt.dump(), "nope")->status, 404);
}

// A retry with the same Idempotency-Key makes no second submission, on either queue.
TEST_F(ServerApiTest, ARetryWithTheSameIdempotencyKeyIsTheSameSubmission) {
  for (const bool database : {false, true}) {
    auto o = options();
    if (database)
      o.make_queue = [db = o.db, clock = o.clock] { return server::make_database_queue(db, clock, 1, 100); };
    start(o);
    const std::string user = database ? "dbq" : "mem";
    const std::string token = register_user(user);
    httplib::Headers h = bearer(token);
    h.emplace("Idempotency-Key", "upload-1");
    auto first = http->Post("/api/tasks/hw1/submissions", h, data.dt.dump(), "application/json");
    auto again = http->Post("/api/tasks/hw1/submissions", h, data.dt.dump(), "application/json");
    ASSERT_EQ(first->status, 200) << first->body;
    ASSERT_EQ(again->status, 200) << again->body;
    EXPECT_EQ(json::parse(again->body), json::parse(first->body)) << (database ? "database" : "memory");
    const auto history = json::parse(http->Get("/api/tasks/hw1/submissions", bearer(token))->body);
    EXPECT_EQ(history["submissions"].size(), 1u);
    EXPECT_EQ(submit(token, data.dt.dump())->status, 200);  // without a key: a new submission
  }
}

// A front end without scorers (`--workers 0 --queue database`): the submission waits in the
// database (202, its job id the submission id) until a `deteval board worker` scores it.
TEST_F(ServerApiTest, AFrontEndLeavesTheScoringToBoardWorkers) {
  auto o = options();
  o.submit_wait = std::chrono::milliseconds(50);
  o.make_queue = [db = o.db, clock = o.clock] { return server::make_database_queue(db, clock, 0, 100); };
  start(o);
  const std::string ada = register_user("ada");
  auto r = submit(ada, data.dt.dump());
  ASSERT_EQ(r->status, 202) << r->body;
  const std::string poll = json::parse(r->body)["poll"];
  EXPECT_EQ(http->Get(poll.c_str(), bearer(ada))->status, 202);
  const auto worked = dir.cli("board worker --json --exit-when-idle --db " + dir.db());
  EXPECT_NE(worked.out.find("\"scored\""), std::string::npos) << worked.out;
  r = http->Get(poll.c_str(), bearer(ada));
  ASSERT_EQ(r->status, 200) << r->body;
  const json done = json::parse(r->body);
  EXPECT_EQ(done["status"], "scored");
  EXPECT_EQ("/api/jobs/" + std::to_string(done["submission_id"].get<std::int64_t>()), poll);
}

// The scoring runs behind one interface: a queue that is full makes the server answer 503
// (nothing recorded, the spooled upload removed); one that never finishes, 202.
struct StuckQueue : server::ScoringQueue {
  bool full = false;
  std::vector<std::string> files;
  std::optional<std::int64_t> enqueue(server::ScoringJob job) override {
    if (full) return std::nullopt;
    files.push_back(job.file);
    return static_cast<std::int64_t>(files.size());
  }
  server::JobState wait(std::int64_t id, std::chrono::milliseconds) override {
    server::JobState s;
    s.phase = server::JobState::Phase::pending;
    s.task = "hw1";
    s.user = id > 0 ? "ada" : "";
    return s;
  }
  void drain() override {}
};

TEST_F(ServerApiTest, AFullQueueIs503AndAStuckOneIs202) {
  auto o = options();
  auto* queue = new StuckQueue;
  o.make_queue = [queue] { return std::unique_ptr<server::ScoringQueue>(queue); };
  start(o);
  const std::string ada = register_user("ada");
  auto r = submit(ada, data.dt.dump());
  ASSERT_EQ(r->status, 202) << r->body;
  ASSERT_EQ(queue->files.size(), 1u);
  EXPECT_EQ(test::slurp(queue->files[0]), data.dt.dump());  // the body, spooled for the scorer
  std::filesystem::remove(queue->files[0]);
  queue->full = true;
  r = submit(ada, data.dt.dump());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->get_header_value("Retry-After"), "5");
  EXPECT_TRUE(std::filesystem::is_empty(std::filesystem::path(queue->files[0]).parent_path()));
  EXPECT_EQ(json::parse(http->Get("/api/tasks/hw1/submissions", bearer(ada))->body)["submissions"].size(), 0u);
}

TEST_F(ServerApiTest, LeaderboardSelectionAndOrganizerEndpoints) {
  start(options());
  const std::string ada = register_user("ada"), bob = register_user("bob");
  const int a1 = json::parse(submit(ada, data.dt.dump())->body)["submission_id"];
  const int b1 = json::parse(submit(bob, data.dt.dump())->body)["submission_id"];  // a copy

  auto r = http->Get("/api/tasks/hw1/leaderboard");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, dir.cli("board show --json --db " + dir.db() + " --task hw1").out);
  EXPECT_EQ(http->Get("/api/tasks/hw1/leaderboard?split=private")->status, 403);  // hidden until revealed
  EXPECT_EQ(http->Get("/api/tasks/hw1/leaderboard?split=sideways")->status, 400);
  const auto org = bearer("organizer-secret-0123456789");
  r = http->Get("/api/tasks/hw1/leaderboard?split=private", org);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, dir.cli("board show --json --private --organizer --db " + dir.db() + " --task hw1").out);

  // select: the select --json object; another's submission is refused (422).
  r = http->Post("/api/tasks/hw1/select", bearer(ada), json{{"submissions", {a1}}}.dump(), "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "{\"task\": \"hw1\", \"user\": \"ada\", \"final_picks\": [" + std::to_string(a1) + "]}\n");
  EXPECT_EQ(http->Post("/api/tasks/hw1/select", bearer(ada), json{{"submissions", {b1}}}.dump(), "application/json")->status,
            422);
  EXPECT_EQ(http->Post("/api/tasks/hw1/select", bearer(ada), R"({"submissions": "all"})", "application/json")->status, 400);
  EXPECT_EQ(http->Post("/api/tasks/hw1/select", R"({"submissions": [1]})", "application/json")->status, 401);

  // Organizer endpoints: 401 without a token, 403 with a participant's.
  EXPECT_EQ(http->Get("/api/tasks/hw1/suspicious")->status, 401);
  EXPECT_EQ(http->Get("/api/tasks/hw1/suspicious", bearer(ada))->status, 403);
  r = http->Get("/api/tasks/hw1/suspicious", org);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, dir.cli("board suspicious --json --db " + dir.db() + " --task hw1").out);
  EXPECT_EQ(json::parse(r->body)["pairs"][0]["kind"], "identical");
  r = http->Post("/api/tasks/hw1/disqualify", org, R"({"user": "bob", "reason": "copied ada"})", "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(http->Get("/api/tasks/hw1/leaderboard")->body)["entries"].size(), 1u);
  EXPECT_EQ(http->Post("/api/tasks/hw1/reinstate", org, R"({"user": "bob", "reason": "appeal"})", "application/json")->status,
            200);
  EXPECT_EQ(http->Post("/api/tasks/hw1/reinstate", org, R"({"user": "bob", "reason": "again"})", "application/json")->status,
            409);
  EXPECT_EQ(http->Post("/api/tasks/hw1/disqualify", bearer(ada), R"({"user": "bob", "reason": "x"})", "application/json")
                ->status,
            403);
  EXPECT_EQ(http->Get("/api/grades", org)->status, 400);  // no task has a pass score
  dir.cli("board task update --db " + dir.db() + " --task hw1 --pass-score 0.1");
  r = http->Get("/api/grades", org);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, dir.cli("board grades --json --db " + dir.db()).out);
  EXPECT_EQ(http->Get("/api/grades", bearer(ada))->status, 403);

  // reveal: the private board opens to everyone.
  EXPECT_EQ(http->Post("/api/tasks/hw1/reveal", bearer(ada), "", "application/json")->status, 403);
  ASSERT_EQ(http->Post("/api/tasks/hw1/reveal", org, "", "application/json")->status, 200);
  r = http->Get("/api/tasks/hw1/leaderboard?split=private");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, dir.cli("board show --json --private --db " + dir.db() + " --task hw1").out);
}

TEST_F(ServerApiTest, PagesEscapeEverythingAndCheckTheCsrfToken) {
  start(options());
  auto r = http->Post("/api/register",
                      json{{"user", "<b>x</b>"}, {"name", "<script>alert(1)</script>"}, {"code", "open sesame"}}.dump(),
                      "application/json");
  ASSERT_EQ(r->status, 201);
  const std::string token = json::parse(r->body)["token"];
  submit(token, data.dt.dump());
  const httplib::Headers cookie = {{"Cookie", "deteval_token=" + token}};
  r = http->Get("/tasks/hw1", cookie);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(r->body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(r->body.find("&lt;b&gt;x&lt;/b&gt;"), std::string::npos);  // signed in as
  EXPECT_NE(r->body.find("name=\"viewport\""), std::string::npos);
  EXPECT_EQ(r->body.find("src=\"http"), std::string::npos);  // no external assets
  // The form without the session's CSRF token is refused; with it, scored.
  httplib::MultipartFormDataItems items = {{"csrf", "forged", "", ""}, {"file", data.dt.dump(), "p.json", "application/json"}};
  EXPECT_EQ(http->Post("/tasks/hw1/submit", cookie, items)->status, 403);
  const auto at = r->body.find("name=\"csrf\" value=\"");
  ASSERT_NE(at, std::string::npos);
  const std::string csrf = r->body.substr(at + 19, 32);
  items[0].content = csrf;
  r = http->Post("/tasks/hw1/submit", cookie, items);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(http->Post("/tasks/hw1/submit", items)->status, 401);
  EXPECT_EQ(http->Get("/tasks/nope")->status, 404);
}

// SIGTERM: the server stops accepting, and every accepted scoring is finished and recorded.
TEST_F(ServerApiTest, SigtermFinishesAcceptedScorings) {
  const test::Data big = test::make_data(150, 5, 9, 2);  // some scoring time each
  dir.add_task("big", big.gt, "");
  dir.cli("board register --db " + dir.db() + " --user ada --name Ada");
  const std::string token = dir.cli("board token --db " + dir.db() + " --user ada").out.substr(0, 68);
  test::ServerProcess p("--db " + dir.db() + " --workers 1 --submit-wait 0");
  ASSERT_GT(p.port, 0) << p.out;
  auto c = p.client();
  for (int i = 0; i < 3; ++i) {
    auto r = c->Post("/api/tasks/big/submissions", bearer(token), big.dt.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 202) << r->body;
  }
  EXPECT_EQ(p.stop(), 0) << p.tail;
  const json h = json::parse(dir.cli("board history --json --db " + dir.db() + " --task big --user ada").out);
  ASSERT_EQ(h["submissions"].size(), 3u);
  for (const json& e : h["submissions"]) EXPECT_EQ(e["status"], "scored") << e.dump();
  EXPECT_NE(p.tail.find("stopped"), std::string::npos) << p.tail;
}

}  // namespace
}  // namespace deteval
