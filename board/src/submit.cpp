// A submission's way through the board, one named step each (docs/board.md, "What a
// submission goes through"), and what a participant reads back: check and history.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <random>
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

// Testing hook (docs/board.md): die abruptly at a named point of submit() or of a
// worker; `where:N` dies at the N-th time the point is reached in this process.
// Compiled only into builds with DETEVAL_TEST_HOOKS (the default when the tests are built).
void crash_point([[maybe_unused]] const char* where) {
#ifdef DETEVAL_TEST_HOOKS
  const char* at = std::getenv(kCrashEnv);
  if (!at) return;
  const std::size_t n = std::strlen(where);
  if (std::strncmp(at, where, n) != 0 || (at[n] != '\0' && at[n] != ':')) return;
  static std::atomic<long> reached{0};
  if (at[n] == '\0' || ++reached == std::atol(at + n + 1)) ::raise(SIGKILL);
#endif
}

// Messages quote the participant's bytes (a field's value, the file's name), which need not
// be UTF-8; stored and printed as JSON they must be: each invalid byte becomes U+FFFD.
std::string valid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 && c >= 0xc2 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 && c <= 0xf4 ? 4 : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && len == 3) {  // no overlong forms, no surrogates
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
    }
    if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(text, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
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
Scoring validate_and_score(sql::Db& db, store::Files& files, const Task& t, const std::string& content,
                           const std::string& shown, std::int64_t now) {
  Scoring s;
  const GroundTruth gt = load_gt(files, t);
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
    s.reason = valid_utf8(e.what());
  }
  return s;
}

/// Inside the write transaction: the authoritative daily-limit count (no other writer until commit).
void recount_limit(sql::Db& db, const Task& t, const std::string& user, std::int64_t submitted_at, Scoring& s) {
  if (!s.reason.empty() || !t.daily_limit) return;
  const auto [count, oldest] = scored_in_window(db, t.name, user, submitted_at);
  if (count >= *t.daily_limit) s.reason = limit_message(t, count, oldest);
}

// The outcome columns, in this order, bound from parameter `first` on.
constexpr const char* kOutcomeColumns =
    "status, error, detections, public_score, private_score, public_stats, private_stats, sketch";

void bind_outcome(sql::Stmt& st, int first, const Scoring& s) {
  const bool scored = s.reason.empty();
  st.bind(first, scored ? "scored" : "rejected").bind(first + 1, s.reason);
  if (scored) {
    st.bind(first + 2, s.detections).bind(first + 3, s.pub.score).bind(first + 4, s.priv.score);
    if (s.pub.evaluated) st.bind(first + 5, stats_json(s.pub.stats).dump()); else st.bind_null(first + 5);
    if (s.priv.evaluated) st.bind(first + 6, stats_json(s.priv.stats).dump()); else st.bind_null(first + 6);
    st.bind_blob(first + 7, s.sketch);
  } else {
    for (int k = 2; k <= 7; ++k) st.bind_null(first + k);
  }
}

