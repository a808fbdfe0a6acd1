// The board's rules through the library, on an injected clock: daily limits, deadlines
// and late windows, final picks and the private board, task administration, status and
// history, grades, bulk registration, schema upgrades, and the copy-detection measure.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <set>

#include "board_backend.hpp"
#include "board_test_data.hpp"
#include "deteval/board/board.hpp"
#include "deteval/board/similarity.hpp"
#include "deteval/board/time.hpp"
#include "deteval/board/users_csv.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "test_util.hpp"

namespace deteval::board {
namespace {

using nlohmann::json;
using test::make_data;

std::int64_t at(const char* iso) { return *parse_iso8601(iso); }

class BoardRules : public ::testing::Test {
 protected:
  test::TempDir tmp;
  test::BoardPlace place{tmp.path()};  // SQLite: tmp/board.db; PostgreSQL: a schema of the test server
  std::int64_t clock_ms = at("2025-01-01T00:00:00Z");
  std::unique_ptr<Board> board;

  void SetUp() override {
    if (place.locator().empty()) GTEST_SKIP() << place.skip_reason();
    Board::init(place.locator(), place.init_files());
    board = std::make_unique<Board>(place.locator(), [this] { return clock_ms; });
  }
  // Upgrades of older boards concern SQLite files only: PostgreSQL boards began at version 5.
  bool sqlite_only() const { return !test::kBoardOnPostgres; }
  std::string path(const std::string& name) const { return (tmp / name).string(); }
  std::string write(const std::string& name, const json& j) {
    test::spit(tmp / name, j.dump());
    return path(name);
  }
  Task add(const std::string& name, const json& gt, TaskRules r = {}) {
    r.name = name;
    if (!r.seed) r.seed = 42;
    return board->add_task(r, write(name + "_gt.json", gt));
  }
  void reg(const std::string& id, std::optional<std::string> display = std::nullopt) {
    board->register_user({id, "Full " + id, display}, false);
  }
  SubmissionResult submit(const std::string& task, const std::string& user, const json& dt) {
    return board->submit(task, user, write("sub.json", dt), "sub.json");
  }
  // A current board with task hw1 and one scored submission of alice, made older by
  // `downgrade` (SQL), then reopened: the open upgrades it.
  void as_older_board(const json& gt, const json& dt, const char* downgrade) {
    add("hw1", gt);
    reg("alice");
    ASSERT_EQ(submit("hw1", "alice", dt).status, "scored");
    board.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path("board.db").c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, downgrade, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
    board = std::make_unique<Board>(path("board.db"), [this] { return clock_ms; });
  }
  // Runs `f`, which must be refused by the rules (exit 6) with a message free of flags.
  template <class F>
  std::string refused(F f) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::rejected) << e.what();
      EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "not refused";
    return "";
  }
};

// Detections on the images of `keep` as given, the others thinned to a quarter: a file
// that is good on one part of the split and weak on the other.
json good_on(const test::Data& d, const std::set<std::int64_t>& keep, bool on_kept) {
  json out = json::array();
  std::size_t k = 0;
  for (const auto& r : d.dt) {
    const bool kept = keep.count(r["image_id"].get<std::int64_t>()) == 1;
    if (kept == on_kept || k++ % 4 == 0) out.push_back(r);
  }
  return out;
}

