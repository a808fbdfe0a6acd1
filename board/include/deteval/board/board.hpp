// A competition board: tasks (ground truth + rules), registered users, submissions
// and their scores, in one database (an SQLite file, or a PostgreSQL server shared by
// many hosts) with the files content-addressed beside it or in the database.
//
// The board scores with the same evaluate() + summarize() as `deteval coco`, on the
// ground truth restricted to a task's public (resp. private) images. See docs/board.md
// for the rules (split, daily limit, ranking, similarity) and the crash-safety design.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deteval/dataset.hpp"
#include "deteval/error.hpp"

namespace deteval::board {

namespace sql {
class Db;
}
namespace store {
class Files;
}

enum class Metric { coco_bbox, coco_segm, voc07, voc12 };
const char* to_string(Metric);
/// "coco-bbox", "coco-segm", "voc07", "voc12"; throws UsageError (parameter "metric")
/// for anything else. Every metric is built in.
Metric parse_metric(std::string_view text);

inline constexpr std::int64_t kDefaultMaxSubmissionBytes = std::int64_t(256) << 20;
inline constexpr int kDefaultFinalPicks = 2;

/// What `task add` sets: the rules of a task.
struct TaskRules {
  std::string name;
  Metric metric = Metric::coco_bbox;
  double public_fraction = 0.5;           ///< in (0, 1]
  std::optional<std::uint64_t> seed;      ///< none: a random one is drawn (and stored)
  std::optional<std::int64_t> deadline;   ///< ms since the epoch, UTC
  std::optional<int> daily_limit;         ///< scored submissions per rolling 24 h
  std::optional<int> max_dets_per_image;
  std::optional<double> pass_score;       ///< a score >= this passes (for grades)
  std::int64_t max_submission_bytes = kDefaultMaxSubmissionBytes;
  int final_picks = kDefaultFinalPicks;   ///< submissions a user may select for the private board
  std::optional<std::int64_t> late_until; ///< late submissions accepted until then (needs a deadline)
  double late_penalty = 0;                ///< late scores are multiplied by (1 - penalty), in [0, 1]
  /// Refuse submissions that the sanity checks warn about (deteval/sanity.hpp; docs/mistakes.md).
  bool strict = false;
};

/// A task as stored.
struct Task : TaskRules {
  std::uint64_t split_seed = 0;
  std::string gt_sha256, gt_file_name;
  std::int64_t images = 0, public_images = 0, annotations = 0;
  std::vector<Category> categories;
  bool revealed = false;
  std::int64_t created_at = 0;
  /// When submissions stop: the end of the late window, else the deadline (none: never).
  std::optional<std::int64_t> closes_at() const { return late_until ? late_until : deadline; }
  /// Submissions closed or revealed: private scores may be shown.
  bool private_visible(std::int64_t now) const {
    const auto c = closes_at();
    return revealed || (c && now > *c);
  }
  bool open(std::int64_t now) const {
    const auto c = closes_at();
    return !c || now <= *c;
  }
  /// After the deadline, inside the late window.
  bool late(std::int64_t now) const { return deadline && now > *deadline && open(now); }
};

/// What `task update` may change; unset fields stay as they are.
struct TaskUpdate {
  std::optional<std::int64_t> deadline, late_until;
  std::optional<int> daily_limit;
  std::optional<double> pass_score, late_penalty;
  /// Recomputes the split with the task's seed: refused once the task has a submission.
  std::optional<double> public_fraction;
};

/// The outcome of one submission, as `submit --json` prints it.
struct SubmissionResult {
  std::optional<std::int64_t> id;     ///< none when nothing was recorded (unknown task or user)
  std::string status;                 ///< "scored", "rejected", or "none" (check: no submission yet)
  std::optional<double> public_score; ///< none when rejected or undefined (no ground truth in the split)
  std::string error;                  ///< why it was rejected; empty when scored
  std::int64_t submitted_at = 0;
  bool late = false;                  ///< submitted in the late window (score already penalised)
};

/// `check`: the last submission and where the user stands on the task.
struct UserStatus {
  SubmissionResult last;
  std::optional<double> best_public_score;
  std::optional<int> rank;                      ///< on the public board; none without a scored submission
  std::optional<int> remaining_today;           ///< scored submissions left in the rolling 24 h; none: no limit
  std::optional<std::int64_t> next_submission_at; ///< when the next is accepted if not now; none: now (or closed)
  bool open = true;                             ///< the task accepts submissions now
  std::vector<std::int64_t> final_picks;        ///< the user's selection (empty: none made)
};

/// One row of `history`.
struct HistoryEntry {
  std::int64_t id = 0, submitted_at = 0;
  std::string status, error;
  std::optional<double> public_score;
  bool late = false, selected = false;
};

enum class Split { public_split, private_split };
const char* to_string(Split);

struct LeaderboardEntry {
  int rank = 0;
  std::string user, name;  ///< name: the display name when set, else the registered name
  std::optional<double> score;
  std::int64_t submissions = 0;  ///< the user's scored submissions to the task
  std::int64_t best_submission_id = 0;
  std::int64_t submitted_at = 0;
};

struct Leaderboard {
  std::string task;
  Split split = Split::public_split;
  std::vector<LeaderboardEntry> entries;
};

/// A user as registered.
struct UserRecord {
  std::string id, name;
  std::optional<std::string> display_name;
};

enum class RegisterOutcome { added, unchanged, updated };

struct SubmissionRef {
  std::int64_t id = 0;
  std::string user, name, sha256;
  std::int64_t submitted_at = 0;
  std::size_t detections = 0;
  std::optional<double> public_score;
};

/// Two submissions of different users that look copied: `a` is the earlier one.
struct SuspiciousPair {
  /// "identical" (same file hash), "near-identical" (similarity >= threshold) or
  /// "equal-score" (public scores equal to 1e-9, files not alike).
  std::string kind;
  double similarity = 1;  ///< the smaller matched fraction (1 for identical files; 0 when not compared)
  double fraction_a = 1, fraction_b = 1;
  std::size_t matched = 0;
  std::optional<double> rank_correlation;
  SubmissionRef a, b;
};

/// The default flag threshold of `suspicious`: chosen from measurements (docs/board.md).
inline constexpr double kDefaultSimilarityThreshold = 0.8;
inline constexpr double kEqualScoreTolerance = 1e-9;

struct GradeLevel {
  std::string label;
  double min_percent = 0;
};
/// "excellent:80,good:60,pass:40" -> levels sorted by threshold, highest first. Throws UsageError.
std::vector<GradeLevel> parse_grade_scale(const std::string& text);
inline constexpr const char* kDefaultGradeScale = "excellent:80,good:60,pass:40";

/// One graded task of one user.
struct TaskGrade {
  std::string task;
  std::string status;  ///< "passed", "failed", "disqualified" or "no submission"
  std::optional<double> score;  ///< the final score (none: no submission, disqualified, or undefined)
  std::string reason;  ///< why disqualified
};

struct UserGrade {
  std::string user, name;
  std::vector<std::string> passed_tasks;
  std::vector<TaskGrade> tasks;  ///< one per graded task, in Grades::tasks order
  std::int64_t passed = 0, graded_tasks = 0;
  double percent = 0;
  std::string grade;  ///< a scale label, or "fail" below the lowest level
};

struct Grades {
  std::vector<std::string> tasks;  ///< tasks with a pass score, by name
  std::vector<GradeLevel> scale;
  std::vector<UserGrade> users;    ///< by user id
};

/// The images participants predict on: ground truth without annotations.
struct TestImages {
  std::string task;
  std::vector<Image> images;  ///< by id
  std::vector<Category> categories;
};

/// What a front end received: one submission to make.
struct SubmissionRequest {
  std::string task, user;
  std::string file;          ///< the predictions file (read at once; stored before any row names it)
  std::string display_name;  ///< names the file in participant-facing messages
  /// Optional idempotency key ("" none), unique per user: a retry with the same key makes
  /// no second submission and returns the first one's current outcome.
  std::string request_id;
};

/// A queued submission taken by a worker (Board::claim). The claim holds until
/// `lease_until`; after that another worker may take the submission again.
struct Claim {
  std::int64_t id = 0;
  std::string token;  ///< identifies this claim; complete() records only while it holds
  std::int64_t lease_until = 0;
  int attempt = 0;  ///< 1 for the first claim of the submission
};

/// A submission looked up by id (Board::submission): whose it is and its outcome so far.
struct SubmissionInfo {
  std::string task, user;
  SubmissionResult result;  ///< status "queued" until a worker records it
};

/// Claims of one submission before it is rejected as unscorable (each ended without a result).
inline constexpr int kMaxScoringAttempts = 3;
inline constexpr std::int64_t kDefaultLeaseMs = 10 * 60 * 1000;

/// Testing hook: DETEVAL_BOARD_CRASH_AT=stored|inserted|committed kills the submitting
/// process (SIGKILL) at that point of `submit`; `claimed` (or `claimed:N`, at the N-th
/// claim) kills a worker right after it claimed a submission; see docs/board.md. Only in
/// builds configured with DETEVAL_TEST_HOOKS (on with the tests, off otherwise).
inline constexpr const char* kCrashEnv = "DETEVAL_BOARD_CRASH_AT";

/// Milliseconds since the Unix epoch, UTC. The CLI passes the system clock; tests and
/// servers may pass their own.
using Clock = std::function<std::int64_t()>;
Clock system_clock();

/// Whether `db` names a PostgreSQL server (a `postgresql://` or `postgres://` URI) rather
/// than an SQLite file.
bool is_server_database(const std::string& db);

/// Every refusal by the rules is a RejectedError (ErrorKind::rejected) with a message safe to
/// show the participant (no ground truth, no private score, no command-line flag).
class Board {
 public:
  /// Creates the database, or brings an existing board to the current schema. `db` is an
  /// SQLite path (or `sqlite:PATH`) or a PostgreSQL URI (`postgresql://user@host:port/db`).
  /// `files`: where files are kept: "" the default (SQLite: the folder `<path>.files`;
  /// PostgreSQL: the table), "table" the database's `files` table, else a folder (for
  /// many hosts: on storage they all mount at the same path). Fixed at creation.
  static void init(const std::string& db, const std::string& files = "");
  /// Opens an existing board (upgrading an older schema); throws UsageError when
  /// `db` is not one.
  explicit Board(const std::string& db, Clock clock = system_clock());
  ~Board();
  Board(const Board&) = delete;
  Board& operator=(const Board&) = delete;