/// The synchronous path's one short write transaction: the limit re-counted, then the row.
std::int64_t record(sql::Db& db, const Task& t, const std::string& user, std::int64_t now, std::int64_t size,
                    const std::string& sha, const std::string& request_id, Scoring& s) {
  sql::Transaction tx(db, true);
  recount_limit(db, t, user, now, s);
  sql::Stmt ins(db, std::string("INSERT INTO submissions(task_name, user_id, submitted_at, size, sha256, late, "
                                "request_id, ") +
                        kOutcomeColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  ins.bind(1, t.name).bind(2, user).bind(3, now).bind(4, size);
  if (sha.empty()) ins.bind_null(5); else ins.bind(5, sha);
  ins.bind(6, static_cast<std::int64_t>(t.late(now)));
  if (request_id.empty()) ins.bind_null(7); else ins.bind(7, request_id);
  bind_outcome(ins, 8, s);
  const auto inserted = ins.run_returning();
  if (!inserted) db.fail("insert returned no id");
  const std::int64_t id = *inserted;
  crash_point("inserted");
  tx.commit();
  return id;
}

/// What every submission goes through before scoring: the task and user exist, the file
/// is within the cap, the rules admit it now; the file is stored (when there is one).
struct Admission {
  std::optional<Task> task;  ///< none: unknown task or user, nothing to record
  FileRead file;
  std::string sha, reason;
};

Admission admit(sql::Db& db, store::Files& files, const SubmissionRequest& q, std::int64_t now,
                SubmissionResult& r) {
  Admission a;
  r.submitted_at = now;
  r.status = "rejected";
  // Unknown task or user: nothing to record it under (and nobody to show it to).
  const std::optional<Task> t = find_task(db, q.task);
  if (!t) {
    r.error = "there is no task named '" + q.task + "'";
    return a;
  }
  if (!find_user(db, q.user)) {
    r.error = "user '" + q.user + "' is not registered (register first)";
    return a;
  }
  a.task = t;
  a.file = read_within_cap(q.file, *t, q.display_name);
  a.reason = a.file.reason;
  if (a.reason.empty()) a.reason = admission_refusal(db, *t, q.user, now);  // early, cheap
  if (a.reason.empty() || !a.file.content.empty()) {
    a.sha = sha256_hex(a.file.content);
    files.put(a.sha, a.file.content);  // the file is safe before any row names it
  }
  crash_point("stored");
  return a;
}

/// The submission of `user` with `request_id`, if there is one.
std::optional<std::int64_t> by_request(sql::Db& db, const std::string& user, const std::string& request_id) {
  if (request_id.empty()) return std::nullopt;
  sql::Stmt s(db, "SELECT id FROM submissions WHERE user_id = ? AND request_id = ?");
  s.bind(1, user).bind(2, request_id);
  if (!s.step()) return std::nullopt;
  return s.i64(0);
}

SubmissionResult result_of(sql::Db& db, std::int64_t id) {
  sql::Stmt s(db, "SELECT id, status, public_score, error, submitted_at, late FROM submissions WHERE id = ?");
  s.bind(1, id);
  SubmissionResult r;
  r.status = "none";
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

// What the participant reads of a recorded outcome (the public score only).
SubmissionResult recorded(std::int64_t id, const Task& t, std::int64_t submitted_at, const Scoring& s) {
  SubmissionResult r;
  r.id = id;
  r.submitted_at = submitted_at;
  r.status = s.reason.empty() ? "scored" : "rejected";
  r.error = s.reason;
  r.late = t.late(submitted_at);
  if (r.status == "scored") r.public_score = s.pub.score;
  return r;
}

// What submit and enqueue do first: a retried request (same user and request id) answers
// with its earlier outcome; otherwise the request is admitted into `a`, or refused (the
// answer in `r`). nullopt: admitted, go on with `*a.task`.
std::optional<SubmissionResult> begin_request(sql::Db& db, store::Files& files, SubmissionRequest& q,
                                              std::int64_t now, SubmissionResult& r, Admission& a) {
  q.display_name = valid_utf8(q.display_name);
  if (auto id = by_request(db, q.user, q.request_id)) return result_of(db, *id);
  a = admit(db, files, q, now, r);
  if (!a.task) return r;
  return std::nullopt;
}

// A claim's token: unique across hosts and processes without coordination.
std::string claim_token(const std::string& worker) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return worker + "/" + buf;
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
  return submit(SubmissionRequest{task_name, user, file, display_name, ""});
}

// admit -> score -> record, in this process.
SubmissionResult Board::submit(const SubmissionRequest& request) {
  SubmissionRequest q = request;
  SubmissionResult r;
  Admission a;
  if (auto done = begin_request(*db_, *files_, q, now(), r, a)) return *done;
  const Task& t = *a.task;
  Scoring s;
  s.reason = a.reason;
  if (s.reason.empty()) s = validate_and_score(*db_, *files_, t, a.file.content, q.display_name, r.submitted_at);
  const std::int64_t id = record(*db_, t, q.user, r.submitted_at, a.file.size, a.sha, q.request_id, s);
  crash_point("committed");
  return recorded(id, t, r.submitted_at, s);
}

SubmissionResult Board::enqueue(const SubmissionRequest& request) {
  SubmissionRequest q = request;
  SubmissionResult r;
  Admission a;
  if (auto done = begin_request(*db_, *files_, q, now(), r, a)) return *done;
  const Task& t = *a.task;
  sql::Transaction tx(*db_, true);
  // A concurrent retry of the same request may have won the race to insert.
  if (auto id = by_request(*db_, q.user, q.request_id)) return result_of(*db_, *id);
  sql::Stmt ins(*db_,
                "INSERT INTO submissions(task_name, user_id, submitted_at, size, sha256, late, request_id, file_name, "
                "status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  ins.bind(1, t.name).bind(2, q.user).bind(3, r.submitted_at).bind(4, a.file.size);
  if (a.sha.empty()) ins.bind_null(5); else ins.bind(5, a.sha);
  ins.bind(6, static_cast<std::int64_t>(t.late(r.submitted_at)));
  if (q.request_id.empty()) ins.bind_null(7); else ins.bind(7, q.request_id);
  ins.bind(8, q.display_name).bind(9, a.reason.empty() ? "queued" : "rejected").bind(10, a.reason);
  r.id = ins.run_returning();
  if (!r.id) db_->fail("insert returned no id");
  tx.commit();
  r.status = a.reason.empty() ? "queued" : "rejected";
  r.error = a.reason;
  r.late = t.late(r.submitted_at);
  return r;
}

std::optional<Claim> Board::claim(const std::string& worker, std::int64_t lease_ms) {
  // PostgreSQL: concurrent claimers skip each other's locked rows instead of waiting;
  // SQLite: the claim transaction is a write transaction, so claimers take turns.
  const char* pick = db_->dialect() == sql::Dialect::postgres
                         ? "SELECT id, attempts FROM submissions WHERE status = 'queued' AND (lease_until IS NULL OR "
                           "lease_until < ?) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
                         : "SELECT id, attempts FROM submissions WHERE status = 'queued' AND (lease_until IS NULL OR "
                           "lease_until < ?) ORDER BY id LIMIT 1";
  for (;;) {
    const std::int64_t at = now();
    sql::Transaction tx(*db_, sql::TxKind::claim);
    sql::Stmt s(*db_, pick);
    s.bind(1, at);
    if (!s.step()) return std::nullopt;
    Claim c;
    c.id = s.i64(0);
    c.attempt = static_cast<int>(s.i64(1)) + 1;
    s.reset();  // finished before the update and the commit
    if (c.attempt > kMaxScoringAttempts) {  // every earlier claim ended without a result: give up on it
      sql::Stmt rej(*db_, "UPDATE submissions SET status = 'rejected', error = ?, claimed_by = NULL, lease_until = "
                          "NULL WHERE id = ?");
      rej.bind(1, "the submission could not be scored (" + std::to_string(kMaxScoringAttempts) +
                      " attempts stopped without a result)")
          .bind(2, c.id)
          .run();
      tx.commit();
      continue;
    }
    c.token = claim_token(worker);
    c.lease_until = at + lease_ms;
    sql::Stmt upd(*db_, "UPDATE submissions SET claimed_by = ?, lease_until = ?, attempts = ? WHERE id = ?");
    upd.bind(1, c.token).bind(2, c.lease_until).bind(3, c.attempt).bind(4, c.id).run();
    tx.commit();
    crash_point("claimed");
    return c;
  }
}

std::optional<SubmissionResult> Board::complete(const Claim& c) {
  std::string task_name, user, sha, shown;
  std::int64_t submitted_at = 0;
  {
    sql::Stmt s(*db_,
                "SELECT task_name, user_id, sha256, coalesce(file_name, ''), submitted_at FROM submissions "
                "WHERE id = ? AND status = 'queued' AND claimed_by = ?");
    s.bind(1, c.id).bind(2, c.token);
    if (!s.step()) return std::nullopt;
    task_name = s.text(0), user = s.text(1), sha = s.text(2), shown = s.text(3), submitted_at = s.i64(4);
  }
  const std::optional<Task> t = find_task(*db_, task_name);
  if (!t) return std::nullopt;
  Scoring s = validate_and_score(*db_, *files_, *t, files_->get(sha), shown, submitted_at);  // no transaction open

  sql::Transaction tx(*db_, true);
  recount_limit(*db_, *t, user, submitted_at, s);
  sql::Stmt upd(*db_, std::string("UPDATE submissions SET (") + kOutcomeColumns +
                          ", claimed_by, lease_until) = (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL) "
                          "WHERE id = ? AND status = 'queued' AND claimed_by = ? RETURNING id");
  bind_outcome(upd, 1, s);
  upd.bind(9, c.id).bind(10, c.token);
  if (!upd.run_returning()) return std::nullopt;  // the lease ran out and another worker holds it now
  tx.commit();
  return recorded(c.id, *t, submitted_at, s);
}

std::optional<SubmissionInfo> Board::submission(std::int64_t id) {
  sql::Stmt s(*db_, "SELECT task_name, user_id FROM submissions WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return SubmissionInfo{s.text(0), s.text(1), result_of(*db_, id)};
}

std::int64_t Board::queued() {
  sql::Stmt s(*db_, "SELECT count(*) FROM submissions WHERE status = 'queued'");
  s.step();
  return s.i64(0);
}

SubmissionResult Board::last_submission(const std::string& task_name, const std::string& user) {
  task(task_name);
  require_user(*db_, user);
  sql::Stmt s(*db_, "SELECT max(id) FROM submissions WHERE task_name = ? AND user_id = ?");
  s.bind(1, task_name).bind(2, user);
  s.step();
  if (s.is_null(0)) {
    SubmissionResult none;
    none.status = "none";
    return none;
  }
  return result_of(*db_, s.i64(0));
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