TEST_F(BoardRules, DailyLimitCountsScoredSubmissionsInTheLast24Hours) {
  const auto d = make_data(10, 2, 5);
  TaskRules r;
  r.daily_limit = 2;
  add("hw1", d.gt, r);
  reg("alice");
  clock_ms = at("2025-01-01T10:00:00Z");
  EXPECT_EQ(submit("hw1", "alice", d.dt).status, "scored");
  clock_ms = at("2025-01-01T10:30:00Z");
  EXPECT_EQ(submit("hw1", "alice", json("not a list")).status, "rejected");  // does not count
  clock_ms = at("2025-01-01T11:00:00Z");
  EXPECT_EQ(submit("hw1", "alice", d.dt).status, "scored");
  clock_ms = at("2025-01-02T09:59:59Z");
  const auto over = submit("hw1", "alice", d.dt);
  EXPECT_EQ(over.status, "rejected");
  EXPECT_NE(over.error.find("limit"), std::string::npos);
  EXPECT_NE(over.error.find("2025-01-02T10:00:00Z"), std::string::npos) << over.error;
  const UserStatus st = board->status("hw1", "alice");
  EXPECT_EQ(st.remaining_today, 0);
  EXPECT_EQ(st.next_submission_at, at("2025-01-02T10:00:00Z"));
  EXPECT_EQ(st.rank, 1);
  clock_ms = at("2025-01-02T10:00:01Z");  // the first left the window
  EXPECT_EQ(board->status("hw1", "alice").remaining_today, 1);
  EXPECT_FALSE(board->status("hw1", "alice").next_submission_at);
  EXPECT_EQ(submit("hw1", "alice", d.dt).status, "scored");
  // History: every submission, oldest first, with its status and error.
  const auto h = board->history("hw1", "alice");
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h[1].status, "rejected");
  EXPECT_NE(h[1].error.find("expected a list"), std::string::npos);
  EXPECT_EQ(h[0].submitted_at, at("2025-01-01T10:00:00Z"));
  EXPECT_TRUE(h[0].public_score.has_value());
  EXPECT_FALSE(h[3].public_score.has_value());
}

TEST_F(BoardRules, LeaderboardOrderAndTieBreaking) {
  const auto d = make_data(30, 3, 12);
  TaskRules r;
  r.deadline = at("2025-06-01T00:00:00Z");
  add("hw1", d.gt, r);
  json weak = d.dt;
  weak.erase(weak.begin(), weak.begin() + static_cast<long>(weak.size() / 2));
  for (const char* u : {"carol", "bob", "alice", "dave"}) reg(u);
  auto sub = [&](const char* when, const char* user, const json& dt) {
    clock_ms = at(when);
    ASSERT_EQ(submit("hw1", user, dt).status, "scored");
  };
  sub("2025-05-01T10:00:00Z", "carol", weak);   // 1
  sub("2025-05-01T12:00:00Z", "bob", d.dt);     // 2
  sub("2025-05-01T11:00:00Z", "alice", d.dt);   // 3: same score, earlier than bob
  sub("2025-05-01T13:00:00Z", "alice", weak);   // 4: not her best
  sub("2025-05-01T12:00:00Z", "dave", d.dt);    // 5: same score and time as bob
  clock_ms = at("2025-05-02T00:00:00Z");
  const Leaderboard lb = board->leaderboard("hw1", Split::public_split, false);
  std::vector<std::string> order;
  for (const auto& e : lb.entries) order.push_back(e.user);
  EXPECT_EQ(order, (std::vector<std::string>{"alice", "bob", "dave", "carol"}));
  EXPECT_EQ(lb.entries[0].submissions, 2);
  EXPECT_EQ(lb.entries[0].best_submission_id, 3);
  EXPECT_EQ(lb.entries[0].name, "Full alice");
  EXPECT_LT(*lb.entries[3].score, *lb.entries[0].score);
  refused([&] { board->leaderboard("hw1", Split::private_split, false); });
  EXPECT_EQ(board->leaderboard("hw1", Split::private_split, true).entries.size(), 4u);
  clock_ms = at("2025-06-02T00:00:00Z");
  EXPECT_EQ(board->leaderboard("hw1", Split::private_split, false).entries.size(), 4u);
}

