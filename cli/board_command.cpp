// deteval board ...: the competition scorer. Each action is one subcommand whose
// output (text, or --json for programs) a chat bot or web page reads; the storage and
// rules live in deteval::board (board/), this file only maps options to calls.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "deteval/board/board.hpp"
#include "deteval/board/render.hpp"
#include "deteval/board/time.hpp"
#include "deteval/formats/error.hpp"

namespace deteval::cli {

namespace {

using namespace deteval::board;

struct BoardOptions {
  std::string db, task, user, name, file, gt, metric, deadline, scale = kDefaultGradeScale, format = "text", reason;
  double public_fraction = 0.5;
  std::optional<std::uint64_t> seed;
  std::optional<int> daily_limit, max_dets;
  std::optional<double> pass_score;
  std::int64_t max_bytes = kDefaultMaxSubmissionBytes;
  bool json = false, private_split = false, organizer = false, update = false, strict = false;
};

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void add_db(CLI::App* cmd, BoardOptions& o) {
  cmd->add_option("--db", o.db, "The board's SQLite database file")->required();
}
void add_task(CLI::App* cmd, BoardOptions& o) { cmd->add_option("--task", o.task, "Task name")->required(); }
void add_user(CLI::App* cmd, BoardOptions& o) { cmd->add_option("--user", o.user, "User id")->required(); }

void run_task_add(const BoardOptions& o) {
  TaskRules r;
  r.name = o.task;
  if (!parse_metric(o.metric, r.metric))
    throw UsageError("--metric: expected coco-bbox, coco-segm, voc07 or voc12, got '" + o.metric + "'");
  r.public_fraction = o.public_fraction;
  r.seed = o.seed;
  if (!o.deadline.empty()) {
    r.deadline = parse_iso8601(o.deadline);
    if (!r.deadline) throw UsageError("--deadline: expected an ISO-8601 time (2025-03-01T23:59:00Z), got '" + o.deadline + "'");
  }
  r.daily_limit = o.daily_limit;
  r.max_dets_per_image = o.max_dets;
  r.pass_score = o.pass_score;
  r.max_submission_bytes = o.max_bytes;
  r.strict = o.strict;
  Board b(o.db);
  const std::int64_t now = now_ms();
  const Task t = b.add_task(r, o.gt, now);
  std::cout << (o.json ? task_json(t, now, true) : "added " + task_text(t, now, true));
}

}  // namespace

void add_board_command(CLI::App& app) {
  auto o = std::make_shared<BoardOptions>();
  CLI::App* board = app.add_subcommand("board", "Competition scorer: tasks, submissions, leaderboards, grades");
  board->require_subcommand(1);

  CLI::App* init = board->add_subcommand("init", "Create a board (an SQLite database and its file store)");
  add_db(init, *o);
  init->callback([o] {
    Board::init(o->db);
    std::cout << "board ready: " << o->db << " (files in " << o->db << ".files)\n";
  });

  CLI::App* task = board->add_subcommand("task", "Add, list, describe or reveal tasks");
  task->require_subcommand(1);
  CLI::App* add = task->add_subcommand("add", "Add a task: ground truth, metric and rules");
  add_db(add, *o);
  add_task(add, *o);
  add->add_option("--gt", o->gt, "Ground truth: COCO instances JSON (copied into the board)")->required();
  add->add_option("--metric", o->metric, "coco-bbox | coco-segm | voc07 | voc12")->required();
  add->add_option("--public-fraction", o->public_fraction, "Share of images on the public board, in (0, 1]")
      ->capture_default_str();
  add->add_option("--seed", o->seed, "Seed of the public/private split (default: random, kept secret)");
  add->add_option("--deadline", o->deadline, "Last moment to submit, ISO-8601 (no offset = UTC)");
  add->add_option("--daily-limit", o->daily_limit, "Scored submissions per user per rolling 24 hours")
      ->check(CLI::Range(0, 1000000));
  add->add_option("--max-dets-per-image", o->max_dets, "Refuse submissions with more detections on an image")
      ->check(CLI::Range(0, 1000000000));
  add->add_option("--pass-score", o->pass_score, "A final score >= this passes the task (for grades)");
  add->add_option("--max-submission-bytes", o->max_bytes, "Largest accepted submission file")->capture_default_str();
  add->add_flag("--json", o->json, "Print the task as JSON");
  add->add_flag("--strict", o->strict,
                "Refuse submissions that deteval coco would warn about (boxes as corners or normalised, shifted "
                "category ids, ...; docs/mistakes.md)");
  add->callback([o] { run_task_add(*o); });

  CLI::App* list = task->add_subcommand("list", "List tasks");
  add_db(list, *o);
  list->add_flag("--json", o->json, "Print as JSON");
  list->callback([o] {
    Board b(o->db);
    const auto tasks = b.tasks();
    std::cout << (o->json ? tasks_json(tasks, now_ms()) : tasks_text(tasks, now_ms()));
  });

  CLI::App* info = task->add_subcommand("info", "Show a task's rules");
  add_db(info, *o);
  add_task(info, *o);
  info->add_flag("--json", o->json, "Print as JSON");
  info->add_flag("--organizer", o->organizer, "Also show the split seed, public image ids (--json) and ground-truth file: not for participants");
  info->callback([o] {
    Board b(o->db);
    const Task t = b.task(o->task);
    if (o->json && o->organizer) {
      const auto ids = b.public_image_ids(o->task);
      std::cout << task_json(t, now_ms(), true, &ids);
    } else {
      std::cout << (o->json ? task_json(t, now_ms(), false) : task_text(t, now_ms(), o->organizer));
    }
  });

  CLI::App* reveal = task->add_subcommand("reveal", "Make a task's private scores visible before its deadline");
  add_db(reveal, *o);
  add_task(reveal, *o);
  reveal->callback([o] {
    Board b(o->db);
    b.reveal(o->task);
    std::cout << "private scores of " << o->task << " revealed\n";
  });

  CLI::App* reg = board->add_subcommand("register", "Register a participant");
  add_db(reg, *o);
  add_user(reg, *o);
  reg->add_option("--name", o->name, "Full name")->required();
  reg->add_flag("--update", o->update, "Change the name of an existing user");
  reg->callback([o] {
    Board b(o->db);
    const bool changed = b.register_user(o->user, o->name, o->update, now_ms());
    std::cout << (changed ? "registered " : "already registered: ") << o->user << "\n";
  });

  CLI::App* submit = board->add_subcommand("submit", "Validate, score and record a predictions file");
  add_db(submit, *o);
  add_task(submit, *o);
  add_user(submit, *o);
  submit->add_option("file", o->file, "Predictions: COCO results JSON")->required();
  submit->add_flag("--json", o->json, R"(Print {"submission_id", "status", "public_score", "error"})");
  submit->callback([o] {
    check_label(o->task, "--task");
    check_label(o->user, "--user");
    Board b(o->db);
    const SubmissionResult r = b.submit(o->task, o->user, o->file, base_name(o->file), now_ms());
    if (o->json) std::cout << submission_json(r) << std::flush;
    if (r.status != "scored")
      throw Error((r.id ? "submission " + std::to_string(*r.id) + " rejected: " : std::string("rejected: ")) + r.error,
                  ExitCode::rejected);
    if (!o->json) std::cout << submission_text(r);
  });

  CLI::App* check = board->add_subcommand("check", "The user's last submission: status and public score");
  add_db(check, *o);
  add_task(check, *o);
  add_user(check, *o);
  check->add_flag("--json", o->json, "Print the same object as submit --json");
  check->callback([o] {
    check_label(o->task, "--task");
    check_label(o->user, "--user");
    Board b(o->db);
    const SubmissionResult r = b.last_submission(o->task, o->user);
    std::cout << (o->json ? submission_json(r) : submission_text(r));
  });

  CLI::App* show = board->add_subcommand("show", "Leaderboard: one entry per user, their best submission");
  add_db(show, *o);
  add_task(show, *o);
  show->add_flag("--private", o->private_split, "The private leaderboard (after the deadline or a reveal)");
  show->add_flag("--organizer", o->organizer, "Allow the private leaderboard before the deadline");
  show->add_option("--format", o->format, "text | csv | json | html")->capture_default_str();
  show->add_flag("--json", o->json, "Same as --format json");
  show->callback([o] {
    const Format f = o->json ? Format::json : parse_format(o->format, "--format");
    Board b(o->db);
    const auto lb = b.leaderboard(o->task, o->private_split ? Split::private_split : Split::public_split,
                                  o->organizer, now_ms());
    std::cout << render_leaderboard(lb, f);
  });

  CLI::App* sus = board->add_subcommand("suspicious", "Pairs of users' submissions that are (nearly) identical");
  add_db(sus, *o);
  add_task(sus, *o);
  sus->add_option("--format", o->format, "text | csv | json | html")->capture_default_str();
  sus->add_flag("--json", o->json, "Same as --format json");
  sus->callback([o] {
    const Format f = o->json ? Format::json : parse_format(o->format, "--format");
    Board b(o->db);
    std::cout << render_suspicious(o->task, b.suspicious(o->task), f);
  });

  CLI::App* dq = board->add_subcommand("disqualify", "Void a user's work on a task (copying): off the boards, not passed");
  add_db(dq, *o);
  add_task(dq, *o);
  add_user(dq, *o);
  dq->add_option("--reason", o->reason, "Why (kept for the record)")->required();
  dq->callback([o] {
    Board b(o->db);
    b.disqualify(o->task, o->user, o->reason, now_ms());
    std::cout << "disqualified " << o->user << " from " << o->task << "\n";
  });

  CLI::App* grades = board->add_subcommand("grades", "Per user: share of tasks passed and the grade it gives");
  add_db(grades, *o);
  grades->add_option("--scale", o->scale, "grade:min_percent,... (highest first)")->capture_default_str();
  grades->add_option("--format", o->format, "text | csv | json | html")->capture_default_str();
  grades->add_flag("--json", o->json, "Same as --format json");
  grades->callback([o] {
    const Format f = o->json ? Format::json : parse_format(o->format, "--format");
    const auto scale = parse_grade_scale(o->scale);
    Board b(o->db);
    std::cout << render_grades(b.grades(scale), f);
  });
}

}  // namespace deteval::cli