  std::int64_t now() const { return clock_(); }

  /// Validates the ground truth, copies it into the store, computes the split.
  Task add_task(const TaskRules& rules, const std::string& gt_path);
  /// Changes a task's rules (TaskUpdate); the split only before the first submission.
  Task update_task(const std::string& name, const TaskUpdate& update);
  /// Deletes a task; refused when it has submissions unless `force` (then they go too).
  /// Stored files are kept. Returns the number of submissions removed.
  std::int64_t remove_task(const std::string& name, bool force);
  std::vector<Task> tasks();
  /// Throws UsageError when there is no such task.
  Task task(const std::string& name);
  void reveal(const std::string& task);
  /// The ids of the task's public images, ascending (organizer-only information).
  std::vector<std::int64_t> public_image_ids(const std::string& task);
  /// Every image of the task (both parts, no annotations), for participants.
  TestImages test_images(const std::string& task);

  /// Registers `u`. Re-registering the same record changes nothing; another name or
  /// display name is refused unless `update`.
  RegisterOutcome register_user(const UserRecord& u, bool update);
  /// All of `users` or none (one transaction); the same rules as register_user.
  std::vector<RegisterOutcome> register_users(const std::vector<UserRecord>& users, bool update);

  /// Validates, stores, scores and records one submission (see docs/board.md).
  /// `display_name` names the file in participant-facing messages.
  SubmissionResult submit(const std::string& task, const std::string& user, const std::string& file,
                          const std::string& display_name);
  SubmissionResult submit(const SubmissionRequest& request);

