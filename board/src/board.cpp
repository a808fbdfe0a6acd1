#include "deteval/board/board.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "deteval/board/sha256.hpp"
#include "deteval/board/time.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/coco_checks.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/summary.hpp"
#include "score.hpp"
#include "sqlite.hpp"
#include "store.hpp"

namespace deteval::board {

using nlohmann::json;

namespace {

constexpr const char* kSchemaVersion = "deteval-board 1";
constexpr std::int64_t kDayMs = 24 * 3600 * 1000;

// Every table is STRICT: a wrong type is an error, not a silent conversion.
constexpr const char* kSchema = R"sql(
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
CREATE TABLE IF NOT EXISTS task_checks(
  task_name TEXT PRIMARY KEY REFERENCES tasks(name),
  strict INTEGER NOT NULL CHECK (strict IN (0, 1))
) STRICT;
CREATE TABLE IF NOT EXISTS disqualifications(
  task_name TEXT NOT NULL REFERENCES tasks(name),
  user_id TEXT NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (task_name, user_id)
) STRICT;
)sql";

IouType iou_type_of(Metric m) { return m == Metric::coco_segm ? IouType::segm : IouType::bbox; }

void require_available(Metric m) {
  if (!metric_available(m)) throw UsageError(std::string("--metric ") + to_string(m) + ": not available in this build");
}

// Testing hook (docs/board.md): die abruptly at a named point of submit().
void crash_point(const char* where) {
  const char* at = std::getenv(kCrashEnv);
  if (at && std::strcmp(at, where) == 0) ::raise(SIGKILL);
}

json stats_json(const std::vector<std::pair<std::string, double>>& stats) {
  json o = json::object();
  for (const auto& [name, v] : stats) o[name] = std::isnan(v) ? json(nullptr) : json(v);
  return o;
}

// With `strict`, the first warning of the sanity checks is the refusal (what `deteval coco
// --strict` would stop on). VOC metrics keep every detection: no maxDets check there.
std::string sanity_refusal(const GroundTruth& gt, const Detections& dt, const ResultsReport& report, const Task& t,
                           const std::string& name) {
  Params p;
  p.iou_type = iou_type_of(t.metric);
  if (t.metric == Metric::voc07 || t.metric == Metric::voc12) p.max_dets = {std::numeric_limits<int>::max()};
  const auto warnings = coco_results_warnings(gt, dt, p, report, name);
  if (warnings.empty()) return "";
  return warnings.front().message + " (refused: the task checks submissions strictly)";
}

ScoreKind score_kind(Metric m) {
  return m == Metric::voc07 ? ScoreKind::voc07 : m == Metric::voc12 ? ScoreKind::voc12 : ScoreKind::coco;
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}


const char* kTaskColumns =
    "name, metric, public_fraction, seed, deadline, daily_limit, max_dets_per_image, pass_score, "
    "max_submission_bytes, gt_sha256, gt_file_name, images, public_images, annotations, categories, revealed, "
    "created_at";

Task read_task(const sql::Stmt& s) {
  Task t;
  t.name = s.text(0);
  parse_metric(s.text(1), t.metric);
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
  return t;
}

// The sanity-check rule of a task: its own table, which boards made before it lack.
bool task_strict(sql::Db& db, const std::string& name) {
  sql::Stmt has(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'task_checks'");
  has.step();
  if (has.i64(0) == 0) return false;
  sql::Stmt s(db, "SELECT strict FROM task_checks WHERE task_name = ?");
  s.bind(1, name);
  return s.step() && s.i64(0) != 0;
}

std::optional<Task> find_task(sql::Db& db, const std::string& name) {
  sql::Stmt s(db, (std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE name = ?").c_str());
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  Task t = read_task(s);
  t.strict = task_strict(db, name);
  return t;
}

std::optional<std::string> find_user(sql::Db& db, const std::string& id) {
  sql::Stmt s(db, "SELECT name FROM users WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

/// Scored submissions in the 24 h before `now`, and the oldest one's time.
std::pair<std::int64_t, std::int64_t> scored_in_window(sql::Db& db, const std::string& task, const std::string& user,
                                                       std::int64_t now) {
  sql::Stmt s(db,
              "SELECT count(*), min(submitted_at) FROM submissions "
              "WHERE task_name = ? AND user_id = ? AND status = 'scored' AND submitted_at > ?");
  s.bind(1, task).bind(2, user).bind(3, now - kDayMs);
  s.step();
  return {s.i64(0), s.is_null(1) ? now : s.i64(1)};
}

std::string limit_message(const Task& t, std::int64_t count, std::int64_t oldest) {
  return "daily limit reached: " + std::to_string(count) + " scored submission" + (count == 1 ? "" : "s") +
         " to task '" + t.name + "' in the last 24 hours (limit " + std::to_string(*t.daily_limit) +
         "); the next one is accepted after " + format_iso8601(oldest + kDayMs);
}

std::vector<std::uint8_t> public_mask(sql::Db& db, const Task& t, const GroundTruth& gt) {
  std::vector<std::uint8_t> mask(gt.images.size(), 0);
  sql::Stmt s(db, "SELECT image_id FROM task_images WHERE task_name = ? AND public = 1");
  s.bind(1, t.name);
  while (s.step()) {
    const std::int64_t idx = gt.image_index(s.i64(0));
    if (idx < 0) throw Error("task '" + t.name + "': stored split names an image the ground truth lacks", ExitCode::failure);
    mask[static_cast<std::size_t>(idx)] = 1;
  }
  return mask;
}

// The task's ground truth from the store. Any problem here is the organizer's, never
// the participant's: it is reported as an internal failure, not recorded as a rejection.
GroundTruth load_gt(const std::string& store_dir, const Task& t) {
  const std::string content = store::get(store_dir, t.gt_sha256);
  try {
    return parse_coco_gt(content, "stored ground truth of task '" + t.name + "'", iou_type_of(t.metric));
  } catch (const InputError& e) {
    throw Error(e.what(), ExitCode::failure);
  }
}

}  // namespace

const char* to_string(Metric m) {
  switch (m) {
    case Metric::coco_bbox: return "coco-bbox";
    case Metric::coco_segm: return "coco-segm";
    case Metric::voc07: return "voc07";
    case Metric::voc12: return "voc12";
  }
  return "?";
}

bool parse_metric(const std::string& text, Metric& out) {
  for (Metric m : {Metric::coco_bbox, Metric::coco_segm, Metric::voc07, Metric::voc12})
    if (text == to_string(m)) return out = m, true;
  return false;
}

bool metric_available(Metric) { return true; }

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
      throw UsageError("--scale: expected label:percent[,label:percent...], got '" + text + "'");
    GradeLevel g;
    g.label = item.substr(0, colon);
    char* stop = nullptr;
    const std::string num = item.substr(colon + 1);
    g.min_percent = std::strtod(num.c_str(), &stop);
    if (*stop || !std::isfinite(g.min_percent) || g.min_percent < 0 || g.min_percent > 100)
      throw UsageError("--scale: expected a percentage in [0, 100] after '" + g.label + ":', got '" + num + "'");
    check_label(g.label, "--scale label");
    levels.push_back(std::move(g));
    start = end + 1;
  }
  std::stable_sort(levels.begin(), levels.end(),
                   [](const GradeLevel& a, const GradeLevel& b) { return a.min_percent > b.min_percent; });
  return levels;
}

// ---------------------------------------------------------------------------------------------

void Board::init(const std::string& db_path) {
  sql::Db db(db_path, true);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  sql::Transaction tx(db, true);
  {
    // A foreign SQLite file must not silently become half a board.
    sql::Stmt s(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT IN "
                    "('meta', 'users', 'tasks', 'task_images', 'submissions', 'disqualifications', 'sqlite_sequence', "
                    "'task_checks')");
    s.step();
    if (s.i64(0) != 0) throw UsageError(db_path + ": is an SQLite database of something else, not a deteval board");
  }
  db.exec(kSchema);
  sql::Stmt meta(db, "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)");
  meta.bind(1, kSchemaVersion).run();
  tx.commit();
  store::init(db_path + ".files");
}

Board::Board(const std::string& db_path) : db_path_(db_path) {
  struct stat st {};
  if (::stat(db_path.c_str(), &st) != 0)
    throw UsageError(db_path + ": no such board (create it with `deteval board init --db " + db_path + "`)");
  db_ = std::make_unique<sql::Db>(db_path, false);
  db_->exec("PRAGMA synchronous = FULL");  // a commit is on disk before submit reports it
  std::string version;
  try {
    sql::Stmt s(*db_, "SELECT value FROM meta WHERE key = 'schema'");
    if (s.step()) version = s.text(0);
  } catch (const Error&) {
  }
  if (version != kSchemaVersion) throw UsageError(db_path + ": not a deteval board (or another version of one)");
}

Board::~Board() = default;

Task Board::add_task(const TaskRules& rules, const std::string& gt_path, std::int64_t now) {
  check_label(rules.name, "--task");
  require_available(rules.metric);
  if (!(rules.public_fraction > 0 && rules.public_fraction <= 1))
    throw UsageError("--public-fraction: expected a number in (0, 1], got " + std::to_string(rules.public_fraction));
  if (rules.daily_limit && *rules.daily_limit < 0) throw UsageError("--daily-limit: expected a count >= 0");
  if (rules.max_dets_per_image && *rules.max_dets_per_image < 0)
    throw UsageError("--max-dets-per-image: expected a count >= 0");
  if (rules.pass_score && !std::isfinite(*rules.pass_score)) throw UsageError("--pass-score: expected a number");
  if (rules.max_submission_bytes <= 0) throw UsageError("--max-submission-bytes: expected a positive size");
  if (find_task(*db_, rules.name)) throw UsageError("task '" + rules.name + "' already exists");

  const std::string content = read_file(gt_path);
  const GroundTruth gt = parse_coco_gt(content, gt_path, iou_type_of(rules.metric));
  if (gt.images.empty()) throw InputError::whole(gt_path, "a task needs at least one image");
  const std::string sha = sha256_hex(content);
  store::put(store_dir(), sha, content);

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
                "categories, revealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)");
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
      .bind(11, base_name(gt_path))
      .bind(12, static_cast<std::int64_t>(gt.images.size()))
      .bind(13, static_cast<std::int64_t>(n_public))
      .bind(14, static_cast<std::int64_t>(gt.size()))
      .bind(15, cats.dump())
      .bind(16, now)
      .run();
  if (rules.strict) {
    db_->exec(
        "CREATE TABLE IF NOT EXISTS task_checks(task_name TEXT PRIMARY KEY REFERENCES tasks(name), "
        "strict INTEGER NOT NULL CHECK (strict IN (0, 1))) STRICT");
    sql::Stmt chk(*db_, "INSERT INTO task_checks(task_name, strict) VALUES (?, 1)");
    chk.bind(1, rules.name).run();
  }
  sql::Stmt img(*db_, "INSERT INTO task_images(task_name, image_id, public) VALUES (?, ?, ?)");
  for (std::size_t i = 0; i < gt.images.size(); ++i) {
    img.reset();
    img.bind(1, rules.name).bind(2, gt.images[i].id).bind(3, static_cast<std::int64_t>(is_public[i])).run();
  }
  tx.commit();
  return task(rules.name);
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

void Board::reveal(const std::string& name) {
  sql::Transaction tx(*db_, true);
  task(name);
  sql::Stmt s(*db_, "UPDATE tasks SET revealed = 1 WHERE name = ?");
  s.bind(1, name).run();
  tx.commit();
}

bool Board::register_user(const std::string& id, const std::string& name, bool update, std::int64_t now) {
  check_label(id, "--user");
  check_label(name, "--name");
  sql::Transaction tx(*db_, true);
  if (auto existing = find_user(*db_, id)) {
    if (*existing == name) return false;
    if (!update)
      throw Error("user '" + id + "' is already registered under another name (use --update to change it)",
                  ExitCode::rejected);
    sql::Stmt s(*db_, "UPDATE users SET name = ? WHERE id = ?");
    s.bind(1, name).bind(2, id).run();
  } else {
    sql::Stmt s(*db_, "INSERT INTO users(id, name, registered_at) VALUES (?, ?, ?)");
    s.bind(1, id).bind(2, name).bind(3, now).run();
  }
  tx.commit();
  return true;
}

SubmissionResult Board::submit(const std::string& task_name, const std::string& user, const std::string& file,
                               const std::string& display_name, std::int64_t now) {
  SubmissionResult r;
  r.submitted_at = now;
  r.status = "rejected";
  // Unknown task or user: nothing to record it under (and nobody to show it to).
  const std::optional<Task> t = find_task(*db_, task_name);
  if (!t) {
    r.error = "there is no task named '" + task_name + "'";
    return r;
  }
  if (!find_user(*db_, user)) {
    r.error = "user '" + user + "' is not registered (register first)";
    return r;
  }
  require_available(t->metric);

  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw IoError::cannot_read(file, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw IoError::cannot_read(file, "not a regular file");
  std::int64_t size = st.st_size;
  std::string reason, content, sha;
  if (size > t->max_submission_bytes) {
    reason = display_name + ": file too large (" + std::to_string(size) + " bytes; the task accepts at most " +
             std::to_string(t->max_submission_bytes) + ")";
  } else {
    try {
      content = read_file(file, static_cast<std::size_t>(t->max_submission_bytes));
    } catch (const InputError&) {  // it grew past the cap since stat()
      reason = display_name + ": file too large (the task accepts at most " +
               std::to_string(t->max_submission_bytes) + " bytes)";
    }
    size = static_cast<std::int64_t>(content.size());
  }
  if (reason.empty() && !t->open(now))
    reason = "the deadline of task '" + t->name + "' (" + format_iso8601(*t->deadline) + ") has passed";
  if (reason.empty() && t->daily_limit) {  // early, cheap refusal; re-checked atomically below
    const auto [count, oldest] = scored_in_window(*db_, t->name, user, now);
    if (count >= *t->daily_limit) reason = limit_message(*t, count, oldest);
  }
  if (reason.empty() || !content.empty()) {
    sha = sha256_hex(content);
    store::put(store_dir(), sha, content);  // the file is safe before any row names it
  }
  crash_point("stored");

  // Validate and score outside any transaction: other scorers run meanwhile.
  SplitScore pub, priv;
  std::int64_t detections = 0;
  if (reason.empty()) {
    const GroundTruth gt = load_gt(store_dir(), *t);
    const auto is_public = public_mask(*db_, *t, gt);
    try {
      ResultsReport report;
      const Detections dt = parse_coco_results(content, display_name, gt, iou_type_of(t->metric), &report);
      detections = static_cast<std::int64_t>(dt.size());
      if (t->strict) reason = sanity_refusal(gt, dt, report, *t, display_name);
      if (t->max_dets_per_image) {
        std::vector<std::int64_t> per_image(gt.images.size(), 0);
        for (std::uint32_t img : dt.image) ++per_image[img];
        for (std::size_t i = 0; i < per_image.size() && reason.empty(); ++i)
          if (per_image[i] > *t->max_dets_per_image)
            reason = display_name + ": image " + std::to_string(gt.images[i].id) + " has " +
                     std::to_string(per_image[i]) + " detections; the task allows at most " +
                     std::to_string(*t->max_dets_per_image) + " per image";
      }
      if (reason.empty()) {
        std::vector<std::uint8_t> is_private(is_public.size());
        for (std::size_t i = 0; i < is_public.size(); ++i) is_private[i] = !is_public[i];
        pub = score_split(gt, dt, is_public, iou_type_of(t->metric), score_kind(t->metric));
        priv = score_split(gt, dt, is_private, iou_type_of(t->metric), score_kind(t->metric));
      }
    } catch (const InputError& e) {  // located: file position and field, never GT content
      reason = e.what();
    }
  }

  sql::Transaction tx(*db_, true);
  if (reason.empty() && t->daily_limit) {  // authoritative: no other writer until commit
    const auto [count, oldest] = scored_in_window(*db_, t->name, user, now);
    if (count >= *t->daily_limit) reason = limit_message(*t, count, oldest);
  }
  const bool scored = reason.empty();
  sql::Stmt ins(*db_,
                "INSERT INTO submissions(task_name, user_id, submitted_at, size, sha256, status, error, detections, "
                "public_score, private_score, public_stats, private_stats) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, t->name).bind(2, user).bind(3, now).bind(4, size);
  if (sha.empty()) ins.bind_null(5); else ins.bind(5, sha);
  ins.bind(6, scored ? "scored" : "rejected").bind(7, reason);
  if (scored) {
    ins.bind(8, detections).bind(9, pub.score).bind(10, priv.score);
    if (pub.evaluated) ins.bind(11, stats_json(pub.stats).dump()); else ins.bind_null(11);
    if (priv.evaluated) ins.bind(12, stats_json(priv.stats).dump()); else ins.bind_null(12);
  } else {
    ins.bind_null(8).bind_null(9).bind_null(10).bind_null(11).bind_null(12);
  }
  ins.run();
  r.id = db_->last_insert_id();
  crash_point("inserted");
  tx.commit();
  crash_point("committed");
  r.status = scored ? "scored" : "rejected";
  r.error = reason;
  if (scored) r.public_score = pub.score;
  return r;
}

SubmissionResult Board::last_submission(const std::string& task_name, const std::string& user) {
  task(task_name);
  if (!find_user(*db_, user)) throw UsageError("user '" + user + "' is not registered");
  SubmissionResult r;
  r.status = "none";
  sql::Stmt s(*db_,
              "SELECT id, status, public_score, error, submitted_at FROM submissions "
              "WHERE task_name = ? AND user_id = ? ORDER BY id DESC LIMIT 1");
  s.bind(1, task_name).bind(2, user);
  if (s.step()) {
    r.id = s.i64(0);
    r.status = s.text(1);
    r.public_score = s.opt_f64(2);
    r.error = s.text(3);
    r.submitted_at = s.i64(4);
  }
  return r;
}

Leaderboard Board::leaderboard(const std::string& task_name, Split split, bool organizer, std::int64_t now) {
  sql::Transaction tx(*db_, false);  // one consistent snapshot
  const Task t = task(task_name);
  if (split == Split::private_split) {
    if (t.public_images == t.images)
      throw UsageError("task '" + t.name + "' has no private part (public fraction 1)");
    if (!organizer && !t.private_visible(now))
      throw Error("private scores of task '" + t.name + "' are hidden until the deadline" +
                      (t.deadline ? " (" + format_iso8601(*t.deadline) + ")" : std::string()) +
                      " or until the organizer reveals them",
                  ExitCode::rejected);
  }
  const char* sql_public =
      "SELECT s.id, s.user_id, u.name, s.public_score, s.submitted_at FROM submissions s "
      "JOIN users u ON u.id = s.user_id WHERE s.task_name = ? AND s.status = 'scored' AND NOT EXISTS "
      "(SELECT 1 FROM disqualifications d WHERE d.task_name = s.task_name AND d.user_id = s.user_id)";
  const char* sql_private =
      "SELECT s.id, s.user_id, u.name, s.private_score, s.submitted_at FROM submissions s "
      "JOIN users u ON u.id = s.user_id WHERE s.task_name = ? AND s.status = 'scored' AND NOT EXISTS "
      "(SELECT 1 FROM disqualifications d WHERE d.task_name = s.task_name AND d.user_id = s.user_id)";
  sql::Stmt s(*db_, split == Split::public_split ? sql_public : sql_private);
  s.bind(1, t.name);
  // Which of two entries ranks first: higher score (undefined last), earlier, lower id, user id.
  auto better = [](const LeaderboardEntry& a, const LeaderboardEntry& b) {
    if (a.score.has_value() != b.score.has_value()) return a.score.has_value();
    if (a.score && *a.score != *b.score) return *a.score > *b.score;
    if (a.submitted_at != b.submitted_at) return a.submitted_at < b.submitted_at;
    if (a.best_submission_id != b.best_submission_id) return a.best_submission_id < b.best_submission_id;
    return a.user < b.user;
  };
  std::map<std::string, LeaderboardEntry> best;
  while (s.step()) {
    LeaderboardEntry e;
    e.best_submission_id = s.i64(0);
    e.user = s.text(1);
    e.name = s.text(2);
    e.score = s.opt_f64(3);
    e.submitted_at = s.i64(4);
    auto [it, fresh] = best.try_emplace(e.user, e);
    if (!fresh && better(e, it->second)) {
      const auto n = it->second.submissions;
      it->second = e;
      it->second.submissions = n;
    }
    ++it->second.submissions;
  }
  Leaderboard lb;
  lb.task = t.name;
  lb.split = split;
  for (auto& [user, e] : best) lb.entries.push_back(std::move(e));
  std::sort(lb.entries.begin(), lb.entries.end(), better);
  for (std::size_t i = 0; i < lb.entries.size(); ++i) lb.entries[i].rank = static_cast<int>(i + 1);
  return lb;
}

void Board::disqualify(const std::string& task_name, const std::string& user, const std::string& reason,
                       std::int64_t now) {
  sql::Transaction tx(*db_, true);
  task(task_name);
  if (!find_user(*db_, user)) throw UsageError("user '" + user + "' is not registered");
  sql::Stmt s(*db_, "INSERT OR REPLACE INTO disqualifications(task_name, user_id, reason, at) VALUES (?, ?, ?, ?)");
  s.bind(1, task_name).bind(2, user).bind(3, reason).bind(4, now).run();
  tx.commit();
}

Grades Board::grades(const std::vector<GradeLevel>& scale) {
  sql::Transaction tx(*db_, false);
  Grades g;
  g.scale = scale;
  std::vector<Task> graded;
  for (Task& t : tasks())
    if (t.pass_score) {
      g.tasks.push_back(t.name);
      graded.push_back(std::move(t));
    }
  if (graded.empty()) throw UsageError("no task has a pass score (set one with `task add --pass-score S`)");
  std::map<std::string, UserGrade> users;
  {
    sql::Stmt s(*db_, "SELECT id, name FROM users");
    while (s.step()) {
      UserGrade u;
      u.user = s.text(0);
      u.name = s.text(1);
      u.graded_tasks = static_cast<std::int64_t>(graded.size());
      users.emplace(u.user, std::move(u));
    }
  }
  for (const Task& t : graded) {
    // The final score: the private part's when there is one, else the public part's.
    const bool has_private = t.public_images < t.images;
    sql::Stmt s(*db_, has_private
                          ? "SELECT user_id, max(private_score) FROM submissions s WHERE task_name = ? AND status = "
                            "'scored' AND NOT EXISTS (SELECT 1 FROM disqualifications d WHERE d.task_name = "
                            "s.task_name AND d.user_id = s.user_id) GROUP BY user_id"
                          : "SELECT user_id, max(public_score) FROM submissions s WHERE task_name = ? AND status = "
                            "'scored' AND NOT EXISTS (SELECT 1 FROM disqualifications d WHERE d.task_name = "
                            "s.task_name AND d.user_id = s.user_id) GROUP BY user_id");
    s.bind(1, t.name);
    while (s.step()) {
      if (s.is_null(1) || s.f64(1) < *t.pass_score) continue;
      UserGrade& u = users.at(s.text(0));
      u.passed_tasks.push_back(t.name);
      ++u.passed;
    }
  }
  for (auto& [id, u] : users) {
    u.percent = 100.0 * static_cast<double>(u.passed) / static_cast<double>(u.graded_tasks);
    u.grade = "fail";
    for (const GradeLevel& level : scale)
      if (u.percent >= level.min_percent) {
        u.grade = level.label;
        break;
      }
    g.users.push_back(std::move(u));
  }
  return g;
}

}  // namespace deteval::board