TEST_F(BoardRules, FinalPicksDecideThePrivateBoard) {
  const auto d = make_data(40, 3, 30);
  TaskRules r;
  r.deadline = at("2025-02-01T00:00:00Z");
  r.final_picks = 1;
  add("hw1", d.gt, r);
  const auto ids = board->public_image_ids("hw1");
  const std::set<std::int64_t> pub(ids.begin(), ids.end());
  reg("alice");
  reg("bob");
  const auto a1 = submit("hw1", "alice", good_on(d, pub, true));   // strong public, weak private
  const auto a2 = submit("hw1", "alice", good_on(d, pub, false));  // weak public, strong private
  ASSERT_EQ(a1.status, "scored");
  ASSERT_EQ(a2.status, "scored");
  ASSERT_GT(*a1.public_score, *a2.public_score);
  const auto private_of = [&](std::int64_t id) {
    for (const auto& e : board->leaderboard("hw1", Split::private_split, true).entries)
      if (e.best_submission_id == id) return e.score;
    return std::optional<double>();
  };
  // No selection: the best public submission counts, not the best private one.
  EXPECT_EQ(board->final_picks("hw1", "alice"), std::vector<std::int64_t>{*a1.id});
  const auto auto_private = private_of(*a1.id);
  ASSERT_TRUE(auto_private);
  // The selection decides.
  EXPECT_EQ(board->select("hw1", "alice", {*a2.id}), std::vector<std::int64_t>{*a2.id});
  const auto chosen_private = private_of(*a2.id);
  ASSERT_TRUE(chosen_private);
  EXPECT_GT(*chosen_private, *auto_private);
  EXPECT_TRUE(board->history("hw1", "alice")[1].selected);
  EXPECT_EQ(board->status("hw1", "alice").final_picks, std::vector<std::int64_t>{*a2.id});
  // The public board is unchanged: every submission competes there.
  EXPECT_EQ(board->leaderboard("hw1", Split::public_split, false).entries[0].best_submission_id, *a1.id);

  // Refusals, each exit 6 with a participant-safe message.
  const auto b1 = submit("hw1", "bob", d.dt);
  EXPECT_NE(refused([&] { board->select("hw1", "alice", {*a1.id, *a2.id}); }).find("at most 1"), std::string::npos);
  EXPECT_NE(refused([&] { board->select("hw1", "alice", {*b1.id}); }).find("not one of your"), std::string::npos);
  const auto bad = submit("hw1", "alice", json("x"));
  refused([&] { board->select("hw1", "alice", {*bad.id}); });
  refused([&] { board->select("hw1", "alice", {}); });
  clock_ms = at("2025-02-02T00:00:00Z");
  EXPECT_NE(refused([&] { board->select("hw1", "alice", {*a1.id}); }).find("closed"), std::string::npos);
  EXPECT_EQ(board->final_picks("hw1", "alice"), std::vector<std::int64_t>{*a2.id});  // kept
}

TEST_F(BoardRules, LateSubmissionsArePenalisedUntilTheLateWindowCloses) {
  const auto d = make_data(20, 2, 31);
  TaskRules r;
  r.deadline = at("2025-03-01T00:00:00Z");
  r.late_until = at("2025-03-08T00:00:00Z");
  r.late_penalty = 0.2;
  add("hw1", d.gt, r);
  reg("alice");
  reg("bob");
  const auto on_time = submit("hw1", "alice", d.dt);
  EXPECT_FALSE(on_time.late);
  clock_ms = at("2025-03-02T00:00:00Z");
  const auto late = submit("hw1", "bob", d.dt);
  ASSERT_EQ(late.status, "scored");
  EXPECT_TRUE(late.late);
  EXPECT_DOUBLE_EQ(*late.public_score, *on_time.public_score * 0.8);
  EXPECT_TRUE(board->history("hw1", "bob")[0].late);
  // Private scores stay hidden while late submissions are accepted.
  refused([&] { board->leaderboard("hw1", Split::private_split, false); });
  clock_ms = at("2025-03-08T00:00:01Z");
  EXPECT_NE(submit("hw1", "bob", d.dt).error.find("has passed"), std::string::npos);
  EXPECT_EQ(board->leaderboard("hw1", Split::private_split, false).entries.size(), 2u);
  EXPECT_FALSE(board->status("hw1", "bob").open);
  // A late window needs a deadline and must not end before it.
  TaskRules bad;
  bad.late_until = at("2025-03-08T00:00:00Z");
  EXPECT_THROW(add("hw2", d.gt, bad), UsageError);
}

