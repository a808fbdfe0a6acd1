// Who stands where: final picks, the public and private leaderboards, and grades.
// The private board and grades count only a user's final picks (as on Kaggle), so
// submitting many variants cannot mine the held-out split.
#include <algorithm>
#include <set>

#include "deteval/board/board.hpp"
#include "deteval/board/time.hpp"
#include "queries.hpp"

namespace deteval::board {

using namespace detail;

namespace {

// Which of two rows ranks first on a split: higher score (undefined last), earlier, lower id.
bool better_row(const std::optional<double>& sa, const ScoredRow& a, const std::optional<double>& sb,
                const ScoredRow& b) {
  if (sa.has_value() != sb.has_value()) return sa.has_value();
  if (sa && *sa != *sb) return *sa > *sb;
  if (a.submitted_at != b.submitted_at) return a.submitted_at < b.submitted_at;
  return a.id < b.id;
}

const std::optional<double>& score_on(const ScoredRow& r, Split split) {
  return split == Split::public_split ? r.public_score : r.private_score;
}

}  // namespace

namespace detail {

std::map<std::string, std::vector<ScoredRow>> scored_by_user(sql::Db& db, const std::string& task) {
  std::map<std::string, std::vector<ScoredRow>> out;
  sql::Stmt s(db,
              "SELECT s.id, s.user_id, coalesce(u.display_name, u.name), s.public_score, s.private_score, "
              "s.submitted_at FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.task_name = ? AND "
              "s.status = 'scored' AND NOT EXISTS (SELECT 1 FROM disqualifications d WHERE d.task_name = "
              "s.task_name AND d.user_id = s.user_id) ORDER BY s.id");
  s.bind(1, task);
  while (s.step()) {
    ScoredRow r;
    r.id = s.i64(0);
    r.user = s.text(1);
    r.name = s.text(2);
    r.public_score = s.opt_f64(3);
    r.private_score = s.opt_f64(4);
    r.submitted_at = s.i64(5);
    out[r.user].push_back(std::move(r));
  }
  return out;
}

std::vector<std::int64_t> selection(sql::Db& db, const std::string& task, const std::string& user) {
  std::vector<std::int64_t> ids;
  sql::Stmt s(db, "SELECT submission_id FROM selections WHERE task_name = ? AND user_id = ? ORDER BY submission_id");
  s.bind(1, task).bind(2, user);
  while (s.step()) ids.push_back(s.i64(0));
  return ids;
}

std::vector<const ScoredRow*> final_rows(const std::vector<ScoredRow>& rows, const std::vector<std::int64_t>& selected,
                                         int k) {
  std::vector<const ScoredRow*> out;
  if (!selected.empty()) {
    for (const ScoredRow& r : rows)
      if (std::binary_search(selected.begin(), selected.end(), r.id)) out.push_back(&r);
    return out;
  }
  for (const ScoredRow& r : rows) out.push_back(&r);
  std::sort(out.begin(), out.end(), [](const ScoredRow* a, const ScoredRow* b) {
    return better_row(a->public_score, *a, b->public_score, *b);
  });
  if (out.size() > static_cast<std::size_t>(k)) out.resize(static_cast<std::size_t>(k));
  return out;
}

}  // namespace detail

std::vector<std::int64_t> Board::select(const std::string& task_name, const std::string& user,
                                        const std::vector<std::int64_t>& ids) {
  sql::Transaction tx(*db_, true);
  const Task t = task(task_name);
  require_user(*db_, user);
  const std::int64_t at = now();
  if (!t.open(at))
    throw refusal("final picks of task '" + t.name + "' closed at " + format_iso8601(*t.closes_at()));
  const std::set<std::int64_t> unique(ids.begin(), ids.end());
  if (unique.empty()) throw refusal("choose at least one submission");
  if (unique.size() > static_cast<std::size_t>(t.final_picks))
    throw refusal("task '" + t.name + "' allows at most " + std::to_string(t.final_picks) + " final pick" +
                  (t.final_picks == 1 ? "" : "s") + ", got " + std::to_string(unique.size()));
  for (std::int64_t id : unique) {
    sql::Stmt s(*db_, "SELECT 1 FROM submissions WHERE id = ? AND task_name = ? AND user_id = ? AND status = 'scored'");
    s.bind(1, id).bind(2, t.name).bind(3, user);
    if (!s.step())
      throw refusal("submission " + std::to_string(id) + " is not one of your scored submissions to task '" + t.name +
                    "'");
  }
  sql::Stmt del(*db_, "DELETE FROM selections WHERE task_name = ? AND user_id = ?");
  del.bind(1, t.name).bind(2, user).run();
  sql::Stmt ins(*db_, "INSERT INTO selections(task_name, user_id, submission_id, selected_at) VALUES (?, ?, ?, ?)");
  for (std::int64_t id : unique) {
    ins.reset();
    ins.bind(1, t.name).bind(2, user).bind(3, id).bind(4, at).run();
  }
  tx.commit();
  return {unique.begin(), unique.end()};
}

std::vector<std::int64_t> Board::final_picks(const std::string& task_name, const std::string& user) {
  sql::Transaction tx(*db_, false);
  const Task t = task(task_name);
  require_user(*db_, user);
  sql::Stmt s(*db_,
              "SELECT id, public_score, submitted_at FROM submissions WHERE task_name = ? AND user_id = ? AND "
              "status = 'scored' ORDER BY id");
  s.bind(1, t.name).bind(2, user);
  std::vector<ScoredRow> rows;
  while (s.step()) {
    ScoredRow r;
    r.id = s.i64(0);
    r.public_score = s.opt_f64(1);
    r.submitted_at = s.i64(2);
    rows.push_back(r);
  }
  std::vector<std::int64_t> ids;
  for (const ScoredRow* r : final_rows(rows, selection(*db_, t.name, user), t.final_picks)) ids.push_back(r->id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Leaderboard Board::leaderboard(const std::string& task_name, Split split, bool organizer) {
  sql::Transaction tx(*db_, false);  // one consistent snapshot
  const Task t = task(task_name);
  if (split == Split::private_split) {
    if (t.public_images == t.images) throw UsageError("task '" + t.name + "' has no private part (public fraction 1)");
    if (!organizer && !t.private_visible(now()))
      throw refusal("private scores of task '" + t.name + "' are hidden until submissions close" +
                    (t.closes_at() ? " (" + format_iso8601(*t.closes_at()) + ")" : std::string()) +
                    " or until the organizer reveals them");
  }
  Leaderboard lb;
  lb.task = t.name;
  lb.split = split;
  for (const auto& [user, rows] : scored_by_user(*db_, t.name)) {
    // Public: every submission competes. Private: only the final picks.
    std::vector<const ScoredRow*> counted;
    if (split == Split::public_split)
      for (const ScoredRow& r : rows) counted.push_back(&r);
    else
      counted = final_rows(rows, selection(*db_, t.name, user), t.final_picks);
    const ScoredRow* best = nullptr;
    for (const ScoredRow* r : counted)
      if (!best || better_row(score_on(*r, split), *r, score_on(*best, split), *best)) best = r;
    if (!best) continue;
    LeaderboardEntry e;
    e.user = user;
    e.name = best->name;
    e.score = score_on(*best, split);
    e.submissions = static_cast<std::int64_t>(rows.size());
    e.best_submission_id = best->id;
    e.submitted_at = best->submitted_at;
    lb.entries.push_back(std::move(e));
  }
  std::sort(lb.entries.begin(), lb.entries.end(), [](const LeaderboardEntry& a, const LeaderboardEntry& b) {
    if (a.score.has_value() != b.score.has_value()) return a.score.has_value();
    if (a.score && *a.score != *b.score) return *a.score > *b.score;
    if (a.submitted_at != b.submitted_at) return a.submitted_at < b.submitted_at;
    if (a.best_submission_id != b.best_submission_id) return a.best_submission_id < b.best_submission_id;
    return a.user < b.user;
  });
  for (std::size_t i = 0; i < lb.entries.size(); ++i) lb.entries[i].rank = static_cast<int>(i + 1);
  return lb;
}

namespace {

// A user's standing on one graded task: the best final score over their final picks, on
// the private part when the task has one, else on the public part.
TaskGrade grade_task(sql::Db& db, const Task& t, const std::string& user,
                     const std::map<std::string, std::vector<ScoredRow>>& scored) {
  TaskGrade g;
  g.task = t.name;
  if (auto reason = disqualification(db, t.name, user)) {
    g.status = "disqualified";
    g.reason = *reason;
    return g;
  }
  const auto it = scored.find(user);
  if (it == scored.end()) {
    g.status = "no submission";
    return g;
  }
  const Split split = t.public_images < t.images ? Split::private_split : Split::public_split;
  for (const ScoredRow* r : final_rows(it->second, selection(db, t.name, user), t.final_picks)) {
    const auto& v = score_on(*r, split);
    if (v && (!g.score || *v > *g.score)) g.score = v;
  }
  g.status = g.score && *g.score >= *t.pass_score ? "passed" : "failed";
  return g;
}

}  // namespace

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
  if (graded.empty()) throw UsageError("no task has a pass score");
  std::vector<std::map<std::string, std::vector<ScoredRow>>> scored;
  for (const Task& t : graded) scored.push_back(scored_by_user(*db_, t.name));
  sql::Stmt s(*db_, "SELECT id, name FROM users ORDER BY id");
  while (s.step()) {
    UserGrade u;
    u.user = s.text(0);
    u.name = s.text(1);
    u.graded_tasks = static_cast<std::int64_t>(graded.size());
    for (std::size_t k = 0; k < graded.size(); ++k) {
      u.tasks.push_back(grade_task(*db_, graded[k], u.user, scored[k]));
      if (u.tasks.back().status == "passed") {
        u.passed_tasks.push_back(graded[k].name);
        ++u.passed;
      }
    }
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
