#include "deteval/board/render.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "deteval/board/time.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/report.hpp"

namespace deteval::board {

using json = nlohmann::ordered_json;

namespace {

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
template <class T>
json opt_int(const std::optional<T>& v) {
  return v ? json(static_cast<std::int64_t>(*v)) : json(nullptr);
}

std::string score_text(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", *v);
  return buf;
}

std::string pad(const std::string& s, std::size_t width) {
  // Width in code points, so UTF-8 names line up reasonably.
  std::size_t cps = 0;
  for (unsigned char c : s) cps += (c & 0xC0) != 0x80;
  return cps >= width ? s : s + std::string(width - cps, ' ');
}

std::string html_page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title>\n<style>body{font-family:sans-serif}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:4px 8px}td.num{text-align:right}</style></head>\n<body>\n<h1>" +
         html_escape(title) + "</h1>\n" + body + "</body></html>\n";
}

}  // namespace

Format parse_format(const std::string& text, const std::string& option) {
  if (text == "text") return Format::text;
  if (text == "csv") return Format::csv;
  if (text == "json") return Format::json;
  if (text == "html") return Format::html;
  throw UsageError(option, "expected text, csv, json or html, got '" + text + "'");
}

std::string csv_field(const std::string& s) {
  std::string v = s;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v = "'" + v;
  if (v.find_first_of(",\"\r\n'") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string html_escape(const std::string& s) { return deteval::html_escape(s); }

std::string submission_json(const SubmissionResult& r) {
  json o = {{"submission_id", r.id ? json(*r.id) : json(nullptr)},
            {"status", r.status},
            {"public_score", opt(r.public_score)},
            {"error", r.error.empty() ? json(nullptr) : json(r.error)},
            {"late", r.late}};
  return o.dump() + "\n";
}

namespace {

json opt_time(const std::optional<std::int64_t>& t) { return t ? json(format_iso8601(*t)) : json(nullptr); }

}  // namespace

std::string status_json(const UserStatus& s) {
  json o = json::parse(submission_json(s.last));
  o["best_public_score"] = opt(s.best_public_score);
  o["rank"] = opt_int(s.rank);
  o["remaining_today"] = opt_int(s.remaining_today);
  o["next_submission_at"] = opt_time(s.next_submission_at);
  o["open"] = s.open;
  o["final_picks"] = s.final_picks;
  return o.dump() + "\n";
}

std::string status_text(const UserStatus& s) {
  std::string out = submission_text(s.last);
  out += "best public score: " + score_text(s.best_public_score) +
         (s.rank ? ", rank " + std::to_string(*s.rank) : std::string()) + "\n";
  if (!s.open) out += "submissions are closed\n";
  if (s.remaining_today) out += "submissions left in the last 24 hours: " + std::to_string(*s.remaining_today) + "\n";
  if (s.next_submission_at) out += "next submission accepted after " + format_iso8601(*s.next_submission_at) + "\n";
  if (!s.final_picks.empty()) {
    out += "final picks:";
    for (auto id : s.final_picks) (out += ' ') += std::to_string(id);
    out += "\n";
  }
  return out;
}

std::string history_json(const std::string& task, const std::string& user, const std::vector<HistoryEntry>& h) {
  json arr = json::array();
  for (const HistoryEntry& e : h)
    arr.push_back({{"submission_id", e.id},
                   {"submitted_at", format_iso8601(e.submitted_at)},
                   {"status", e.status},
                   {"public_score", opt(e.public_score)},
                   {"error", e.error.empty() ? json(nullptr) : json(e.error)},
                   {"late", e.late},
                   {"selected", e.selected}});
  return json{{"task", task}, {"user", user}, {"submissions", arr}}.dump(1) + "\n";
}

std::string selection_json(const std::string& task, const std::string& user, const std::vector<std::int64_t>& ids) {
  return "{\"task\": " + json(task).dump() + ", \"user\": " + json(user).dump() + ", \"final_picks\": " +
         json(ids).dump() + "}\n";
}

std::string history_text(const std::vector<HistoryEntry>& h) {
  if (h.empty()) return "no submission yet\n";
  std::ostringstream out;
  for (const HistoryEntry& e : h) {
    out << e.id << "  " << format_iso8601(e.submitted_at) << "  " << e.status;
    if (e.status == "scored") out << "  " << score_text(e.public_score);
    if (e.late) out << "  late";
    if (e.selected) out << "  selected";
    if (!e.error.empty()) out << "  " << e.error;
    out << "\n";
  }
  return out.str();
}

std::string render_test_images(const TestImages& t, ImagesFormat f) {
  if (f == ImagesFormat::txt) {
    std::ostringstream out;
    for (const Image& im : t.images)
      out << im.id << "\t" << im.file_name << "\t" << im.width << "\t" << im.height << "\n";
    return out.str();
  }
  // Built field by field from the parsed ground truth, so nothing else of it can leak.
  json images = json::array(), cats = json::array();
  for (const Image& im : t.images)
    images.push_back({{"id", im.id}, {"file_name", im.file_name}, {"width", im.width}, {"height", im.height}});
  for (const Category& c : t.categories) cats.push_back({{"id", c.id}, {"name", c.name}});
  return json{{"images", images}, {"categories", cats}}.dump() + "\n";
}

std::string submission_text(const SubmissionResult& r) {
  if (r.status == "none") return "no submission yet\n";
  std::string id = r.id ? "submission " + std::to_string(*r.id) : std::string("submission (not recorded)");
  if (r.status == "scored") return id + ": scored, public score " + score_text(r.public_score) + "\n";
  return id + ": rejected: " + r.error + "\n";
}

std::string render_leaderboard(const Leaderboard& lb, Format f) {
  const std::string split = to_string(lb.split);
  std::ostringstream out;
  switch (f) {
    case Format::json: {
      json entries = json::array();
      for (const auto& e : lb.entries)
        entries.push_back({{"rank", e.rank},
                           {"user", e.user},
                           {"name", e.name},
                           {"score", opt(e.score)},
                           {"submissions", e.submissions},
                           {"best_submission_id", e.best_submission_id},
                           {"submitted_at", format_iso8601(e.submitted_at)}});
      out << json{{"task", lb.task}, {"split", split}, {"entries", entries}}.dump(1) << "\n";
      break;
    }
    case Format::csv:
      out << "rank,user,name,score,submissions,best_submission_id,submitted_at\r\n";
      for (const auto& e : lb.entries)
        out << e.rank << "," << csv_field(e.user) << "," << csv_field(e.name) << ","
            << (e.score ? score_text(e.score) : "") << "," << e.submissions << "," << e.best_submission_id << ","
            << format_iso8601(e.submitted_at) << "\r\n";
      break;
    case Format::html: {
      std::ostringstream body;
      body << "<table>\n<tr><th>Rank</th><th>User</th><th>Name</th><th>Score</th><th>Submissions</th>"
              "<th>Best submission</th><th>Submitted at</th></tr>\n";
      for (const auto& e : lb.entries)
        body << "<tr><td class=\"num\">" << e.rank << "</td><td>" << html_escape(e.user) << "</td><td>"
             << html_escape(e.name) << "</td><td class=\"num\">" << score_text(e.score) << "</td><td class=\"num\">"
             << e.submissions << "</td><td class=\"num\">" << e.best_submission_id << "</td><td>"
             << format_iso8601(e.submitted_at) << "</td></tr>\n";
      body << "</table>\n";
      out << html_page(lb.task + " (" + split + " leaderboard)", body.str());
      break;
    }
    case Format::text: {
      std::size_t wu = 4, wn = 4;
      for (const auto& e : lb.entries) wu = std::max(wu, e.user.size()), wn = std::max(wn, e.name.size());
      wu = std::min<std::size_t>(wu, 24);
      wn = std::min<std::size_t>(wn, 32);
      out << lb.task << ": " << split << " leaderboard, " << lb.entries.size() << " participant"
          << (lb.entries.size() == 1 ? "" : "s") << "\n";
      out << "rank  " << pad("user", wu) << "  " << pad("name", wn) << "   score  subs    best  submitted at\n";
      for (const auto& e : lb.entries) {
        char head[16], tail[64];
        std::snprintf(head, sizeof head, "%4d  ", e.rank);
        std::snprintf(tail, sizeof tail, "  %6s  %4lld  %6lld  ", score_text(e.score).c_str(),
                      static_cast<long long>(e.submissions), static_cast<long long>(e.best_submission_id));
        out << head << pad(e.user, wu) << "  " << pad(e.name, wn) << tail << format_iso8601(e.submitted_at) << "\n";
      }
      break;
    }
  }
  return out.str();
}

namespace {

const char* score_description(Metric m) {
  switch (m) {
    case Metric::voc07: return "mAP, VOC2007 11-point AP at IoU > 0.5, mean over classes with ground truth";
    case Metric::voc12: return "mAP, VOC2010+ area AP at IoU > 0.5, mean over classes with ground truth";
    default: return "AP (stats[0]: IoU 0.50:0.95, all areas, 100 detections per image)";
  }
}

json task_object(const Task& t, std::int64_t now, bool organizer) {
  json cats = json::array();
  for (const auto& c : t.categories) cats.push_back({{"id", c.id}, {"name", c.name}});
  json o = {{"name", t.name},
            {"metric", to_string(t.metric)},
            {"score", score_description(t.metric)},
            {"deadline", t.deadline ? json(format_iso8601(*t.deadline)) : json(nullptr)},
            {"open", t.open(now)},
            {"daily_limit", opt_int(t.daily_limit)},
            {"max_dets_per_image", opt_int(t.max_dets_per_image)},
            {"max_submission_bytes", t.max_submission_bytes},
            {"strict", t.strict},
            {"pass_score", opt(t.pass_score)},
            {"final_picks", t.final_picks},
            {"late_until", t.late_until ? json(format_iso8601(*t.late_until)) : json(nullptr)},
            {"late_penalty", t.late_penalty},
            {"public_fraction", t.public_fraction},
            {"images", t.images},
            {"public_images", t.public_images},
            {"private_images", t.images - t.public_images},
            {"private_scores_visible", t.private_visible(now)},
            {"annotations", t.annotations},
            {"categories", cats},
            {"gt_sha256", t.gt_sha256},
            {"created_at", format_iso8601(t.created_at)}};
  if (organizer) {
    o["seed"] = t.split_seed;
    o["gt_file_name"] = t.gt_file_name;
    o["revealed"] = t.revealed;
  }
  return o;
}

}  // namespace

std::string task_json(const Task& t, std::int64_t now, bool organizer,
                      const std::vector<std::int64_t>* public_image_ids) {
  json o = task_object(t, now, organizer);
  if (organizer && public_image_ids) o["public_image_ids"] = *public_image_ids;
  return o.dump(1) + "\n";
}

std::string task_text(const Task& t, std::int64_t now, bool organizer) {
  std::ostringstream o;
  o << "task " << t.name << "\n";
  o << "  metric:            " << to_string(t.metric) << "\n";
  o << "  score:             " << score_description(t.metric) << "\n";
  o << "  deadline:          " << (t.deadline ? format_iso8601(*t.deadline) : std::string("none"))
    << (t.open(now) ? " (open)" : " (closed)") << "\n";
  if (t.late_until)
    o << "  late submissions:  until " << format_iso8601(*t.late_until) << ", scores x " << 1 - t.late_penalty << "\n";
  o << "  final picks:       up to " << t.final_picks << " (default: the best public scores)\n";
  o << "  daily limit:       "
    << (t.daily_limit ? std::to_string(*t.daily_limit) + " scored submissions per 24 hours" : std::string("none")) << "\n";
  o << "  detections/image:  " << (t.max_dets_per_image ? "at most " + std::to_string(*t.max_dets_per_image) : std::string("no limit"))
    << "\n";
  o << "  max file size:     " << t.max_submission_bytes << " bytes\n";
  if (t.strict) o << "  sanity checks:     strict (a submission they warn about is refused)\n";
  o << "  pass score:        " << (t.pass_score ? score_text(t.pass_score) : std::string("none")) << "\n";
  o << "  images:            " << t.images << " (" << t.public_images << " public, " << t.images - t.public_images
    << " private)\n";
  o << "  private scores:    " << (t.private_visible(now) ? "visible" : "hidden until submissions close") << "\n";
  o << "  categories:        ";
  for (std::size_t i = 0; i < t.categories.size(); ++i)
    o << (i ? ", " : "") << t.categories[i].id << " " << t.categories[i].name;
  o << "\n";
  if (organizer) {
    o << "  split seed:        " << t.split_seed << "\n";
    o << "  ground truth:      " << t.gt_file_name << " (sha256 " << t.gt_sha256 << ")\n";
  }
  return o.str();
}

std::string tasks_json(const std::vector<Task>& tasks, std::int64_t now) {
  json arr = json::array();
  for (const Task& t : tasks) arr.push_back(task_object(t, now, false));
  return json{{"tasks", arr}}.dump(1) + "\n";
}

std::string tasks_text(const std::vector<Task>& tasks, std::int64_t now) {
  if (tasks.empty()) return "no tasks\n";
  std::ostringstream o;
  for (const Task& t : tasks)
    o << t.name << "  " << to_string(t.metric) << "  "
      << (t.open(now) ? (t.closes_at() ? "open until " + format_iso8601(*t.closes_at()) : std::string("open"))
                      : "closed since " + format_iso8601(*t.closes_at()))
      << "\n";
  return o.str();
}

std::string render_suspicious(const std::string& task, const std::vector<SuspiciousPair>& pairs, Format f) {
  std::ostringstream out;
  auto ref = [](const SubmissionRef& r) {
    return json{{"submission_id", r.id},       {"user", r.user},
                {"name", r.name},              {"sha256", r.sha256},
                {"detections", r.detections},  {"public_score", opt(r.public_score)},
                {"submitted_at", format_iso8601(r.submitted_at)}};
  };
  auto pct = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v);
    return std::string(buf);
  };
  auto rho = [](const std::optional<double>& v) {
    if (!v) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", *v);
    return std::string(buf);
  };
  switch (f) {
    case Format::json: {
      json arr = json::array();
      for (const auto& p : pairs)
        arr.push_back({{"kind", p.kind},
                       {"similarity", p.similarity},
                       {"matched", p.matched},
                       {"fraction_a", p.fraction_a},
                       {"fraction_b", p.fraction_b},
                       {"rank_correlation", opt(p.rank_correlation)},
                       {"a", ref(p.a)},
                       {"b", ref(p.b)}});
      out << json{{"task", task}, {"pairs", arr}}.dump(1) << "\n";
      break;
    }
    case Format::csv:
      out << "kind,similarity,fraction_a,fraction_b,rank_correlation,a_submission_id,a_user,b_submission_id,b_user\r\n";
      for (const auto& p : pairs)
        out << p.kind << "," << p.similarity << "," << p.fraction_a << "," << p.fraction_b << ","
            << (p.rank_correlation ? rho(p.rank_correlation) : "") << "," << p.a.id << "," << csv_field(p.a.user)
            << "," << p.b.id << "," << csv_field(p.b.user) << "\r\n";
      break;
    case Format::html: {
      std::ostringstream body;
      body << "<table>\n<tr><th>Kind</th><th>Similarity</th><th>Shared by earlier</th><th>Shared by later</th>"
              "<th>Rank correlation</th><th>Earlier</th><th>Later</th></tr>\n";
      for (const auto& p : pairs)
        body << "<tr><td>" << p.kind << "</td><td class=\"num\">" << pct(p.similarity) << "</td><td class=\"num\">"
             << pct(p.fraction_a) << "</td><td class=\"num\">" << pct(p.fraction_b) << "</td><td class=\"num\">"
             << rho(p.rank_correlation) << "</td><td>#" << p.a.id << " " << html_escape(p.a.user) << " ("
             << html_escape(p.a.name) << ")</td><td>#" << p.b.id << " " << html_escape(p.b.user) << " ("
             << html_escape(p.b.name) << ")</td></tr>\n";
      body << "</table>\n";
      out << html_page(task + ": suspicious pairs", body.str());
      break;
    }
    case Format::text:
      if (pairs.empty()) out << task << ": no suspicious pairs\n";
      for (const auto& p : pairs) {
        out << p.kind << " (" << pct(p.similarity) << " similar: " << pct(p.fraction_a) << " / " << pct(p.fraction_b)
            << " of detections matched, rank correlation " << rho(p.rank_correlation) << "): submission " << p.a.id
            << " by " << p.a.user << " (" << p.a.name << ", " << format_iso8601(p.a.submitted_at)
            << ", public " << score_text(p.a.public_score) << ") and submission " << p.b.id << " by " << p.b.user
            << " (" << p.b.name << ", " << format_iso8601(p.b.submitted_at) << ", public "
            << score_text(p.b.public_score) << ")\n";
      }
      break;
  }
  return out.str();
}