TEST_F(BoardRules, TaskUpdateExtendsTheDeadlineButNeverMovesTheSplitUnderScores) {
  const auto d = make_data(40, 1, 32);
  TaskRules r;
  r.deadline = at("2025-01-02T00:00:00Z");
  add("hw1", d.gt, r);
  reg("alice");
  TaskUpdate frac;
  frac.public_fraction = 0.25;
  EXPECT_EQ(board->update_task("hw1", frac).public_images, 10);  // before any submission: allowed
  const auto split = board->public_image_ids("hw1");
  clock_ms = at("2025-01-03T00:00:00Z");
  EXPECT_EQ(submit("hw1", "alice", d.dt).status, "rejected");
  TaskUpdate extend;
  extend.deadline = at("2025-01-10T00:00:00Z");
  extend.daily_limit = 3;
  extend.pass_score = 0.3;
  const Task t = board->update_task("hw1", extend);
  EXPECT_EQ(t.deadline, at("2025-01-10T00:00:00Z"));
  EXPECT_EQ(t.daily_limit, 3);
  EXPECT_EQ(submit("hw1", "alice", d.dt).status, "scored");
  frac.public_fraction = 0.75;
  EXPECT_NE(refused([&] { board->update_task("hw1", frac); }).find("split"), std::string::npos);
  EXPECT_EQ(board->public_image_ids("hw1"), split);
  EXPECT_EQ(board->task("hw1").public_fraction, 0.25);
}

TEST_F(BoardRules, TaskRemoveIsRefusedWithSubmissionsUnlessForced) {
  const auto d = make_data(10, 1, 33);
  add("hw1", d.gt);
  add("empty", d.gt);
  reg("alice");
  const auto s = submit("hw1", "alice", d.dt);
  board->disqualify("hw1", "alice", "test");
  EXPECT_EQ(board->remove_task("empty", false), 0);
  EXPECT_NE(refused([&] { board->remove_task("hw1", false); }).find("1 submission"), std::string::npos);
  EXPECT_EQ(board->remove_task("hw1", true), 1);
  EXPECT_THROW(board->task("hw1"), UsageError);
  EXPECT_TRUE(board->tasks().empty());
  // Files are kept in the store.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(tmp / "board.db.files"))
    files += e.is_regular_file();
  EXPECT_EQ(files, 2u);  // the ground truth (shared by both tasks) and the submission
  (void)s;
}

TEST_F(BoardRules, ReinstateUndoesADisqualificationAndGradesSayWhy) {
  const auto d = make_data(20, 2, 34);
  json weak = d.dt;
  weak.erase(weak.begin(), weak.begin() + static_cast<long>(weak.size() * 3 / 4));
  TaskRules r;
  r.pass_score = 0.2;
  add("t1", d.gt, r);
  add("t2", d.gt, r);
  for (const char* u : {"ann", "ben", "cyd"}) reg(u);
  submit("t1", "ann", d.dt);
  submit("t2", "ann", d.dt);
  submit("t1", "ben", weak);
  submit("t1", "cyd", d.dt);
  board->disqualify("t1", "cyd", "copied from ann");
  EXPECT_TRUE(board->leaderboard("t1", Split::public_split, false).entries.size() == 2);
  Grades g = board->grades(parse_grade_scale(kDefaultGradeScale));
  std::map<std::string, UserGrade> by;
  for (auto& u : g.users) by[u.user] = u;
  EXPECT_EQ(by["ann"].tasks[0].status, "passed");
  EXPECT_EQ(by["ann"].grade, "excellent");
  EXPECT_EQ(by["ben"].tasks[0].status, "failed");
  ASSERT_TRUE(by["ben"].tasks[0].score);
  EXPECT_LT(*by["ben"].tasks[0].score, 0.2);
  EXPECT_EQ(by["ben"].tasks[1].status, "no submission");
  EXPECT_EQ(by["cyd"].tasks[0].status, "disqualified");
  EXPECT_EQ(by["cyd"].tasks[0].reason, "copied from ann");
  EXPECT_FALSE(by["cyd"].tasks[0].score);

  board->reinstate("t1", "cyd", "own work after all");
  EXPECT_EQ(board->leaderboard("t1", Split::public_split, false).entries.size(), 3u);
  g = board->grades(parse_grade_scale(kDefaultGradeScale));
  for (const auto& u : g.users)
    if (u.user == "cyd") EXPECT_EQ(u.tasks[0].status, "passed");
  refused([&] { board->reinstate("t1", "cyd", "again"); });
  test::Sql sql(place.locator());
  std::string log;
  for (const auto& row : sql.rows("SELECT action || ':' || reason FROM disqualification_log ORDER BY id"))
    log += (log.empty() ? "" : "|") + row[0];
  EXPECT_EQ(log, "disqualify:copied from ann|reinstate:own work after all");
}

