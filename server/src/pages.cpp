// The HTML pages: server-rendered, no external assets, readable on a phone. Every value
// from the board or the request is escaped; state-changing forms carry a CSRF token bound
// to the session's access token (which lives in an HttpOnly, SameSite=Strict cookie).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "deteval/board/render.hpp"
#include "deteval/board/secret.hpp"
#include "deteval/board/time.hpp"
#include "impl.hpp"

namespace deteval::server {

using board::html_escape;
using httplib::ContentReader;
using httplib::Request;
using httplib::Response;
using nlohmann::json;

namespace {

constexpr const char* kHtml = "text/html; charset=utf-8";
constexpr const char* kCookie = "deteval_token";

std::string url_part(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s)
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else (out += '%') += hex[c >> 4], out += hex[c & 15];
  return out;
}

std::string score_text(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", *v);
  return buf;
}

std::string cookie_token(const Request& req) {
  const std::string h = req.get_header_value("Cookie");
  const std::string key = std::string(kCookie) + "=";
  for (std::size_t at = 0; at < h.size();) {
    while (at < h.size() && (h[at] == ' ' || h[at] == ';')) ++at;
    const std::size_t end = std::min(h.find(';', at), h.size());
    if (h.compare(at, key.size(), key) == 0) return h.substr(at + key.size(), end - at - key.size());
    at = end;
  }
  return "";
}

// application/x-www-form-urlencoded fields.
std::map<std::string, std::string> form_fields(const std::string& body) {
  httplib::Params p;
  httplib::detail::parse_query_text(body, p);
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : p) out[k] = v;
  return out;
}

const char* kStyle =
    "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:0.8rem;line-height:1.4}"
    "nav{display:flex;flex-wrap:wrap;gap:0.8rem;align-items:center;border-bottom:1px solid #ccc;padding-bottom:0.5rem}"
    "nav form{display:inline;margin:0}.wide{overflow-x:auto}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:0.3rem 0.5rem;text-align:left}td.num{text-align:right}"
    "input,button{font-size:1rem;padding:0.4rem;max-width:100%}label{display:block;margin:0.5rem 0}"
    ".error{background:#fee;border:1px solid #c00;padding:0.6rem;white-space:pre-wrap;overflow-wrap:anywhere}"
    ".ok{background:#efe;border:1px solid #070;padding:0.6rem}.token{font-family:monospace;overflow-wrap:anywhere}";

// Counts down every [data-deadline] element (ms since the epoch) once a second.
const char* kCountdown =
    "<script>function tick(){for(const e of document.querySelectorAll('[data-deadline]')){"
    "let s=Math.floor((+e.dataset.deadline-Date.now())/1000);if(s<=0){e.textContent='closed';continue;}"
    "const d=Math.floor(s/86400);s%=86400;const h=Math.floor(s/3600);s%=3600;const m=Math.floor(s/60);s%=60;"
    "e.textContent=(d?d+'d ':'')+h+'h '+m+'m '+s+'s left';}}tick();setInterval(tick,1000);</script>";

}  // namespace

