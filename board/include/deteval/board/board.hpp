// A competition board: tasks (ground truth + rules), registered users, submissions
// and their scores, in one SQLite database with the files content-addressed beside it.
//
// The board scores with the same evaluate() + summarize() as `deteval coco`, on the
// ground truth restricted to a task's public (resp. private) images. See docs/board.md
// for the rules (split, daily limit, ranking, similarity) and the crash-safety design.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deteval/dataset.hpp"

namespace deteval::board {

namespace sql {
class Db;
}

enum class Metric { coco_bbox, coco_segm, voc07, voc12 };
const char* to_string(Metric);
/// "coco-bbox", "coco-segm", "voc07", "voc12"; false when unknown.
bool parse_metric(const std::string& text, Metric& out);
/// Whether this build can score `m` (all four today; kept for builds without an evaluator).
bool metric_available(Metric m);

inline constexpr std::int64_t kDefaultMaxSubmissionBytes = std::int64_t(256) << 20;

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
  /// Deadline passed or revealed: private scores may be shown.
  bool private_visible(std::int64_t now) const { return revealed || (deadline && now > *deadline); }
  bool open(std::int64_t now) const { return !deadline || now <= *deadline; }
};

/// The outcome of one submission, as `submit --json` and `check --json` print it.
struct SubmissionResult {
  std::optional<std::int64_t> id;     ///< none when nothing was recorded (unknown task or user)
  std::string status;                 ///< "scored", "rejected", or "none" (check: no submission yet)
  std::optional<double> public_score; ///< none when rejected or undefined (no ground truth in the split)
  std::string error;                  ///< why it was rejected; empty when scored
  std::int64_t submitted_at = 0;
};

enum class Split { public_split, private_split };
const char* to_string(Split);

struct LeaderboardEntry {
  int rank = 0;
  std::string user, name;
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

struct SubmissionRef {
  std::int64_t id = 0;
  std::string user, name, sha256;
  std::int64_t submitted_at = 0;
  std::size_t detections = 0;
};

/// Two submissions of different users that look copied: `a` is the earlier one.
struct SuspiciousPair {
  std::string kind;       ///< "identical" (same file hash) or "near-identical"
  double similarity = 1;  ///< shared detections / detections of the larger submission
  SubmissionRef a, b;
};

struct GradeLevel {
  std::string label;
  double min_percent = 0;
};
/// "excellent:80,good:60,pass:40" -> levels sorted by threshold, highest first. Throws UsageError.
std::vector<GradeLevel> parse_grade_scale(const std::string& text);
inline constexpr const char* kDefaultGradeScale = "excellent:80,good:60,pass:40";

struct UserGrade {
  std::string user, name;
  std::vector<std::string> passed_tasks;
  std::int64_t passed = 0, graded_tasks = 0;
  double percent = 0;
  std::string grade;  ///< a scale label, or "fail" below the lowest level
};

struct Grades {
  std::vector<std::string> tasks;  ///< tasks with a pass score, by name
  std::vector<GradeLevel> scale;
  std::vector<UserGrade> users;    ///< by user id
};

/// Testing hook: DETEVAL_BOARD_CRASH_AT=stored|inserted|committed kills the submitting
/// process (SIGKILL) at that point of `submit`; see docs/board.md.
inline constexpr const char* kCrashEnv = "DETEVAL_BOARD_CRASH_AT";

class Board {
 public:
  /// Creates the database (or upgrades nothing: an existing board is left as is).
  static void init(const std::string& db_path);
  /// Opens an existing board; throws UsageError when `db_path` is not one.
  explicit Board(const std::string& db_path);
  ~Board();
  Board(const Board&) = delete;
  Board& operator=(const Board&) = delete;

  /// Validates the ground truth, copies it into the store, computes the split.
  Task add_task(const TaskRules& rules, const std::string& gt_path, std::int64_t now);
  std::vector<Task> tasks();
  /// Throws UsageError when there is no such task.
  Task task(const std::string& name);
  void reveal(const std::string& task);
  /// The ids of the task's public images, ascending (organizer-only information).
  std::vector<std::int64_t> public_image_ids(const std::string& task);

  /// Registers `id` as `name`. Re-registering with the same name is a no-op; another
  /// name is refused unless `update`. Returns true when something changed.
  bool register_user(const std::string& id, const std::string& name, bool update, std::int64_t now);

  /// Validates, stores, scores and records one submission (see docs/board.md).
  /// `display_name` names the file in participant-facing messages.
  SubmissionResult submit(const std::string& task, const std::string& user, const std::string& file,
                          const std::string& display_name, std::int64_t now);
  /// The user's last submission to the task (status "none" when there is none).
  SubmissionResult last_submission(const std::string& task, const std::string& user);

  /// Private boards are refused before the deadline unless revealed or `organizer`.
  Leaderboard leaderboard(const std::string& task, Split split, bool organizer, std::int64_t now);

  std::vector<SuspiciousPair> suspicious(const std::string& task, double threshold = 0.95);

  /// Marks a user's work on a task as void (copying): off the leaderboards, not passed.
  void disqualify(const std::string& task, const std::string& user, const std::string& reason, std::int64_t now);

  Grades grades(const std::vector<GradeLevel>& scale);

  const std::string& db_path() const { return db_path_; }
  /// The folder of stored files: `<db>.files`.
  std::string store_dir() const { return db_path_ + ".files"; }

 private:
  std::string db_path_;
  std::unique_ptr<sql::Db> db_;
};

/// Ids, names and task names: 1..256 bytes of UTF-8 without control characters.
/// Throws UsageError naming `what`.
void check_label(const std::string& text, const char* what);

}  // namespace deteval::board