TEST_F(BoardRules, BulkRegistrationIsAllOrNothingAndBoardsShowDisplayNames) {
  const auto users = parse_users_csv("id,name,display_name\r\ns1,\"Lovelace, Ada\",ada\ns2,Bob B\n\ns3,\"Cy \"\"C\"\"\",\n",
                                     "class.csv");
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[0].name, "Lovelace, Ada");
  EXPECT_EQ(users[0].display_name, "ada");
  EXPECT_FALSE(users[1].display_name);
  EXPECT_EQ(users[2].name, "Cy \"C\"");
  auto located = [](const std::string& text) {
    try {
      parse_users_csv(text, "class.csv");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(located("a,A\nb\n"), "class.csv: line 2: expected id,name[,display_name], got 1 field");
  EXPECT_EQ(located("a,A\na,B\n"), "class.csv: line 2: id 'a' appears twice");
  EXPECT_NE(located("a,\"A\n").find("line 1: unterminated"), std::string::npos);

  const auto out = board->register_users(users, false);
  EXPECT_EQ(out, (std::vector<RegisterOutcome>(3, RegisterOutcome::added)));
  // A conflict anywhere registers nobody.
  std::vector<UserRecord> more = {{"s4", "Dee", std::nullopt}, {"s1", "Someone else", std::nullopt}};
  refused([&] { board->register_users(more, false); });
  EXPECT_THROW(board->status("hw1", "s4"), UsageError);
  const auto d = make_data(10, 1, 35);
  add("hw1", d.gt);
  EXPECT_THROW(board->history("hw1", "s4"), UsageError);
  submit("hw1", "s1", d.dt);
  submit("hw1", "s2", d.dt);
  std::set<std::string> names;
  for (const auto& e : board->leaderboard("hw1", Split::public_split, false).entries) names.insert(e.name);
  EXPECT_EQ(names, (std::set<std::string>{"ada", "Bob B"}));
}

// The schema of version 1 boards, verbatim (what an existing board holds).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS users(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  registered_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS tasks(
  name TEXT PRIMARY KEY,
  metric TEXT NOT NULL CHECK (metric IN ('coco-bbox', 'coco-segm', 'voc07', 'voc12')),
  public_fraction REAL NOT NULL CHECK (public_fraction > 0 AND public_fraction <= 1),
  seed INTEGER NOT NULL,
  deadline INTEGER,
  daily_limit INTEGER CHECK (daily_limit >= 0),
  max_dets_per_image INTEGER CHECK (max_dets_per_image >= 0),
  pass_score REAL,
  max_submission_bytes INTEGER NOT NULL CHECK (max_submission_bytes > 0),
  gt_sha256 TEXT NOT NULL,
  gt_file_name TEXT NOT NULL,
  images INTEGER NOT NULL,
  public_images INTEGER NOT NULL,
  annotations INTEGER NOT NULL,
  categories TEXT NOT NULL,
  revealed INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS task_images(
  task_name TEXT NOT NULL REFERENCES tasks(name),
  image_id INTEGER NOT NULL,
  public INTEGER NOT NULL CHECK (public IN (0, 1)),
  PRIMARY KEY (task_name, image_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS submissions(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_name TEXT NOT NULL REFERENCES tasks(name),
  user_id TEXT NOT NULL REFERENCES users(id),
  submitted_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT,
  status TEXT NOT NULL CHECK (status IN ('scored', 'rejected')),
  error TEXT NOT NULL DEFAULT '',
  detections INTEGER,
  public_score REAL,
  private_score REAL,
  public_stats TEXT,
  private_stats TEXT,
  CHECK (status = 'rejected' OR (sha256 IS NOT NULL AND detections IS NOT NULL AND error = ''))
) STRICT;
CREATE INDEX IF NOT EXISTS submissions_by_task_user ON submissions(task_name, user_id, submitted_at);
CREATE TABLE IF NOT EXISTS disqualifications(
  task_name TEXT NOT NULL REFERENCES tasks(name),
  user_id TEXT NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (task_name, user_id)
) STRICT;
)sql";

TEST_F(BoardRules, AVersion1BoardIsUpgradedInPlace) {
  if (!sqlite_only()) GTEST_SKIP() << "SQLite boards only: PostgreSQL boards began at schema version 5";
  // A version 1 board: the v1 schema, filled with the rows of a current board (a task,
  // a user, a scored submission) plus a disqualification.
  const auto d = make_data(10, 1, 36);
  TaskRules r;
  r.seed = 1;
  add("hw1", d.gt, r);
  reg("alice");
  ASSERT_EQ(submit("hw1", "alice", d.dt).status, "scored");
  board.reset();
  const std::string old_db = path("old.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(old_db.c_str(), &db), SQLITE_OK);
  const std::string fill = std::string(kSchemaV1) + "INSERT INTO meta VALUES ('schema', 'deteval-board 1');" +
                           "ATTACH '" + path("board.db") + "' AS cur;" +
                           "INSERT INTO users SELECT id, name, registered_at FROM cur.users;"
                           "INSERT INTO tasks SELECT name, metric, public_fraction, seed, deadline, daily_limit, "
                           "max_dets_per_image, pass_score, max_submission_bytes, gt_sha256, gt_file_name, images, "
                           "public_images, annotations, categories, revealed, created_at FROM cur.tasks;"
                           "INSERT INTO task_images SELECT * FROM cur.task_images;"
                           "INSERT INTO submissions SELECT id, task_name, user_id, submitted_at, size, sha256, status, "
                           "error, detections, public_score, private_score, public_stats, private_stats FROM "
                           "cur.submissions;"
                           "INSERT INTO disqualifications VALUES ('hw1', 'alice', 'copied', 5);";
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db, fill.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_close(db);
  std::filesystem::copy(tmp / "board.db.files", tmp / "old.db.files", std::filesystem::copy_options::recursive);
  {
    Board b(old_db, [this] { return clock_ms; });  // upgrades
    const Task t = b.task("hw1");
    EXPECT_EQ(t.final_picks, 2);
    EXPECT_FALSE(t.late_until);
    EXPECT_FALSE(t.strict);
    EXPECT_TRUE(b.leaderboard("hw1", Split::public_split, false).entries.empty());  // alice is disqualified
    b.reinstate("hw1", "alice", "upgrade test");
    ASSERT_EQ(b.leaderboard("hw1", Split::public_split, false).entries.size(), 1u);
    // Its old submission (no stored sketch) is still compared.
    b.register_user({"bob", "Bob", std::nullopt}, false);
    json copy = d.dt;
    for (auto& x : copy) x["score"] = x["score"].get<double>() * 0.9;
    ASSERT_EQ(b.submit("hw1", "bob", write("copy.json", copy), "copy.json").status, "scored");
    const auto pairs = b.suspicious("hw1");
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(pairs[0].kind, "near-identical");
  }
  Board::init(old_db);  // already current: nothing changes
  Board again(old_db, [this] { return clock_ms; });
  EXPECT_EQ(again.history("hw1", "alice").size(), 1u);
  EXPECT_EQ(again.history("hw1", "bob").size(), 1u);
}

TEST_F(BoardRules, AVersion2BoardGainsTheStrictRuleOffForItsTasks) {
  if (!sqlite_only()) GTEST_SKIP() << "SQLite boards only: PostgreSQL boards began at schema version 5";
  // A version 2 board: a current one without the `strict` column of version 3.
  const auto d = make_data(10, 1, 36);
  as_older_board(d.gt, d.dt,
                 "ALTER TABLE tasks DROP COLUMN strict; DROP TABLE tokens;"
                 "UPDATE meta SET value = 'deteval-board 2' WHERE key = 'schema';");
  if (HasFatalFailure()) return;
  EXPECT_FALSE(board->task("hw1").strict);
  json equal = d.dt;
  for (auto& x : equal) x["score"] = 0.5;
  EXPECT_EQ(submit("hw1", "alice", equal).status, "scored");  // not strict: accepted as before
  TaskRules r;
  r.strict = true;
  EXPECT_TRUE(add("hw2", d.gt, r).strict);
  EXPECT_EQ(submit("hw2", "alice", equal).status, "rejected");
  EXPECT_EQ(board->history("hw1", "alice").size(), 2u);
}

TEST_F(BoardRules, AVersion3BoardGainsTheTokenTable) {
  if (!sqlite_only()) GTEST_SKIP() << "SQLite boards only: PostgreSQL boards began at schema version 5";
  // A version 3 board: a current one without the access tokens of version 4.
  const auto d = make_data(10, 1, 38);
  as_older_board(d.gt, d.dt, "DROP TABLE tokens; UPDATE meta SET value = 'deteval-board 3' WHERE key = 'schema';");
  if (HasFatalFailure()) return;
  EXPECT_EQ(board->history("hw1", "alice").size(), 1u);
  const std::string token = board->issue_token("alice");
  EXPECT_EQ(board->token_user(token), "alice");
  EXPECT_EQ(board->token_user(token + "0"), std::nullopt);
  const std::string again = board->issue_token("alice");  // replaces the first
  EXPECT_NE(again, token);
  EXPECT_EQ(board->token_user(token), std::nullopt);
  EXPECT_EQ(board->token_user(again), "alice");
  EXPECT_THROW(board->issue_token("nobody"), UsageError);
}

TEST_F(BoardRules, AVersion4BoardKeepsItsTokensAndGainsTheQueue) {
  if (!sqlite_only()) GTEST_SKIP() << "SQLite boards only: PostgreSQL boards began at schema version 5";
  // A version 4 board (the web service's tokens table): its submissions are kept, with their ids.
  const auto d = make_data(10, 1, 39);
  add("hw1", d.gt);
  reg("alice");
  ASSERT_EQ(submit("hw1", "alice", d.dt).status, "scored");
  board.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path("board.db").c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE files;"
                         "INSERT INTO tokens VALUES ('ab', 'alice', 1);"
                         "UPDATE meta SET value = 'deteval-board 4' WHERE key = 'schema';",
                         nullptr, nullptr, &err),
            SQLITE_OK)
      << (err ? err : "");
  sqlite3_close(db);
  board = std::make_unique<Board>(path("board.db"), [this] { return clock_ms; });  // upgrades
  EXPECT_EQ(board->history("hw1", "alice").size(), 1u);
  const auto queued = board->enqueue({"hw1", "alice", write("q.json", d.dt), "q.json", "k"});
  EXPECT_EQ(queued.status, "queued");
  EXPECT_EQ(*queued.id, 2);
  test::Sql sql(place.locator());
  EXPECT_EQ(sql.one("SELECT value FROM meta WHERE key = 'schema'"), "deteval-board 5");
  EXPECT_EQ(sql.one("SELECT user_id FROM tokens"), "alice");
  EXPECT_TRUE(sql.intact());
}

TEST_F(BoardRules, AStrictTaskRefusesWhatTheSanityChecksWarnAbout) {
  const auto d = make_data(10, 1, 37);
  TaskRules strict;
  strict.strict = true;
  add("strict", d.gt, strict);
  add("lax", d.gt);
  reg("alice");
  json equal = d.dt;
  for (auto& x : equal) x["score"] = 1.0;
  const SubmissionResult r = submit("strict", "alice", equal);
  EXPECT_EQ(r.status, "rejected");
  EXPECT_NE(r.error.find("sub.json: "), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("the same score"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find(" (refused: the task checks submissions strictly)"), std::string::npos) << r.error;
  ASSERT_TRUE(r.id);  // recorded, with its reason
  const auto h = board->history("strict", "alice");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].error, r.error);
  EXPECT_EQ(submit("lax", "alice", equal).status, "scored");
  EXPECT_EQ(submit("strict", "alice", d.dt).status, "scored");
  // The rule is stored: a reopened board still has it.
  board = std::make_unique<Board>(place.locator(), [this] { return clock_ms; });
  EXPECT_TRUE(board->task("strict").strict);
  EXPECT_FALSE(board->task("lax").strict);
}

