#include "deteval/board/board.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "deteval/board/sha256.hpp"
#include "deteval/board/time.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/summary.hpp"
#include "score.hpp"
#include "db.hpp"
#include "queries.hpp"
#include "store.hpp"

namespace deteval::board {

using nlohmann::json;
using namespace detail;

namespace {

const char* kTaskColumns =
    "name, metric, public_fraction, seed, deadline, daily_limit, max_dets_per_image, pass_score, "
    "max_submission_bytes, gt_sha256, gt_file_name, images, public_images, annotations, categories, revealed, "
    "created_at, final_picks, late_until, late_penalty, strict";

Task read_task(const sql::Stmt& s) {
  Task t;
  t.name = s.text(0);
  try {
    t.metric = parse_metric(s.text(1));
  } catch (const UsageError& e) {  // a board written by another version of deteval
    throw Error(ErrorKind::internal, "task '" + t.name + "': stored metric: " + e.message());
  }
  t.public_fraction = s.f64(2);
  t.split_seed = static_cast<std::uint64_t>(s.i64(3));
  t.seed = t.split_seed;
  t.deadline = s.opt_i64(4);
  if (auto v = s.opt_i64(5)) t.daily_limit = static_cast<int>(*v);
  if (auto v = s.opt_i64(6)) t.max_dets_per_image = static_cast<int>(*v);
  t.pass_score = s.opt_f64(7);
  t.max_submission_bytes = s.i64(8);
  t.gt_sha256 = s.text(9);
  t.gt_file_name = s.text(10);
  t.images = s.i64(11);
  t.public_images = s.i64(12);
  t.annotations = s.i64(13);
  for (const auto& c : json::parse(s.text(14))) {
    Category cat;
    cat.id = c.at(0).get<std::int64_t>();
    cat.name = c.at(1).get<std::string>();
    t.categories.push_back(std::move(cat));
  }
  t.revealed = s.i64(15) != 0;
  t.created_at = s.i64(16);
  t.final_picks = static_cast<int>(s.i64(17));
  t.late_until = s.opt_i64(18);
  t.late_penalty = s.f64(19);
  t.strict = s.i64(20) != 0;
  return t;
}

// The rules a task must satisfy, whether added or updated. Messages name the rule, not a flag.
void check_rules(const TaskRules& r) {
  if (!(r.public_fraction > 0 && r.public_fraction <= 1))
    throw UsageError("public fraction: expected a number in (0, 1], got " + std::to_string(r.public_fraction));
  if (r.daily_limit && *r.daily_limit < 0) throw UsageError("daily limit: expected a count >= 0");
  if (r.max_dets_per_image && *r.max_dets_per_image < 0)
    throw UsageError("detections per image: expected a count >= 0");
  if (r.pass_score && !std::isfinite(*r.pass_score)) throw UsageError("pass score: expected a number");
  if (r.max_submission_bytes <= 0) throw UsageError("maximum submission size: expected a positive size");
  if (r.final_picks < 1) throw UsageError("final picks: expected a count >= 1");
  if (!(r.late_penalty >= 0 && r.late_penalty <= 1))
    throw UsageError("late penalty: expected a number in [0, 1], got " + std::to_string(r.late_penalty));
  if (r.late_until && !r.deadline) throw UsageError("late submissions: the task needs a deadline first");
  if (r.late_until && *r.late_until < *r.deadline)
    throw UsageError("late submissions: the end of the late window is before the deadline");
}

void write_split(sql::Db& db, const std::string& task, const GroundTruth& gt, const std::vector<std::uint8_t>& is_public) {
  sql::Stmt del(db, "DELETE FROM task_images WHERE task_name = ?");
  del.bind(1, task).run();
  sql::Stmt img(db, "INSERT INTO task_images(task_name, image_id, public) VALUES (?, ?, ?)");
  for (std::size_t i = 0; i < gt.images.size(); ++i) {
    img.reset();
    img.bind(1, task).bind(2, gt.images[i].id).bind(3, static_cast<std::int64_t>(is_public[i])).run();
  }
}

std::int64_t count_submissions(sql::Db& db, const std::string& task) {
  sql::Stmt s(db, "SELECT count(*) FROM submissions WHERE task_name = ?");
  s.bind(1, task).step();
  return s.i64(0);
}

void log_disqualification(sql::Db& db, const std::string& task, const std::string& user, const char* action,
                          const std::string& reason, std::int64_t now) {
  sql::Stmt s(db, "INSERT INTO disqualification_log(task_name, user_id, action, reason, at) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, task).bind(2, user).bind(3, action).bind(4, reason).bind(5, now).run();
}

}  // namespace

namespace detail {

IouType iou_type_of(Metric m) { return m == Metric::coco_segm ? IouType::segm : IouType::bbox; }

GroundTruth load_gt(store::Files& files, const Task& t) {
  const std::string content = files.get(t.gt_sha256);
  try {
    return parse_coco_gt(content, "stored ground truth of task '" + t.name + "'", iou_type_of(t.metric));
  } catch (const InputError& e) {
    throw Error(ErrorKind::internal, e.what());
  }
}

std::optional<Task> find_task(sql::Db& db, const std::string& name) {
  sql::Stmt s(db, (std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE name = ?").c_str());
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return read_task(s);
}

std::optional<UserRecord> find_user(sql::Db& db, const std::string& id) {
  sql::Stmt s(db, "SELECT name, display_name FROM users WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return UserRecord{id, s.text(0), s.opt_text(1)};
}

UserRecord require_user(sql::Db& db, const std::string& id) {
  auto u = find_user(db, id);
  if (!u) throw UsageError("user '" + id + "' is not registered");
  return *u;
}

std::optional<std::string> disqualification(sql::Db& db, const std::string& task, const std::string& user) {
  sql::Stmt s(db, "SELECT reason FROM disqualifications WHERE task_name = ? AND user_id = ?");
  s.bind(1, task).bind(2, user);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

}  // namespace detail

Clock system_clock() { return &system_now_ms; }

bool is_server_database(const std::string& db) { return sql::is_postgres_uri(db); }

const char* to_string(Metric m) {
  switch (m) {
    case Metric::coco_bbox: return "coco-bbox";
    case Metric::coco_segm: return "coco-segm";
    case Metric::voc07: return "voc07";
    case Metric::voc12: return "voc12";
  }
  return "?";
}

Metric parse_metric(std::string_view text) {
  for (Metric m : {Metric::coco_bbox, Metric::coco_segm, Metric::voc07, Metric::voc12})
    if (text == to_string(m)) return m;
  throw UsageError("metric", "expected coco-bbox, coco-segm, voc07 or voc12, got '" + std::string(text) + "'");
}

const char* to_string(Split s) { return s == Split::public_split ? "public" : "private"; }

void check_label(const std::string& text, const char* what) {
  if (text.empty() || text.size() > 256)
    throw UsageError(std::string(what) + ": expected 1 to 256 bytes, got " + std::to_string(text.size()));
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > text.size()) throw UsageError(std::string(what) + ": expected UTF-8 text");
    for (int k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80)
        throw UsageError(std::string(what) + ": expected UTF-8 text");
    if (c < 0x20 || c == 0x7f) throw UsageError(std::string(what) + ": control characters are not allowed");
    i += len;
  }
}

std::vector<GradeLevel> parse_grade_scale(const std::string& text) {
  std::vector<GradeLevel> levels;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    const auto colon = item.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
      throw UsageError("grade scale: expected label:percent[,label:percent...], got '" + text + "'");
    GradeLevel g;
    g.label = item.substr(0, colon);
    char* stop = nullptr;
    const std::string num = item.substr(colon + 1);
    g.min_percent = std::strtod(num.c_str(), &stop);
    if (*stop || !std::isfinite(g.min_percent) || g.min_percent < 0 || g.min_percent > 100)
      throw UsageError("grade scale: expected a percentage in [0, 100] after '" + g.label + ":', got '" + num + "'");
    check_label(g.label, "grade label");
    levels.push_back(std::move(g));
    start = end + 1;
  }
  std::stable_sort(levels.begin(), levels.end(),
                   [](const GradeLevel& a, const GradeLevel& b) { return a.min_percent > b.min_percent; });
  return levels;
}

// --- opening ------------------------------------------------------------------------------------

namespace {

// Where the board's files are: meta('files') is "table" or "dir:<folder>"; none (an SQLite
// board made before version 5, or without --files) means the folder beside the database.
std::unique_ptr<store::Files> open_files(sql::Db& db, const std::string& locator) {
  sql::Stmt s(db, "SELECT value FROM meta WHERE key = 'files'");
  const std::string where = s.step() ? s.text(0) : "";
  if (where == "table") return store::table(db);
  if (where.rfind("dir:", 0) == 0) return store::folder(where.substr(4));
  if (db.dialect() != sql::Dialect::sqlite) throw UsageError(locator + ": board without a file store setting");
  return store::folder(sql::sqlite_path(locator) + ".files");
}

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (!::getcwd(cwd, sizeof cwd)) throw IoError::cannot_read(path, std::strerror(errno));
  return std::string(cwd) + "/" + path;
}

}  // namespace

void Board::init(const std::string& locator, const std::string& files) {
  const bool pg = sql::is_postgres_uri(locator);
  const auto db = sql::open(locator, true);
  if (!pg) {
    db->exec("PRAGMA journal_mode = WAL");
    db->exec("PRAGMA synchronous = FULL");
  }
  prepare_schema(*db, locator);
  std::string setting;  // what meta('files') should say ("" : the SQLite default)
  if (files == "table" || (files.empty() && pg)) setting = "table";
  else if (!files.empty()) setting = "dir:" + absolute(files);
  sql::Transaction tx(*db, true);
  sql::Stmt cur(*db, "SELECT value FROM meta WHERE key = 'files'");
  const std::optional<std::string> existing = cur.step() ? std::optional<std::string>(cur.text(0)) : std::nullopt;
  if (existing && !files.empty() && *existing != setting)
    throw UsageError(locator + ": the board keeps its files in " + *existing + "; they cannot move by init");
  if (!existing && !setting.empty()) {
    sql::Stmt s(*db, "INSERT INTO meta(key, value) VALUES ('files', ?)");
    s.bind(1, setting).run();
  }
  tx.commit();
  const auto store = open_files(*db, locator);
  if (!store->dir().empty()) store::init(store->dir());
}

Board::Board(const std::string& locator, Clock clock) : db_path_(locator), clock_(std::move(clock)) {
  if (!sql::is_postgres_uri(locator)) {
    struct stat st {};
    if (::stat(sql::sqlite_path(locator).c_str(), &st) != 0) throw UsageError(locator + ": no such board");
  }
  db_ = sql::open(locator, false);
  if (db_->dialect() == sql::Dialect::sqlite)
    db_->exec("PRAGMA synchronous = FULL");  // a commit is on disk before submit reports it
  const std::string version = schema_version(*db_);
  if (version.empty()) throw UsageError(locator + ": not a deteval board" +
                                        (db_->dialect() == sql::Dialect::postgres ? " (no such board)" : ""));
  if (version != kSchemaVersion) prepare_schema(*db_, locator);  // upgraded once, by whoever opens it first
  files_ = open_files(*db_, locator);
}

std::string Board::store_dir() const { return files_->dir(); }

Board::~Board() = default;

// --- tasks ----------------------------------------------------------------------------------------

Task Board::add_task(const TaskRules& rules, const std::string& gt_path) {
  check_label(rules.name, "task name");
  check_rules(rules);
  if (find_task(*db_, rules.name)) throw UsageError("task '" + rules.name + "' already exists");

  const std::string content = read_file(gt_path);
  const GroundTruth gt = parse_coco_gt(content, gt_path, iou_type_of(rules.metric));
  if (gt.images.empty()) throw InputError::whole(gt_path, "a task needs at least one image");
  const std::string sha = sha256_hex(content);
  files_->put(sha, content);

  std::uint64_t seed;
  if (rules.seed) {
    seed = *rules.seed;
  } else {  // secret by default: the split must not be computable by participants
    std::random_device rd;
    seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  const auto is_public = compute_split(gt, rules.public_fraction, seed);
  json cats = json::array();
  for (const auto& c : gt.categories) cats.push_back(json::array({c.id, c.name}));

  sql::Transaction tx(*db_, true);
  if (find_task(*db_, rules.name)) throw UsageError("task '" + rules.name + "' already exists");
  sql::Stmt ins(*db_,
                "INSERT INTO tasks(name, metric, public_fraction, seed, deadline, daily_limit, max_dets_per_image, "
                "pass_score, max_submission_bytes, gt_sha256, gt_file_name, images, public_images, annotations, "
                "categories, revealed, created_at, final_picks, late_until, late_penalty, strict) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)");
  const auto n_public = std::count(is_public.begin(), is_public.end(), 1);
  ins.bind(1, rules.name)
      .bind(2, to_string(rules.metric))
      .bind(3, rules.public_fraction)
      .bind(4, static_cast<std::int64_t>(seed))
      .bind(5, rules.deadline)
      .bind(6, rules.daily_limit)
      .bind(7, rules.max_dets_per_image)
      .bind(8, rules.pass_score)
      .bind(9, rules.max_submission_bytes)
      .bind(10, sha)
      .bind(11, std::filesystem::path(gt_path).filename().string())
      .bind(12, static_cast<std::int64_t>(gt.images.size()))
      .bind(13, static_cast<std::int64_t>(n_public))
      .bind(14, static_cast<std::int64_t>(gt.size()))
      .bind(15, cats.dump())
      .bind(16, now())
      .bind(17, rules.final_picks)
      .bind(18, rules.late_until)
      .bind(19, rules.late_penalty)
      .bind(20, static_cast<std::int64_t>(rules.strict))
      .run();
  write_split(*db_, rules.name, gt, is_public);
  tx.commit();
  return task(rules.name);
}

Task Board::update_task(const std::string& name, const TaskUpdate& u) {
  sql::Transaction tx(*db_, true);
  Task t = task(name);
  if (u.deadline) t.deadline = u.deadline;
  if (u.late_until) t.late_until = u.late_until;
  if (u.daily_limit) t.daily_limit = u.daily_limit;
  if (u.pass_score) t.pass_score = u.pass_score;
  if (u.late_penalty) t.late_penalty = *u.late_penalty;
  if (u.public_fraction) t.public_fraction = *u.public_fraction;
  check_rules(t);
  if (u.public_fraction) {
    // Scores already recorded were computed on the old split: it must not move under them.
    if (count_submissions(*db_, name) > 0)
      throw refusal("task '" + name + "' has submissions: its public/private split can no longer change");
    const GroundTruth gt = load_gt(*files_, t);
    const auto is_public = compute_split(gt, t.public_fraction, t.split_seed);
    write_split(*db_, name, gt, is_public);
    t.public_images = std::count(is_public.begin(), is_public.end(), 1);
  }
  sql::Stmt s(*db_,
              "UPDATE tasks SET deadline = ?, late_until = ?, daily_limit = ?, pass_score = ?, late_penalty = ?, "
              "public_fraction = ?, public_images = ? WHERE name = ?");
  s.bind(1, t.deadline)
      .bind(2, t.late_until)
      .bind(3, t.daily_limit)
      .bind(4, t.pass_score)
      .bind(5, t.late_penalty)
      .bind(6, t.public_fraction)
      .bind(7, t.public_images)
      .bind(8, name)
      .run();
  tx.commit();
  return task(name);
}

std::int64_t Board::remove_task(const std::string& name, bool force) {
  sql::Transaction tx(*db_, true);
  task(name);
  const std::int64_t n = count_submissions(*db_, name);
  if (n > 0 && !force)
    throw refusal("task '" + name + "' has " + std::to_string(n) + " submission" + (n == 1 ? "" : "s") +
                  "; removing it would delete them");
  for (const char* table : {"selections", "disqualifications", "disqualification_log", "submissions", "task_images",
                            "tasks"}) {
    sql::Stmt s(*db_, (std::string("DELETE FROM ") + table + (std::string(table) == "tasks" ? " WHERE name = ?"
                                                                                             : " WHERE task_name = ?"))
                          .c_str());
    s.bind(1, name).run();
  }
  tx.commit();
  return n;
}

std::vector<Task> Board::tasks() {
  std::vector<Task> out;
  sql::Stmt s(*db_, (std::string("SELECT ") + kTaskColumns + " FROM tasks ORDER BY name").c_str());
  while (s.step()) out.push_back(read_task(s));
  return out;
}

Task Board::task(const std::string& name) {
  auto t = find_task(*db_, name);
  if (!t) throw UsageError("there is no task named '" + name + "'");
  return *t;
}

std::vector<std::int64_t> Board::public_image_ids(const std::string& name) {
  task(name);
  std::vector<std::int64_t> ids;
  sql::Stmt s(*db_, "SELECT image_id FROM task_images WHERE task_name = ? AND public = 1 ORDER BY image_id");
  s.bind(1, name);
  while (s.step()) ids.push_back(s.i64(0));
  return ids;
}

TestImages Board::test_images(const std::string& name) {
  const Task t = task(name);
  GroundTruth gt = load_gt(*files_, t);
  TestImages out;
  out.task = t.name;
  out.images = std::move(gt.images);
  std::sort(out.images.begin(), out.images.end(), [](const Image& a, const Image& b) { return a.id < b.id; });
  out.categories = std::move(gt.categories);
  return out;
}

void Board::reveal(const std::string& name) {
  sql::Transaction tx(*db_, true);
  task(name);
  sql::Stmt s(*db_, "UPDATE tasks SET revealed = 1 WHERE name = ?");
  s.bind(1, name).run();
  tx.commit();
}

// --- users ----------------------------------------------------------------------------------------

namespace {

RegisterOutcome register_one(sql::Db& db, const UserRecord& u, bool update, std::int64_t now) {
  check_label(u.id, "user id");
  check_label(u.name, "name");
  if (u.display_name) check_label(*u.display_name, "display name");
  if (auto existing = find_user(db, u.id)) {
    if (existing->name == u.name && (!u.display_name || existing->display_name == u.display_name))
      return RegisterOutcome::unchanged;
    if (!update) throw refusal("user '" + u.id + "' is already registered under another name");
    sql::Stmt s(db, "UPDATE users SET name = ?, display_name = coalesce(?, display_name) WHERE id = ?");
    s.bind(1, u.name).bind(2, u.display_name).bind(3, u.id).run();
    return RegisterOutcome::updated;
  }
  sql::Stmt s(db, "INSERT INTO users(id, name, registered_at, display_name) VALUES (?, ?, ?, ?)");
  s.bind(1, u.id).bind(2, u.name).bind(3, now).bind(4, u.display_name).run();
  return RegisterOutcome::added;
}

}  // namespace

RegisterOutcome Board::register_user(const UserRecord& u, bool update) { return register_users({u}, update).at(0); }

std::vector<RegisterOutcome> Board::register_users(const std::vector<UserRecord>& users, bool update) {
  sql::Transaction tx(*db_, true);
  std::vector<RegisterOutcome> out;
  const std::int64_t t = now();
  for (const UserRecord& u : users) out.push_back(register_one(*db_, u, update, t));
  tx.commit();
  return out;
}

// --- disqualification -----------------------------------------------------------------------------

void Board::disqualify(const std::string& task_name, const std::string& user, const std::string& reason) {
  sql::Transaction tx(*db_, true);
  task(task_name);
  require_user(*db_, user);
  const std::int64_t t = now();
  sql::Stmt s(*db_, "INSERT INTO disqualifications(task_name, user_id, reason, at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (task_name, user_id) DO UPDATE SET reason = excluded.reason, at = excluded.at");
  s.bind(1, task_name).bind(2, user).bind(3, reason).bind(4, t).run();
  log_disqualification(*db_, task_name, user, "disqualify", reason, t);
  tx.commit();
}

void Board::reinstate(const std::string& task_name, const std::string& user, const std::string& reason) {
  sql::Transaction tx(*db_, true);
  task(task_name);
  require_user(*db_, user);
  if (!disqualification(*db_, task_name, user))
    throw refusal("user '" + user + "' is not disqualified from task '" + task_name + "'");
  sql::Stmt s(*db_, "DELETE FROM disqualifications WHERE task_name = ? AND user_id = ?");
  s.bind(1, task_name).bind(2, user).run();
  log_disqualification(*db_, task_name, user, "reinstate", reason, now());
  tx.commit();
}

}  // namespace deteval::board
