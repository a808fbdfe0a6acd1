// A submission's way through the board, one named step each (docs/board.md, "What a
// submission goes through"), and what a participant reads back: check and history.
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "deteval/board/board.hpp"
#include "deteval/board/sha256.hpp"
#include "deteval/board/similarity.hpp"
#include "deteval/board/time.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/formats/coco_checks.hpp"
#include "deteval/formats/file.hpp"
#include "queries.hpp"
#include "score.hpp"
#include "store.hpp"

namespace deteval::board {

using nlohmann::json;
using namespace detail;

namespace {

// Testing hook (docs/board.md): die abruptly at a named point of submit(). Compiled only
// into builds with DETEVAL_TEST_HOOKS (the default when the tests are built).
void crash_point([[maybe_unused]] const char* where) {
#ifdef DETEVAL_TEST_HOOKS
  const char* at = std::getenv(kCrashEnv);
  if (at && std::strcmp(at, where) == 0) ::raise(SIGKILL);
#endif
}

json stats_json(const std::vector<std::pair<std::string, double>>& stats) {
  json o = json::object();
  for (const auto& [name, v] : stats) o[name] = std::isnan(v) ? json(nullptr) : json(v);
  return o;
}

ScoreKind score_kind(Metric m) {
  return m == Metric::voc07 ? ScoreKind::voc07 : m == Metric::voc12 ? ScoreKind::voc12 : ScoreKind::coco;
}

std::string limit_message(const Task& t, std::int64_t count, std::int64_t oldest) {
  return std::string(kDailyLimitRefusal) + ": " + std::to_string(count) + " scored submission" + (count == 1 ? "" : "s") +
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

/// The submitted file, read within the task's size cap; `reason` says why not.
struct FileRead {
  std::int64_t size = 0;
  std::string content, reason;
};

FileRead read_within_cap(const std::string& file, const Task& t, const std::string& shown) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw IoError::cannot_read(file, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw IoError::cannot_read(file, "not a regular file");
  FileRead r;
  r.size = st.st_size;
  if (r.size > t.max_submission_bytes) {
    r.reason = shown + ": file too large (" + std::to_string(r.size) + " bytes; the task accepts at most " +
               std::to_string(t.max_submission_bytes) + ")";
    return r;
  }
  try {
    r.content = read_file(file, static_cast<std::size_t>(t.max_submission_bytes));
  } catch (const InputError&) {  // it grew past the cap since stat()
    r.reason = shown + ": file too large (the task accepts at most " + std::to_string(t.max_submission_bytes) +
               " bytes)";
  }
  r.size = static_cast<std::int64_t>(r.content.size());
  return r;
}

/// Why the rules refuse a submission now, before looking at its content ("" when they don't).
std::string admission_refusal(sql::Db& db, const Task& t, const std::string& user, std::int64_t now) {
  if (!t.open(now))
    return "the deadline of task '" + t.name + "' (" + format_iso8601(*t.closes_at()) + ") has passed";
  if (t.daily_limit) {
    const auto [count, oldest] = scored_in_window(db, t.name, user, now);
    if (count >= *t.daily_limit) return limit_message(t, count, oldest);
  }
  return "";
}

/// What validation and scoring found.
struct Scoring {
  std::string reason;  ///< why the content is refused; "" when scored
  std::int64_t detections = 0;
  SplitScore pub, priv;
  std::string sketch;
};

std::string per_image_refusal(const Task& t, const GroundTruth& gt, const Detections& dt, const std::string& shown) {
  if (!t.max_dets_per_image) return "";
  std::vector<std::int64_t> per_image(gt.images.size(), 0);
  for (std::uint32_t img : dt.image) ++per_image[img];
  for (std::size_t i = 0; i < per_image.size(); ++i)
    if (per_image[i] > *t.max_dets_per_image)
      return shown + ": image " + std::to_string(gt.images[i].id) + " has " + std::to_string(per_image[i]) +
             " detections; the task allows at most " + std::to_string(*t.max_dets_per_image) + " per image";
  return "";
}

// A strict task refuses what the sanity checks warn about, the first warning being the reason
// (what `deteval coco --strict` would stop on). VOC metrics keep every detection: no maxDets check.
std::string sanity_refusal(const Task& t, const GroundTruth& gt, const Detections& dt, const ResultsReport& report,
                           const std::string& shown) {
  if (!t.strict) return "";
  Params p;
  p.iou_type = iou_type_of(t.metric);
  if (t.metric == Metric::voc07 || t.metric == Metric::voc12) p.max_dets = {std::numeric_limits<int>::max()};
  const auto warnings = coco_results_warnings(gt, dt, p, report, shown);
  if (warnings.empty()) return "";
  return warnings.front().message + " (refused: the task checks submissions strictly)";
}

// Validates and scores outside any transaction: other scorers run meanwhile.
Scoring validate_and_score(sql::Db& db, const std::string& store_dir, const Task& t, const std::string& content,
                           const std::string& shown, std::int64_t now) {
  Scoring s;
  const GroundTruth gt = load_gt(store_dir, t);
  const auto is_public = public_mask(db, t, gt);
  try {
    ResultsReport report;
    const Detections dt = parse_coco_results(content, shown, gt, iou_type_of(t.metric), &report);
    s.detections = static_cast<std::int64_t>(dt.size());
    s.reason = sanity_refusal(t, gt, dt, report, shown);
    if (s.reason.empty()) s.reason = per_image_refusal(t, gt, dt, shown);
    if (!s.reason.empty()) return s;
    std::vector<std::uint8_t> is_private(is_public.size());
    for (std::size_t i = 0; i < is_public.size(); ++i) is_private[i] = !is_public[i];
    s.pub = score_split(gt, dt, is_public, iou_type_of(t.metric), score_kind(t.metric));
    s.priv = score_split(gt, dt, is_private, iou_type_of(t.metric), score_kind(t.metric));
    if (t.late(now)) {  // the stored stats stay raw; the scores that rank carry the penalty
      if (s.pub.score) *s.pub.score *= 1 - t.late_penalty;
      if (s.priv.score) *s.priv.score *= 1 - t.late_penalty;
    }
    s.sketch = sketch_to_bytes(sketch_detections(dt, gt));
  } catch (const InputError& e) {  // located: file position and field, never GT content
    s.reason = e.what();
  }
  return s;
}

/// One short write transaction: the authoritative daily-limit count, then the row.
std::int64_t record(sql::Db& db, const Task& t, const std::string& user, std::int64_t now, std::int64_t size,
                    const std::string& sha, Scoring& s) {
  sql::Transaction tx(db, true);
  if (s.reason.empty() && t.daily_limit) {  // no other writer until commit
    const auto [count, oldest] = scored_in_window(db, t.name, user, now);
    if (count >= *t.daily_limit) s.reason = limit_message(t, count, oldest);
  }
  const bool scored = s.reason.empty();
  sql::Stmt ins(db,
                "INSERT INTO submissions(task_name, user_id, submitted_at, size, sha256, status, error, detections, "
                "public_score, private_score, public_stats, private_stats, late, sketch) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, t.name).bind(2, user).bind(3, now).bind(4, size);
  if (sha.empty()) ins.bind_null(5); else ins.bind(5, sha);
  ins.bind(6, scored ? "scored" : "rejected").bind(7, s.reason);
  if (scored) {
    ins.bind(8, s.detections).bind(9, s.pub.score).bind(10, s.priv.score);
    if (s.pub.evaluated) ins.bind(11, stats_json(s.pub.stats).dump()); else ins.bind_null(11);
    if (s.priv.evaluated) ins.bind(12, stats_json(s.priv.stats).dump()); else ins.bind_null(12);
    ins.bind_blob(14, s.sketch);
  } else {
    ins.bind_null(8).bind_null(9).bind_null(10).bind_null(11).bind_null(12).bind_null(14);
  }
  ins.bind(13, static_cast<std::int64_t>(t.late(now)));
  ins.run();
  const std::int64_t id = db.last_insert_id();
  crash_point("inserted");
  tx.commit();
  return id;
}

}  // namespace

namespace detail {

std::pair<std::int64_t, std::int64_t> scored_in_window(sql::Db& db, const std::string& task, const std::string& user,
                                                       std::int64_t now) {
  sql::Stmt s(db,
              "SELECT count(*), min(submitted_at) FROM submissions "
              "WHERE task_name = ? AND user_id = ? AND status = 'scored' AND submitted_at > ?");
  s.bind(1, task).bind(2, user).bind(3, now - kDayMs);
  s.step();
  return {s.i64(0), s.is_null(1) ? now : s.i64(1)};
}

}  // namespace detail

SubmissionResult Board::submit(const std::string& task_name, const std::string& user, const std::string& file,
                               const std::string& display_name) {
  SubmissionResult r;
  r.submitted_at = now();
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

  FileRead f = read_within_cap(file, *t, display_name);
  Scoring s;
  s.reason = f.reason;
  if (s.reason.empty()) s.reason = admission_refusal(*db_, *t, user, r.submitted_at);  // early, cheap
  std::string sha;
  if (s.reason.empty() || !f.content.empty()) {
    sha = sha256_hex(f.content);
    store::put(store_dir(), sha, f.content);  // the file is safe before any row names it
  }
  crash_point("stored");
  if (s.reason.empty()) s = validate_and_score(*db_, store_dir(), *t, f.content, display_name, r.submitted_at);

  r.id = record(*db_, *t, user, r.submitted_at, f.size, sha, s);
  crash_point("committed");
  r.status = s.reason.empty() ? "scored" : "rejected";
  r.error = s.reason;
  r.late = t->late(r.submitted_at);
  if (r.status == "scored") r.public_score = s.pub.score;
  return r;
}

SubmissionResult Board::last_submission(const std::string& task_name, const std::string& user) {
  task(task_name);
  require_user(*db_, user);
  SubmissionResult r;
  r.status = "none";
  sql::Stmt s(*db_,
              "SELECT id, status, public_score, error, submitted_at, late FROM submissions "
              "WHERE task_name = ? AND user_id = ? ORDER BY id DESC LIMIT 1");
  s.bind(1, task_name).bind(2, user);
  if (s.step()) {
    r.id = s.i64(0);
    r.status = s.text(1);
    r.public_score = s.opt_f64(2);
    r.error = s.text(3);
    r.submitted_at = s.i64(4);
    r.late = s.i64(5) != 0;
  }
  return r;
}

std::vector<HistoryEntry> Board::history(const std::string& task_name, const std::string& user) {
  sql::Transaction tx(*db_, false);
  task(task_name);
  require_user(*db_, user);
  std::vector<HistoryEntry> out;
  sql::Stmt s(*db_,
              "SELECT s.id, s.submitted_at, s.status, s.public_score, s.error, s.late, EXISTS (SELECT 1 FROM "
              "selections c WHERE c.submission_id = s.id) FROM submissions s WHERE s.task_name = ? AND "
              "s.user_id = ? ORDER BY s.id");
  s.bind(1, task_name).bind(2, user);
  while (s.step())
    out.push_back({s.i64(0), s.i64(1), s.text(2), s.text(4), s.opt_f64(3), s.i64(5) != 0, s.i64(6) != 0});
  return out;
}

UserStatus Board::status(const std::string& task_name, const std::string& user) {
  const Task t = task(task_name);
  UserStatus st;
  st.last = last_submission(task_name, user);
  const std::int64_t at = now();
  st.open = t.open(at);
  const Leaderboard lb = leaderboard(task_name, Split::public_split, false);
  for (const LeaderboardEntry& e : lb.entries)
    if (e.user == user) st.rank = e.rank, st.best_public_score = e.score;
  if (t.daily_limit && st.open) {
    const auto [count, oldest] = scored_in_window(*db_, t.name, user, at);
    st.remaining_today = static_cast<int>(std::max<std::int64_t>(0, *t.daily_limit - count));
    if (*st.remaining_today == 0) st.next_submission_at = oldest + kDayMs;
  }
  st.final_picks = selection(*db_, t.name, user);
  return st;
}

}  // namespace deteval::board