TEST_F(BoardRules, AStrictVocTaskHasNoMaxDetsCheck) {
  // 120 detections on each image: past COCO's maxDets (100), all of them count in VOC.
  const auto d = make_data(6, 1, 38, 120);
  TaskRules r;
  r.strict = true;
  add("coco", d.gt, r);
  r.metric = Metric::voc07;
  add("voc", d.gt, r);
  reg("alice");
  const SubmissionResult coco = submit("coco", "alice", d.dt);
  EXPECT_EQ(coco.status, "rejected");
  EXPECT_NE(coco.error.find("refused: the task checks submissions strictly"), std::string::npos) << coco.error;
  const SubmissionResult voc = submit("voc", "alice", d.dt);
  EXPECT_EQ(voc.status, "scored") << voc.error;
}

// --- the similarity measure --------------------------------------------------------------------

TEST(Similarity, SurvivesTrivialEditsAndSeparatesIndependentModels) {
  const auto d = make_data(50, 4, 40);
  const std::string gt_text = d.gt.dump();
  const GroundTruth gt = parse_coco_gt(gt_text, "gt", IouType::bbox);
  auto parse = [&](const json& j) { return parse_coco_results(j.dump(), "dt", gt, IouType::bbox); };
  const Detections src = parse(d.dt);
  json plus = d.dt, rounded = d.dt, dropped = json::array();
  for (auto& r : plus) r["score"] = r["score"].get<double>() + 1e-5;
  for (auto& r : rounded)
    for (auto& v : r["bbox"]) v = std::round(v.get<double>() * 10) / 10;
  for (std::size_t i = 0; i < d.dt.size(); ++i)
    if (i % 10) dropped.push_back(d.dt[i]);
  const Similarity p = compare_detections(src, parse(plus), IouType::bbox);
  EXPECT_EQ(p.matched, src.size());
  EXPECT_EQ(p.similarity(), 1.0);
  EXPECT_EQ(p.rank_correlation, 1.0);
  EXPECT_GE(compare_detections(src, parse(rounded), IouType::bbox).similarity(), 0.97);
  const Similarity dr = compare_detections(src, parse(dropped), IouType::bbox);
  EXPECT_EQ(dr.fraction_b, 1.0);
  EXPECT_NEAR(dr.fraction_a, 0.9, 0.01);
  // Reversed scores: every detection matched, ranks opposite.
  json reversed = d.dt;
  for (auto& r : reversed) r["score"] = 1 - r["score"].get<double>();
  EXPECT_NEAR(*compare_detections(src, parse(reversed), IouType::bbox).rank_correlation, -1.0, 1e-12);
  // Sketches agree: copies estimate high, other data low.
  const auto s_src = sketch_detections(src, gt), s_plus = sketch_detections(parse(plus), gt);
  EXPECT_EQ(estimated_similarity(s_src, s_plus), 1.0);
  EXPECT_GE(estimated_similarity(s_src, sketch_detections(parse(dropped), gt)), 0.8);
  const auto other = make_data(50, 4, 41);
  json other_dt = other.dt;  // different boxes on the same image ids
  EXPECT_LT(estimated_similarity(s_src, sketch_detections(parse(other_dt), gt)), 0.1);
  EXPECT_LT(compare_detections(src, parse(other_dt), IouType::bbox).similarity(), 0.05);
  const auto back = sketch_from_bytes(sketch_to_bytes(s_src));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->minima, s_src.minima);
  EXPECT_EQ(back->keys, s_src.keys);
  EXPECT_FALSE(sketch_from_bytes("abc"));
  // Masks (coco-segm): matched by mask IoU.
  const std::string sgt = test::slurp(test::fixture("coco/random_medium_200img/gt.json"));
  const std::string sdt = test::slurp(test::fixture("coco/random_medium_200img/dt.json"));
  const GroundTruth mgt = parse_coco_gt(sgt, "gt", IouType::segm);
  const Detections mdt = parse_coco_results(sdt, "dt", mgt, IouType::segm);
  json rescored = json::parse(sdt);
  for (auto& r : rescored) r["score"] = r["score"].get<double>() * 0.5;
  const Similarity ms = compare_detections(mdt, parse_coco_results(rescored.dump(), "dt2", mgt, IouType::segm),
                                           IouType::segm);
  EXPECT_GE(ms.similarity(), 0.99) << ms.matched << " of " << mdt.size();
  EXPECT_EQ(ms.rank_correlation, 1.0);
  // Candidates: pairs of different owners only.
  const auto c = candidate_pairs({s_src, s_plus, s_src}, {0, 1, 0}, 0.5);
  EXPECT_EQ(c, (std::vector<std::pair<std::size_t, std::size_t>>{{0, 1}, {1, 2}}));
}

}  // namespace
}  // namespace deteval::board
