// deteval board ...: the competition scorer. Each action is one subcommand whose
// output (text, or --json for programs) a chat bot or web page reads; the storage and
// rules live in deteval::board (board/), this file only maps options to calls.
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "board_serve_command.hpp"
#include "commands.hpp"
#include "deteval/board/board.hpp"
#include "deteval/board/render.hpp"
#include "deteval/board/time.hpp"
#include "deteval/board/users_csv.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/error.hpp"

namespace deteval::cli {

namespace {

using namespace deteval::board;

struct BoardOptions {
  std::string db, task, user, name, display_name, file, gt, metric, deadline, late_until, scale = kDefaultGradeScale,
      format = "text", reason, submissions, from_csv, output, images_format = "coco", files, request_id;
  double public_fraction = 0.5;
  std::optional<double> new_public_fraction, late_penalty, threshold;
  std::optional<std::uint64_t> seed;
  std::optional<int> daily_limit, max_dets, final_picks;
  std::optional<double> pass_score;
  std::int64_t max_bytes = kDefaultMaxSubmissionBytes;
  bool json = false, private_split = false, organizer = false, update = false, force = false, strict = false,
       enqueue = false;
};

// The board on the system clock; the CLI's hint when there is none yet.
std::unique_ptr<Board> open_board(const std::string& db) {
  try {
    return std::make_unique<Board>(db, system_clock());
  } catch (const UsageError& e) {
    if (std::string(e.what()).find("no such board") == std::string::npos) throw;
    throw UsageError(std::string(e.what()) + " (create it with `deteval board init --db " + db + "`)");
  }
}

std::optional<std::int64_t> parse_time_option(const std::string& text, const char* option) {
  if (text.empty()) return std::nullopt;
  auto t = parse_iso8601(text);
  if (!t) throw UsageError(std::string(option) + ": expected an ISO-8601 time (2025-03-01T23:59:00Z), got '" + text + "'");
  return t;
}

std::vector<std::int64_t> parse_ids(const std::string& text) {
  std::vector<std::int64_t> ids;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    char* stop = nullptr;
    const long long v = std::strtoll(item.c_str(), &stop, 10);
    if (item.empty() || *stop || v <= 0) throw UsageError("--submissions: expected ID[,ID...], got '" + text + "'");
    ids.push_back(v);
    start = end + 1;
  }
  return ids;
}

void add_db(CLI::App* cmd, BoardOptions& o) {
  cmd->add_option("--db", o.db, "The board: an SQLite file (or sqlite:PATH), or postgresql://user@host:port/dbname")
      ->required();
}
void add_task(CLI::App* cmd, BoardOptions& o) { cmd->add_option("--task", o.task, "Task name")->required(); }
void add_user(CLI::App* cmd, BoardOptions& o) { cmd->add_option("--user", o.user, "User id")->required(); }

void run_task_add(const BoardOptions& o) {
  TaskRules r;
  r.name = o.task;
  check_label(o.task, "--task");
  r.metric = parse_metric(o.metric);
  r.public_fraction = o.public_fraction;
  r.seed = o.seed;
  r.deadline = parse_time_option(o.deadline, "--deadline");
  r.late_until = parse_time_option(o.late_until, "--late-until");
  if (o.late_penalty) r.late_penalty = *o.late_penalty;
  if (o.late_penalty && !r.late_until) throw UsageError("--late-penalty: needs --late-until");
  if (r.late_until && !r.deadline) throw UsageError("--late-until: needs --deadline");
  r.daily_limit = o.daily_limit;
  r.max_dets_per_image = o.max_dets;
  r.pass_score = o.pass_score;
  r.max_submission_bytes = o.max_bytes;
  if (o.final_picks) r.final_picks = *o.final_picks;
  r.strict = o.strict;
  auto b = open_board(o.db);
  const Task t = b->add_task(r, o.gt);
  std::cout << (o.json ? task_json(t, b->now(), true) : "added " + task_text(t, b->now(), true));
}

void run_task_update(const BoardOptions& o) {
  TaskUpdate u;
  u.deadline = parse_time_option(o.deadline, "--deadline");
  u.late_until = parse_time_option(o.late_until, "--late-until");
  u.late_penalty = o.late_penalty;
  u.daily_limit = o.daily_limit;
  u.pass_score = o.pass_score;
  u.public_fraction = o.new_public_fraction;
  auto b = open_board(o.db);
  const Task t = b->update_task(o.task, u);
  std::cout << (o.json ? task_json(t, b->now(), true) : "updated " + task_text(t, b->now(), true));
}

void run_register(const BoardOptions& o) {
  auto b = open_board(o.db);
  if (!o.from_csv.empty()) {
    const auto users = parse_users_csv(read_file(o.from_csv), o.from_csv);
    std::vector<RegisterOutcome> r;
    try {
      r = b->register_users(users, o.update);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::rejected) throw;
      throw RejectedError(std::string(e.what()) + " (pass --update to rename; nobody was registered)");
    }
    std::size_t added = 0, updated = 0;
    for (auto x : r) added += x == RegisterOutcome::added, updated += x == RegisterOutcome::updated;
    std::cout << "registered " << added << ", updated " << updated << ", unchanged " << r.size() - added - updated
              << "\n";
    return;
  }
  if (o.user.empty() || o.name.empty()) throw UsageError("register: give --user and --name, or --from-csv FILE");
  UserRecord u{o.user, o.name, std::nullopt};
  if (!o.display_name.empty()) u.display_name = o.display_name;
  RegisterOutcome r;
  try {
    r = b->register_user(u, o.update);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::rejected) throw;
    throw RejectedError(std::string(e.what()) + " (use --update to change it)");
  }
  std::cout << (r == RegisterOutcome::unchanged ? "already registered: " : r == RegisterOutcome::updated ? "updated " : "registered ")
            << o.user << "\n";
}

}  // namespace