std::string render_grades(const Grades& g, Format f) {
  std::ostringstream out;
  switch (f) {
    case Format::json: {
      json scale = json::array(), users = json::array();
      for (const auto& l : g.scale) scale.push_back({{"grade", l.label}, {"min_percent", l.min_percent}});
      for (const auto& u : g.users) {
        json detail = json::array();
        for (const auto& t : u.tasks)
          detail.push_back({{"task", t.task},
                            {"status", t.status},
                            {"score", opt(t.score)},
                            {"reason", t.reason.empty() ? json(nullptr) : json(t.reason)}});
        users.push_back({{"user", u.user}, {"name", u.name}, {"passed", u.passed}, {"tasks", u.graded_tasks},
                         {"percent", u.percent}, {"grade", u.grade}, {"passed_tasks", u.passed_tasks},
                         {"detail", detail}});
      }
      out << json{{"tasks", g.tasks}, {"scale", scale}, {"users", users}}.dump(1) << "\n";
      break;
    }
    case Format::csv:
      out << "user,name,passed,tasks,percent,grade";
      for (const auto& t : g.tasks) out << "," << csv_field(t + " score") << "," << csv_field(t + " status");
      out << "\r\n";
      for (const auto& u : g.users) {
        out << csv_field(u.user) << "," << csv_field(u.name) << "," << u.passed << "," << u.graded_tasks << ","
            << u.percent << "," << csv_field(u.grade);
        for (const auto& t : u.tasks)
          out << "," << (t.score ? score_text(t.score) : "") << ","
              << csv_field(t.reason.empty() ? t.status : t.status + ": " + t.reason);
        out << "\r\n";
      }
      break;
    case Format::html: {
      std::ostringstream body;
      body << "<table>\n<tr><th>User</th><th>Name</th><th>Passed</th><th>Percent</th><th>Grade</th>";
      for (const auto& t : g.tasks) body << "<th>" << html_escape(t) << "</th>";
      body << "</tr>\n";
      for (const auto& u : g.users) {
        body << "<tr><td>" << html_escape(u.user) << "</td><td>" << html_escape(u.name) << "</td><td class=\"num\">"
             << u.passed << "/" << u.graded_tasks << "</td><td class=\"num\">" << u.percent << "</td><td>"
             << html_escape(u.grade) << "</td>";
        for (const auto& t : u.tasks) {
          body << "<td>" << html_escape(t.status);
          if (t.score) body << ' ' << score_text(t.score);
          body << "</td>";
        }
        body << "</tr>\n";
      }
      body << "</table>\n";
      out << html_page("Grades", body.str());
      break;
    }
    case Format::text: {
      std::size_t wu = 4, wn = 4;
      for (const auto& u : g.users) wu = std::max(wu, u.user.size()), wn = std::max(wn, u.name.size());
      wu = std::min<std::size_t>(wu, 24);
      wn = std::min<std::size_t>(wn, 32);
      out << "graded tasks: " << g.tasks.size() << "\n";
      out << pad("user", wu) << "  " << pad("name", wn) << "  passed  percent  grade\n";
      for (const auto& u : g.users) {
        char mid[48];
        std::snprintf(mid, sizeof mid, "  %3lld/%-3lld  %6.1f%%  ", static_cast<long long>(u.passed),
                      static_cast<long long>(u.graded_tasks), u.percent);
        out << pad(u.user, wu) << "  " << pad(u.name, wn) << mid << u.grade << "\n";
        for (const auto& t : u.tasks)
          out << "    " << t.task << ": " << t.status << (t.score ? " (" + score_text(t.score) + ")" : std::string())
              << (t.reason.empty() ? std::string() : ": " + t.reason) << "\n";
      }
      break;
    }
  }
  return out.str();
}

}  // namespace deteval::board