  // --- the work queue (docs/board.md, "Many hosts"): enqueue, then workers claim and complete.

  /// The admission checks of submit (task, user, size cap, deadline, daily limit so far),
  /// the file stored, the row inserted as "queued"; returns at once without scoring:
  /// status "queued" with the id, or "rejected" as submit would (id none when nothing
  /// was recorded). With a request id already used by the user: that submission's outcome.
  SubmissionResult enqueue(const SubmissionRequest& request);
  /// Takes the oldest queued submission whose lease is free (never claimed, or its lease
  /// ran out), for `lease_ms`; none when there is nothing to do. Safe from any number of
  /// processes and hosts at once: each submission is held by one claim at a time. A
  /// submission claimed kMaxScoringAttempts times without a result is rejected here.
  std::optional<Claim> claim(const std::string& worker, std::int64_t lease_ms = kDefaultLeaseMs);
  /// Scores the claimed submission (outside any transaction) and records the outcome,
  /// re-counting the daily limit in the same transaction. Returns the result, or none
  /// when the claim no longer holds (its lease ran out and another worker took it, or the
  /// task was removed): then nothing is recorded.
  std::optional<SubmissionResult> complete(const Claim& claim);
  /// Submissions waiting for a worker (queued, claimed or not).
  std::int64_t queued();
  /// The submission with this id, if there is one (what a front end polls after enqueue;
  /// show it to its owner only).
  std::optional<SubmissionInfo> submission(std::int64_t id);
  /// The user's last submission to the task (status "none" when there is none).
  SubmissionResult last_submission(const std::string& task, const std::string& user);
  UserStatus status(const std::string& task, const std::string& user);
  /// Every submission of the user to the task, oldest first.
  std::vector<HistoryEntry> history(const std::string& task, const std::string& user);
  /// Makes `ids` (the user's scored submissions to the task, 1..final_picks of them) the
  /// user's final picks, replacing any earlier selection; refused once submissions close.
  std::vector<std::int64_t> select(const std::string& task, const std::string& user,
                                   const std::vector<std::int64_t>& ids);
  /// The submissions that count for the private board and grades: the selection, else
  /// the best `final_picks` by public score (earlier first on ties).
  std::vector<std::int64_t> final_picks(const std::string& task, const std::string& user);