void add_board_queue_commands(CLI::App* board);  // board_queue_command.cpp

void add_board_command(CLI::App& app) {
  auto o = std::make_shared<BoardOptions>();
  CLI::App* board = app.add_subcommand("board", kBoardDescription);
  board->require_subcommand(1);

  CLI::App* init = board->add_subcommand("init", "Create a board (a database and its file store), or upgrade one");
  add_db(init, *o);
  init->add_option("--files", o->files,
                   "Where files are kept: 'table' (in the database) or a folder (default: <db>.files for SQLite, "
                   "the table for PostgreSQL)");
  init->callback([o] {
    Board::init(o->db, o->files);
    const std::string dir = Board(o->db).store_dir();
    std::cout << "board ready: " << o->db << " (files in " << (dir.empty() ? "the database" : dir) << ")\n";
  });

  add_board_queue_commands(board);

  CLI::App* task = board->add_subcommand("task", "Add, list, describe, update, remove or reveal tasks");
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
  add->add_option("--final-picks", o->final_picks, "Submissions a user may select for the private board (default 2)")
      ->check(CLI::Range(1, 1000));
  add->add_option("--late-until", o->late_until, "Accept late submissions until then, ISO-8601 (needs --deadline)");
  add->add_option("--late-penalty", o->late_penalty, "Late scores are multiplied by (1 - penalty), in [0, 1]")
      ->check(CLI::Range(0.0, 1.0));
  add->add_flag("--json", o->json, "Print the task as JSON");
  add->add_flag("--strict", o->strict,
                "Refuse submissions that deteval coco would warn about (boxes as corners or normalised, shifted "
                "category ids, ...; docs/mistakes.md)");
  add->callback([o] { run_task_add(*o); });

  CLI::App* upd = task->add_subcommand("update", "Change a task's deadline, limits, pass score or (before any submission) split");
  add_db(upd, *o);
  add_task(upd, *o);
  upd->add_option("--deadline", o->deadline, "New deadline, ISO-8601");
  upd->add_option("--late-until", o->late_until, "New end of the late window, ISO-8601");
  upd->add_option("--late-penalty", o->late_penalty, "New late penalty, in [0, 1]")->check(CLI::Range(0.0, 1.0));
  upd->add_option("--daily-limit", o->daily_limit, "New daily limit")->check(CLI::Range(0, 1000000));
  upd->add_option("--pass-score", o->pass_score, "New pass score");
  upd->add_option("--public-fraction", o->new_public_fraction, "New public share (refused once submissions exist)");
  upd->add_flag("--json", o->json, "Print the task as JSON");
  upd->callback([o] { run_task_update(*o); });

  CLI::App* rm = task->add_subcommand("remove", "Delete a task (refused when it has submissions, unless --force)");
  add_db(rm, *o);
  add_task(rm, *o);
  rm->add_flag("--force", o->force, "Also delete its submissions (stored files are kept)");
  rm->callback([o] {
    auto b = open_board(o->db);
    try {
      const auto n = b->remove_task(o->task, o->force);
      std::cout << "removed " << o->task << " (" << n << " submission" << (n == 1 ? "" : "s") << ")\n";
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::rejected) throw;
      throw RejectedError(std::string(e.what()) + " (pass --force to remove it anyway)");
    }
  });

  CLI::App* images = task->add_subcommand("images", "The task's test images (ids, file names, sizes), no annotations");
  add_db(images, *o);
  add_task(images, *o);
  images->add_option("--format", o->images_format, "coco | txt")->capture_default_str();
  images->add_option("--output", o->output, "Write to FILE instead of stdout");
  images->callback([o] {
    ImagesFormat f;
    if (o->images_format == "coco") f = ImagesFormat::coco;
    else if (o->images_format == "txt") f = ImagesFormat::txt;
    else throw UsageError("--format: expected coco or txt, got '" + o->images_format + "'");
    auto b = open_board(o->db);
    const std::string text = render_test_images(b->test_images(o->task), f);
    if (o->output.empty()) std::cout << text;
    else write_file_atomic(o->output, text);
  });

  CLI::App* list = task->add_subcommand("list", "List tasks");
  add_db(list, *o);
  list->add_flag("--json", o->json, "Print as JSON");
  list->callback([o] {
    auto b = open_board(o->db);
    const auto tasks = b->tasks();
    std::cout << (o->json ? tasks_json(tasks, b->now()) : tasks_text(tasks, b->now()));
  });

  CLI::App* info = task->add_subcommand("info", "Show a task's rules");
  add_db(info, *o);
  add_task(info, *o);
  info->add_flag("--json", o->json, "Print as JSON");
  info->add_flag("--organizer", o->organizer, "Also show the split seed, public image ids (--json) and ground-truth file: not for participants");
  info->callback([o] {
    auto b = open_board(o->db);
    const Task t = b->task(o->task);
    if (o->json && o->organizer) {
      const auto ids = b->public_image_ids(o->task);
      std::cout << task_json(t, b->now(), true, &ids);
    } else {
      std::cout << (o->json ? task_json(t, b->now(), false) : task_text(t, b->now(), o->organizer));
    }
  });

  CLI::App* reveal = task->add_subcommand("reveal", "Make a task's private scores visible before its deadline");
  add_db(reveal, *o);
  add_task(reveal, *o);
  reveal->callback([o] {
    open_board(o->db)->reveal(o->task);
    std::cout << "private scores of " << o->task << " revealed\n";
  });

  CLI::App* reg = board->add_subcommand("register", "Register a participant (or many: --from-csv)");
  add_db(reg, *o);
  reg->add_option("--user", o->user, "User id");
  reg->add_option("--name", o->name, "Full name");
  reg->add_option("--display-name", o->display_name, "Name shown on leaderboards (default: the full name)");
  reg->add_option("--from-csv", o->from_csv, "CSV of id,name[,display_name]: all registered or none");
  reg->add_flag("--update", o->update, "Change the name of an existing user");
  reg->callback([o] { run_register(*o); });

  CLI::App* submit = board->add_subcommand("submit", "Validate, score and record a predictions file");
  add_db(submit, *o);
  add_task(submit, *o);
  add_user(submit, *o);
  submit->add_option("file", o->file, "Predictions: COCO results JSON")->required();
  submit->add_flag("--json", o->json, R"(Print {"submission_id", "status", "public_score", "error", "late"})");
  submit->add_flag("--enqueue", o->enqueue, "Queue it for `board worker` and return at once (status \"queued\")");
  submit->add_option("--request-id", o->request_id, "Idempotency key: a retry with the same key submits nothing new");
  submit->callback([o] {
    check_label(o->task, "--task");
    check_label(o->user, "--user");
    if (!o->request_id.empty()) check_label(o->request_id, "--request-id");
    auto b = open_board(o->db);
    const SubmissionRequest q{o->task, o->user, o->file, std::filesystem::path(o->file).filename().string(), o->request_id};
    const SubmissionResult r = o->enqueue ? b->enqueue(q) : b->submit(q);
    if (o->json) std::cout << submission_json(r) << std::flush;
    if (r.status == "queued") {
      if (!o->json) std::cout << "submission " << *r.id << " queued\n";
      return;
    }
    if (r.status != "scored")
      throw RejectedError((r.id ? "submission " + std::to_string(*r.id) + " rejected: " : std::string("rejected: ")) +
                          r.error);
    if (!o->json) std::cout << submission_text(r);
  });

  CLI::App* check = board->add_subcommand("check", "The user's last submission, best score, rank and quota");
  add_db(check, *o);
  add_task(check, *o);
  add_user(check, *o);
  check->add_flag("--json", o->json, "Print the submit --json object plus the user's standing");
  check->callback([o] {
    check_label(o->task, "--task");
    check_label(o->user, "--user");
    const UserStatus s = open_board(o->db)->status(o->task, o->user);
    std::cout << (o->json ? status_json(s) : status_text(s));
  });

  CLI::App* hist = board->add_subcommand("history", "Every submission of a user to a task");
  add_db(hist, *o);
  add_task(hist, *o);
  add_user(hist, *o);
  hist->add_flag("--json", o->json, "Print as JSON");
  hist->callback([o] {
    const auto h = open_board(o->db)->history(o->task, o->user);
    std::cout << (o->json ? history_json(o->task, o->user, h) : history_text(h));
  });

  CLI::App* sel = board->add_subcommand("select", "Choose the submissions that count for the private board");
  add_db(sel, *o);
  add_task(sel, *o);
  add_user(sel, *o);
  sel->add_option("--submissions", o->submissions, "ID[,ID...]: at most the task's final picks")->required();
  sel->add_flag("--json", o->json, R"(Print {"task", "user", "final_picks"})");
  sel->callback([o] {
    const auto ids = open_board(o->db)->select(o->task, o->user, parse_ids(o->submissions));
    if (o->json) {
      std::cout << selection_json(o->task, o->user, ids);
    } else {
      std::cout << "final picks of " << o->user << " for " << o->task << ":";
      for (auto id : ids) std::cout << " " << id;
      std::cout << "\n";
    }
  });

  CLI::App* show = board->add_subcommand("show", "Leaderboard: one entry per user (private: over their final picks)");
  add_db(show, *o);
  add_task(show, *o);
  show->add_flag("--private", o->private_split, "The private leaderboard (after the deadline or a reveal)");
  show->add_flag("--organizer", o->organizer, "Allow the private leaderboard before the deadline");
  show->add_option("--format", o->format, "text | csv | json | html")->capture_default_str();
  show->add_flag("--json", o->json, "Same as --format json");
  show->callback([o] {
    const Format f = o->json ? Format::json : parse_format(o->format, "format");
    const auto lb = open_board(o->db)->leaderboard(o->task, o->private_split ? Split::private_split : Split::public_split,
                                                   o->organizer);
    std::cout << render_leaderboard(lb, f);
  });

  CLI::App* sus = board->add_subcommand("suspicious", "Pairs of users' submissions that look copied");
  add_db(sus, *o);
  add_task(sus, *o);
  sus->add_option("--threshold", o->threshold, "Flag pairs sharing at least this fraction of detections (default 0.8)")
      ->check(CLI::Range(0.0, 1.0));
  sus->add_option("--format", o->format, "text | csv | json | html")->capture_default_str();
  sus->add_flag("--json", o->json, "Same as --format json");
  sus->callback([o] {
    const Format f = o->json ? Format::json : parse_format(o->format, "format");
    auto b = open_board(o->db);
    std::cout << render_suspicious(o->task, b->suspicious(o->task, o->threshold.value_or(kDefaultSimilarityThreshold)),
                                   f);
  });

  CLI::App* dq = board->add_subcommand("disqualify", "Void a user's work on a task (copying): off the boards, not passed");
  add_db(dq, *o);
  add_task(dq, *o);
  add_user(dq, *o);
  dq->add_option("--reason", o->reason, "Why (kept for the record)")->required();
  dq->callback([o] {
    open_board(o->db)->disqualify(o->task, o->user, o->reason);
    std::cout << "disqualified " << o->user << " from " << o->task << "\n";
  });

  CLI::App* rein = board->add_subcommand("reinstate", "Undo a disqualification (the reason is logged)");
  add_db(rein, *o);
  add_task(rein, *o);
  add_user(rein, *o);
  rein->add_option("--reason", o->reason, "Why (kept for the record)")->required();
  rein->callback([o] {
    open_board(o->db)->reinstate(o->task, o->user, o->reason);
    std::cout << "reinstated " << o->user << " on " << o->task << "\n";
  });

  CLI::App* grades = board->add_subcommand("grades", "Per user: each graded task's outcome, share passed and grade");
  add_db(grades, *o);
  grades->add_option("--scale", o->scale, "grade:min_percent,... (highest first)")->capture_default_str();
  grades->add_option("--format", o->format, "text | csv | json | html")->capture_default_str();
  grades->add_flag("--json", o->json, "Same as --format json");
  grades->callback([o] {
    const Format f = o->json ? Format::json : parse_format(o->format, "format");
    std::vector<GradeLevel> scale;
    try {
      scale = parse_grade_scale(o->scale);
    } catch (const UsageError& e) {
      throw UsageError(std::string("--scale: ") + e.what());
    }
    auto b = open_board(o->db);
    try {
      std::cout << render_grades(b->grades(scale), f);
    } catch (const UsageError& e) {
      throw UsageError(std::string(e.what()) + " (set one with `task add --pass-score S` or `task update --pass-score S`)");
    }
  });

  add_board_serve_commands(*board);
}

}  // namespace deteval::cli
