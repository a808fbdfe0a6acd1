// The JSON API (docs/board.md, "The web service"). Every body is what the CLI's --json
// prints for the same call: the same Board methods, the same renderers.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "deteval/board/render.hpp"
#include "deteval/board/secret.hpp"
#include "deteval/board/sha256.hpp"
#include "impl.hpp"

namespace deteval::server {

using nlohmann::json;
using httplib::ContentReader;
using httplib::Request;
using httplib::Response;

namespace {

constexpr const char* kJson = "application/json";

// A JSON object body; nullopt (and a 400 in `error`) when it is not one.
std::optional<json> parse_object(const std::string& body, Answer& error) {
  try {
    json j = json::parse(body);
    if (j.is_object()) return j;
  } catch (const json::exception&) {
  }
  error = {400, error_json("expected a JSON object")};
  return std::nullopt;
}

// A string member; "" with a 400 in `error` when missing or not a string.
std::string member(const json& j, const char* key, Answer& error, bool required = true) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) error = {400, error_json(std::string("expected a string member \"") + key + "\"")};
    return "";
  }
  if (!it->is_string()) {
    error = {400, error_json(std::string("\"") + key + "\": expected a string")};
    return "";
  }
  return it->get<std::string>();
}

}  // namespace

Answer Server::Impl::job_answer(std::int64_t job, const JobState& s) {
  if (s.phase == JobState::Phase::unknown) return {404, error_json("no such job (or its outcome is no longer kept)")};
  if (s.phase == JobState::Phase::pending)
    return {202, json{{"submission_id", nullptr}, {"status", "pending"}, {"job", job},
                      {"poll", "/api/jobs/" + std::to_string(job)}}.dump() + "\n"};
  if (!s.failure.empty()) {
    log("scoring failed: " + s.failure);
    return {500, error_json("internal error while scoring (logged on the server)")};
  }
  const board::SubmissionResult& r = s.result;
  Answer a{200, board::submission_json(r)};
  if (r.status == "scored") return a;
  if (!r.id) return {404, error_json(r.error)};  // the task went away meanwhile
  return guarded(500, [&]() -> Answer {
    auto b = boards.get();
    if (r.error.starts_with(board::kDailyLimitRefusal)) {
      a.status = 429;
      const auto st = b->status(s.task, s.user);
      const std::int64_t wait_ms = st.next_submission_at ? *st.next_submission_at - now() : 60000;
      a.retry_after_s = std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
    } else {
      a.status = b->task(s.task).open(r.submitted_at) ? 422 : 403;
    }
    return a;
  });
}

Answer Server::Impl::submit(const std::string& task, const std::string& user, Upload& up,
                            const std::string& request_id) {
  if (up.status) return {up.status, error_json(up.error)};
  const std::string path = up.file.release();
  const auto job = queue->enqueue({task, user, path, up.display_name, request_id});
  if (!job) {
    ::unlink(path.c_str());
    return {503, error_json("the scoring queue is full; try again shortly"), 5};
  }
  // A bounded number of request threads wait for scores, so pages are always served.
  const bool may_wait = waiting.fetch_add(1) < max_waiting;
  const JobState s = queue->wait(*job, may_wait ? o.submit_wait : std::chrono::milliseconds(0));
  waiting.fetch_sub(1);
  return job_answer(*job, s);
}

Answer Server::Impl::register_user(const std::string& ip, const std::string& user, const std::string& name,
                                   const std::optional<std::string>& display_name, const std::string& code) {
  if (!register_limit.allow(ip, now()))
    return {429, error_json("too many registrations from this address; try again in a minute"), 60};
  if (!o.registration_code) return {403, error_json("registration is closed: the organizer registers participants")};
  if (!board::equal_constant_time(board::sha256_hex(code), board::sha256_hex(*o.registration_code)))
    return {403, error_json("wrong registration code")};
  return guarded(409, [&]() -> Answer {
    board::check_label(user, "user");
    board::check_label(name, "name");
    if (display_name) board::check_label(*display_name, "display name");
    auto b = boards.get();
    if (b->register_user({user, name, display_name}, false) != board::RegisterOutcome::added)
      return {409, error_json("user id '" + user + "' is taken")};
    const std::string token = b->issue_token(user);
    return {201, json{{"user", user}, {"token", token}}.dump() + "\n"};
  });
}