  /// Private boards are refused before submissions close unless revealed or `organizer`.
  Leaderboard leaderboard(const std::string& task, Split split, bool organizer);

  std::vector<SuspiciousPair> suspicious(const std::string& task,
                                         double threshold = kDefaultSimilarityThreshold);

  /// Marks a user's work on a task as void (copying): off the leaderboards, not passed.
  void disqualify(const std::string& task, const std::string& user, const std::string& reason);
  /// Undoes disqualify; the reason is kept in the log with the disqualification's.
  void reinstate(const std::string& task, const std::string& user, const std::string& reason);

  Grades grades(const std::vector<GradeLevel>& scale);

  /// Access tokens (the web service, `board serve`; docs/board.md). Gives `user` a new
  /// random token, replacing any earlier one, and returns it: it is shown once, the board
  /// keeps only its SHA-256. Throws UsageError when there is no such user.
  std::string issue_token(const std::string& user);
  /// The user a token belongs to (nullopt: no such token). The stored digest is compared
  /// in constant time.
  std::optional<std::string> token_user(const std::string& token);

  const std::string& db_path() const { return db_path_; }
  /// The folder of stored files (`<db>.files` by default); "" when they are in the database.
  std::string store_dir() const;

 private:
  std::string db_path_;
  Clock clock_;
  std::unique_ptr<sql::Db> db_;
  std::unique_ptr<store::Files> files_;
};

/// How every daily-limit refusal message starts (a front end maps it to "try later").
inline constexpr const char* kDailyLimitRefusal = "daily limit reached";

/// Ids, names and task names: 1..256 bytes of UTF-8 without control characters.
/// Throws UsageError naming `what` ("user id", "task name").
void check_label(const std::string& text, const char* what);

}  // namespace deteval::board