void Server::Impl::add_page_routes() {
  // The signed-in user and their token, if any.
  struct Session {
    std::string token, user;
  };
  const auto session = [this](const Request& req) -> std::optional<Session> {
    const std::string t = cookie_token(req);
    if (auto u = token_user(t)) return Session{t, *u};
    return std::nullopt;
  };
  const auto page = [this](Response& res, int status, const std::string& title, const std::string& body,
                           const std::optional<Session>& s) {
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>"
      << html_escape(title) << "</title><style>" << kStyle << "</style></head>\n<body>\n<nav><a href=\"/\">Tasks</a>";
    if (s)
      h << "<span>signed in as <b>" << html_escape(s->user) << "</b></span><form method=\"post\" action=\"/signout\">"
        << "<input type=\"hidden\" name=\"csrf\" value=\"" << csrf_for(s->token)
        << "\"><button type=\"submit\">Sign out</button></form>";
    else
      h << "<a href=\"/signin\">Sign in</a><a href=\"/register\">Register</a>";
    h << "</nav>\n<h1>" << html_escape(title) << "</h1>\n" << body << "\n" << kCountdown << "</body></html>\n";
    res.status = status;
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'self'; "
                   "frame-ancestors 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Cache-Control", "no-store");
    res.set_content(h.str(), kHtml);
  };
  const auto error_page = [page](Response& res, int status, const std::string& message,
                                 const std::optional<Session>& s) {
    page(res, status, "Error", "<p class=\"error\">" + html_escape(message) + "</p>", s);
  };

  http.Get("/", [this, session, page, error_page](const Request& req, Response& res) {
    const auto s = session(req);
    try {
      auto b = boards.get();
      std::ostringstream h;
      h << "<div class=\"wide\"><table><tr><th>Task</th><th>Metric</th><th>Deadline</th><th>Status</th></tr>";
      for (const board::Task& t : b->tasks()) {
        h << "<tr><td><a href=\"/tasks/" << url_part(t.name) << "\">" << html_escape(t.name) << "</a></td><td>"
          << board::to_string(t.metric) << "</td><td>"
          << (t.deadline ? board::format_iso8601(*t.deadline) : std::string("none")) << "</td><td>";
        if (const auto c = t.closes_at(); c && t.open(now())) h << "<span data-deadline=\"" << *c << "\">open</span>";
        else h << (t.open(now()) ? "open" : "closed");
        h << "</td></tr>";
      }
      h << "</table></div>";
      page(res, 200, "Tasks", h.str(), s);
    } catch (const std::exception& e) {
      log(std::string("internal error: ") + e.what());
      error_page(res, 500, "internal error (logged on the server)", s);
    }
  });

  http.Get("/register", [page](const Request&, Response& res) {
    page(res, 200, "Register",
         "<form method=\"post\" action=\"/register\">"
         "<label>User id <input name=\"user\" required maxlength=\"256\" autocomplete=\"username\"></label>"
         "<label>Full name <input name=\"name\" required maxlength=\"256\"></label>"
         "<label>Name on the leaderboard (optional) <input name=\"display_name\" maxlength=\"256\"></label>"
         "<label>Registration code <input name=\"code\" required></label>"
         "<button type=\"submit\">Register</button></form>",
         std::nullopt);
  });
  http.Post("/register", [this, page, error_page](const Request& req, Response& res, const ContentReader& reader) {
    const auto body = read_body(req, reader, o.max_json_bytes, res);
    if (!body) return;
    auto f = form_fields(*body);
    const std::optional<std::string> display =
        f["display_name"].empty() ? std::nullopt : std::optional<std::string>(f["display_name"]);
    const Answer a = register_user(req.remote_addr, f["user"], f["name"], display, f["code"]);
    if (a.status != 201) {
      if (a.retry_after_s) res.set_header("Retry-After", std::to_string(*a.retry_after_s));
      return error_page(res, a.status, json::parse(a.body).value("error", ""), std::nullopt);
    }
    const json j = json::parse(a.body);
    page(res, 201, "Registered",
         "<p class=\"ok\">Welcome, " + html_escape(j["user"].get<std::string>()) +
             ". Your access token is shown <b>only this once</b>; keep it (the board stores only its hash):</p>"
             "<p class=\"token\" id=\"token\">" + html_escape(j["token"].get<std::string>()) +
             "</p><p><a href=\"/signin\">Sign in with it</a></p>",
         std::nullopt);
  });

  http.Get("/signin", [page](const Request&, Response& res) {
    page(res, 200, "Sign in",
         "<form method=\"post\" action=\"/signin\"><label>Access token <input name=\"token\" required "
         "autocomplete=\"current-password\" type=\"password\"></label><button type=\"submit\">Sign in</button></form>",
         std::nullopt);
  });
  http.Post("/signin", [this, error_page](const Request& req, Response& res, const ContentReader& reader) {
    const auto body = read_body(req, reader, o.max_json_bytes, res);
    if (!body) return;
    const std::string token = form_fields(*body)["token"];
    if (!token_user(token)) return error_page(res, 401, "unknown or revoked token", std::nullopt);
    res.set_header("Set-Cookie", std::string(kCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
    res.set_redirect("/", 303);
  });
  http.Post("/signout", [this, session, error_page](const Request& req, Response& res, const ContentReader& reader) {
    const auto body = read_body(req, reader, o.max_json_bytes, res);
    if (!body) return;
    const auto s = session(req);
    if (s && !board::equal_constant_time(form_fields(*body)["csrf"], csrf_for(s->token)))
      return error_page(res, 403, "the form is stale; reload the page", s);
    res.set_header("Set-Cookie", std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    res.set_redirect("/", 303);
  });

  http.Get(R"(/tasks/([^/]+))", [this, session, page, error_page](const Request& req, Response& res) {
    const auto s = session(req);
    const std::string name = req.matches[1];
    try {
      auto b = boards.get();
      board::Task t;
      try {
        t = b->task(name);
      } catch (const UsageError& e) {
        return error_page(res, 404, e.what(), s);
      }
      const std::int64_t at = now();
      std::ostringstream h;
      h << "<h2>Rules</h2><ul><li>Metric: " << board::to_string(t.metric) << "</li><li>Deadline: ";
      if (t.deadline) h << board::format_iso8601(*t.deadline);
      else h << "none";
      if (const auto c = t.closes_at(); c && t.open(at))
        h << " (<span id=\"countdown\" data-deadline=\"" << *c << "\"></span>)";
      h << "</li>";
      if (t.late_until)
        h << "<li>Late submissions until " << board::format_iso8601(*t.late_until) << ", scores times "
          << score_text(1 - t.late_penalty) << "</li>";
      h << "<li>Submissions: " << (t.open(at) ? "open" : "closed") << "</li>";
      if (t.daily_limit) h << "<li>At most " << *t.daily_limit << " scored submissions per 24 hours</li>";
      if (t.max_dets_per_image) h << "<li>At most " << *t.max_dets_per_image << " detections per image</li>";
      h << "<li>Largest file: " << t.max_submission_bytes << " bytes</li><li>Final picks: " << t.final_picks
        << "</li>";
      if (t.pass_score) h << "<li>Pass score: " << score_text(t.pass_score) << "</li>";
      h << "<li>Images: " << t.images << " (" << t.public_images << " on the public board)</li><li>Categories: ";
      for (std::size_t i = 0; i < t.categories.size(); ++i)
        h << (i ? ", " : "") << html_escape(t.categories[i].name) << " (" << t.categories[i].id << ")";
      const std::string base = "/api/tasks/" + url_part(t.name);
      h << "</li></ul><p>Test images: <a id=\"images\" href=\"" << base << "/images?download=1\">images.json</a> "
        << "(COCO images and categories) or <a href=\"" << base << "/images?format=txt&amp;download=1\">images.txt</a></p>";

      const auto table = [&](const board::Leaderboard& lb) {
        h << "<div class=\"wide\"><table id=\"" << board::to_string(lb.split)
          << "-board\"><tr><th>#</th><th>Name</th><th>Score</th><th>Submissions</th><th>Last best</th></tr>";
        for (const board::LeaderboardEntry& e : lb.entries)
          h << "<tr><td class=\"num\">" << e.rank << "</td><td>" << html_escape(e.name) << "</td><td class=\"num\">"
            << score_text(e.score) << "</td><td class=\"num\">" << e.submissions << "</td><td>"
            << board::format_iso8601(e.submitted_at) << "</td></tr>";
        h << "</table></div>";
        if (lb.entries.empty()) h << "<p>No scored submission yet.</p>";
      };
      h << "<h2>Leaderboard</h2>";
      table(b->leaderboard(t.name, board::Split::public_split, false));
      if (t.private_visible(at) && t.public_images < t.images) {
        h << "<h2>Private leaderboard</h2>";
        table(b->leaderboard(t.name, board::Split::private_split, false));
      }
      if (!s) {
        h << "<p><a href=\"/signin\">Sign in</a> to submit.</p>";
      } else {
        const board::UserStatus st = b->status(t.name, s->user);
        h << "<h2>Submit</h2>";
        if (!st.open) h << "<p>Submissions are closed.</p>";
        else {
          if (st.remaining_today) h << "<p>Submissions left in the last 24 hours: " << *st.remaining_today << "</p>";
          h << "<form method=\"post\" enctype=\"multipart/form-data\" action=\"/tasks/" << url_part(t.name)
            << "/submit\"><input type=\"hidden\" name=\"csrf\" value=\"" << csrf_for(s->token)
            << "\"><label>Predictions (COCO results JSON) <input type=\"file\" name=\"file\" id=\"file\" required "
               "accept=\".json,application/json\"></label><button type=\"submit\" id=\"send\">Submit</button></form>";
        }
        h << "<h2 id=\"mine\">My submissions</h2><div class=\"wide\"><table id=\"my-submissions\"><tr><th>#</th>"
             "<th>Submitted</th><th>Status</th><th>Public score</th><th>Note</th></tr>";
        for (const board::HistoryEntry& e : b->history(t.name, s->user))
          h << "<tr><td class=\"num\">" << e.id << "</td><td>" << board::format_iso8601(e.submitted_at) << "</td><td>"
            << e.status << "</td><td class=\"num\">" << score_text(e.public_score) << "</td><td>"
            << html_escape(e.error) << (e.late ? " late" : "") << (e.selected ? " selected" : "") << "</td></tr>";
        h << "</table></div>";
      }
      page(res, 200, t.name, h.str(), s);
    } catch (const std::exception& e) {
      log(std::string("internal error: ") + e.what());
      error_page(res, 500, "internal error (logged on the server)", s);
    }
  });

  http.Post(R"(/tasks/([^/]+)/submit)", [this, session, page, error_page](const Request& req, Response& res,
                                                                          const ContentReader& reader) {
    const auto s = session(req);
    if (!s) {
      res.set_header("Connection", "close");
      return error_page(res, 401, "sign in first", s);
    }
    const std::string name = req.matches[1];
    std::int64_t cap = 0;
    try {
      cap = boards.get()->task(name).max_submission_bytes;
    } catch (const UsageError& e) {
      res.set_header("Connection", "close");
      return error_page(res, 404, e.what(), s);
    }
    Upload up = receive_upload(req, reader, cap);
    if (up.status) {
      if (up.status == 413) res.set_header("Connection", "close");
      return error_page(res, up.status, up.error, s);
    }
    if (!board::equal_constant_time(up.fields["csrf"], csrf_for(s->token)))
      return error_page(res, 403, "the form is stale; reload the page and submit again", s);
    const Answer a = submit(name, s->user, up);
    const json j = json::parse(a.body);
    const std::string back = "<p><a href=\"/tasks/" + url_part(name) + "\">Back to the task</a> (leaderboard, "
                             "<a href=\"/tasks/" + url_part(name) + "#mine\">my submissions</a>)</p>";
    if (a.retry_after_s) res.set_header("Retry-After", std::to_string(*a.retry_after_s));
    if (a.status == 200)
      return page(res, 200, "Scored",
                  "<p class=\"ok\" id=\"result\">Submission " + std::to_string(j.value("submission_id", 0)) +
                      " scored: public score <b id=\"score\">" +
                      score_text(j["public_score"].is_number() ? std::optional(j["public_score"].get<double>())
                                                               : std::nullopt) +
                      "</b>" + (j.value("late", false) ? " (late)" : "") + "</p>" + back,
                  s);
    if (a.status == 202)
      return page(res, 202, "Scoring",
                  "<p class=\"ok\" id=\"result\">Your file is being scored; it will appear under my submissions.</p>" +
                      back,
                  s);
    const std::string message = j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
    page(res, a.status, "Rejected", "<p>The submission was not scored:</p><p class=\"error\" id=\"result\">" +
                                        html_escape(message) + "</p>" + back,
         s);
  });
}

}  // namespace deteval::server