void Server::Impl::add_api_routes() {
  // The caller's user, or a 401 answer.
  const auto user_of = [this](const Request& req, Answer& error) -> std::optional<std::string> {
    const std::string token = bearer_token(req);
    if (token.empty()) {
      error = {401, error_json("sign in: send Authorization: Bearer TOKEN")};
      return std::nullopt;
    }
    auto u = token_user(token);
    if (!u) error = {401, error_json("unknown or revoked token")};
    return u;
  };
  const auto organizer = [this](const Request& req, Answer& error) {
    if (is_organizer(req)) return true;
    error = bearer_token(req).empty() ? Answer{401, error_json("organizer token required")}
                                      : Answer{403, error_json("not the organizer token")};
    return false;
  };
  const auto json_route = [](auto f) {
    return [f](const Request& req, Response& res) { send(res, f(req), kJson); };
  };

  http.Post("/api/register", [this](const Request& req, Response& res, const ContentReader& reader) {
    const auto body = read_body(req, reader, o.max_json_bytes, res);
    if (!body) return;
    Answer a;
    const auto j = parse_object(*body, a);
    if (j) {
      const std::string user = member(*j, "user", a), name = member(*j, "name", a), code = member(*j, "code", a, false);
      const std::string display = member(*j, "display_name", a, false);
      if (a.body.empty())
        a = register_user(req.remote_addr, user, name, display.empty() ? std::nullopt : std::optional(display), code);
    }
    send(res, a, kJson);
  });

  http.Get("/api/tasks", json_route([this](const Request&) {
             return guarded(403, [&]() -> Answer {
               auto b = boards.get();
               return {200, board::tasks_json(b->tasks(), now())};
             });
           }));
  http.Get(R"(/api/tasks/([^/]+))", json_route([this](const Request& req) {
             return guarded(403, [&]() -> Answer {
               auto b = boards.get();
               return {200, board::task_json(b->task(req.matches[1]), now(), false)};
             });
           }));
  http.Get(R"(/api/tasks/([^/]+)/images)", [this](const Request& req, Response& res) {
    const bool txt = req.get_param_value("format") == "txt";
    const Answer a = guarded(403, [&]() -> Answer {
      auto b = boards.get();
      return {200, board::render_test_images(b->test_images(req.matches[1]),
                                             txt ? board::ImagesFormat::txt : board::ImagesFormat::coco)};
    });
    if (a.status == 200 && req.has_param("download"))
      res.set_header("Content-Disposition", txt ? "attachment; filename=\"images.txt\"" : "attachment; filename=\"images.json\"");
    send(res, a, a.status == 200 && txt ? "text/plain; charset=utf-8" : kJson);
  });

  http.Post(R"(/api/tasks/([^/]+)/submissions)",
            [this, user_of](const Request& req, Response& res, const ContentReader& reader) {
              Answer a;
              const auto user = user_of(req, a);  // before reading anything
              if (!user) return send(res, a, kJson);
              const std::string task = req.matches[1];
              std::int64_t cap = 0;
              a = guarded(403, [&]() -> Answer {
                cap = boards.get()->task(task).max_submission_bytes;
                return {};
              });
              if (a.status != 200) return send(res, a, kJson);
              Upload up = receive_upload(req, reader, cap);
              if (up.status == 413) res.set_header("Connection", "close");
              // A retry with the same Idempotency-Key gets the first submission, not a second.
              const std::string key = req.get_header_value("Idempotency-Key").substr(0, 200);
              send(res, submit(task, *user, up, key), kJson);
            });
  http.Get(R"(/api/tasks/([^/]+)/submissions)", json_route([this, user_of](const Request& req) {
             Answer a;
             const auto user = user_of(req, a);
             if (!user) return a;
             return guarded(403, [&]() -> Answer {
               const std::string task = req.matches[1];
               return {200, board::history_json(task, *user, boards.get()->history(task, *user))};
             });
           }));
  http.Get(R"(/api/tasks/([^/]+)/submissions/(\d+))", json_route([this, user_of](const Request& req) {
             Answer a;
             const auto user = user_of(req, a);
             if (!user) return a;
             return guarded(403, [&]() -> Answer {
               const std::int64_t id = std::stoll(req.matches[2]);
               for (const board::HistoryEntry& e : boards.get()->history(req.matches[1], *user))
                 if (e.id == id) {
                   board::SubmissionResult r;
                   r.id = e.id, r.status = e.status, r.public_score = e.public_score, r.error = e.error,
                   r.submitted_at = e.submitted_at, r.late = e.late;
                   return {200, board::submission_json(r)};
                 }
               return {404, error_json("no submission " + std::to_string(id) + " of yours to this task")};
             });
           }));
  http.Get(R"(/api/jobs/(\d+))", json_route([this, user_of](const Request& req) {
             Answer a;
             const auto user = user_of(req, a);
             if (!user) return a;
             const std::int64_t id = std::stoll(req.matches[1]);
             const JobState s = queue->wait(id, std::chrono::milliseconds(0));
             if (s.phase != JobState::Phase::unknown && s.user != *user)  // others' jobs do not exist
               return Answer{404, error_json("no such job (or its outcome is no longer kept)")};
             return job_answer(id, s);
           }));
  http.Get(R"(/api/tasks/([^/]+)/check)", json_route([this, user_of](const Request& req) {
             Answer a;
             const auto user = user_of(req, a);
             if (!user) return a;
             return guarded(403, [&]() -> Answer { return {200, board::status_json(boards.get()->status(req.matches[1], *user))}; });
           }));
  http.Get(R"(/api/tasks/([^/]+)/leaderboard)", json_route([this](const Request& req) {
             const std::string split = req.has_param("split") ? req.get_param_value("split") : "public";
             if (split != "public" && split != "private")
               return Answer{400, error_json("split: expected public or private, got '" + split + "'")};
             return guarded(403, [&]() -> Answer {
               const auto lb = boards.get()->leaderboard(
                   req.matches[1], split == "private" ? board::Split::private_split : board::Split::public_split,
                   is_organizer(req));
               return {200, board::render_leaderboard(lb, board::Format::json)};
             });
           }));
  http.Post(R"(/api/tasks/([^/]+)/select)",
            [this, user_of](const Request& req, Response& res, const ContentReader& reader) {
              Answer a;
              const auto user = user_of(req, a);
              if (!user) return send(res, a, kJson);
              const auto body = read_body(req, reader, o.max_json_bytes, res);
              if (!body) return;
              const auto j = parse_object(*body, a);
              if (j) {
                const auto it = j->find("submissions");
                std::vector<std::int64_t> ids;
                if (it == j->end() || !it->is_array()) a = {400, error_json("expected {\"submissions\": [ID, ...]}")};
                else
                  for (const json& v : *it)
                    if (v.is_number_integer() && v.get<std::int64_t>() > 0) ids.push_back(v.get<std::int64_t>());
                    else a = {400, error_json("submissions: expected positive integer ids")};
                if (a.body.empty())
                  a = guarded(422, [&]() -> Answer {
                    const std::string task = req.matches[1];
                    return {200, board::selection_json(task, *user, boards.get()->select(task, *user, ids))};
                  });
              }
              send(res, a, kJson);
            });

  // --- organizer ---
  http.Get(R"(/api/tasks/([^/]+)/suspicious)", json_route([this, organizer](const Request& req) {
             Answer a;
             if (!organizer(req, a)) return a;
             double threshold = board::kDefaultSimilarityThreshold;
             if (req.has_param("threshold")) {
               try {
                 threshold = std::stod(req.get_param_value("threshold"));
               } catch (const std::exception&) {
                 threshold = -1;
               }
               if (!(threshold >= 0 && threshold <= 1)) return Answer{400, error_json("threshold: expected a number in [0, 1]")};
             }
             return guarded(403, [&]() -> Answer {
               const std::string task = req.matches[1];
               return {200, board::render_suspicious(task, boards.get()->suspicious(task, threshold), board::Format::json)};
             });
           }));
  for (const char* action : {"disqualify", "reinstate"}) {
    const std::string what = action;
    http.Post("/api/tasks/([^/]+)/" + what,
              [this, organizer, what](const Request& req, Response& res, const ContentReader& reader) {
                Answer a;
                if (!organizer(req, a)) return send(res, a, kJson);
                const auto body = read_body(req, reader, o.max_json_bytes, res);
                if (!body) return;
                const auto j = parse_object(*body, a);
                if (j) {
                  const std::string user = member(*j, "user", a), reason = member(*j, "reason", a);
                  if (a.body.empty())
                    a = guarded(409, [&]() -> Answer {
                      const std::string task = req.matches[1];
                      auto b = boards.get();
                      if (what == "disqualify") b->disqualify(task, user, reason);
                      else b->reinstate(task, user, reason);
                      return {200, json{{"task", task}, {"user", user},
                                        {"status", what == "disqualify" ? "disqualified" : "reinstated"}}.dump() + "\n"};
                    });
                }
                send(res, a, kJson);
              });
  }
  http.Post(R"(/api/tasks/([^/]+)/reveal)",
            [this, organizer](const Request& req, Response& res, const ContentReader& reader) {
              Answer a;
              if (!organizer(req, a)) return send(res, a, kJson);
              if (!read_body(req, reader, o.max_json_bytes, res)) return;
              send(res, guarded(403, [&]() -> Answer {
                     const std::string task = req.matches[1];
                     boards.get()->reveal(task);
                     return {200, json{{"task", task}, {"revealed", true}}.dump() + "\n"};
                   }),
                   kJson);
            });
  http.Get("/api/grades", json_route([this, organizer](const Request& req) {
             Answer a;
             if (!organizer(req, a)) return a;
             return guarded(403, [&]() -> Answer {
               const auto scale = board::parse_grade_scale(req.has_param("scale") ? req.get_param_value("scale")
                                                                                  : board::kDefaultGradeScale);
               return {200, board::render_grades(boards.get()->grades(scale), board::Format::json)};
             });
           }));
}

}  // namespace deteval::server
