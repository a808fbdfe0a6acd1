// The server's internals shared by the JSON API (api.cpp) and the pages (pages.cpp).
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "deteval/board/board.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/server/server.hpp"
#include "board_pool.hpp"

namespace deteval::server {

/// Requests per key (the client's address) per minute, in fixed one-minute windows.
class RateLimiter {
 public:
  explicit RateLimiter(int per_minute) : per_minute_(per_minute) {}
  bool allow(const std::string& key, std::int64_t now_ms);

 private:
  int per_minute_;
  std::mutex m_;
  std::int64_t window_ = -1;
  std::map<std::string, int> counts_;
};

/// A file in the server's spool folder, named by the server; removed unless released.
class Spool {
 public:
  Spool() = default;
  Spool(const std::string& dir, std::uint64_t seq);
  Spool(Spool&& o) noexcept : path_(std::move(o.path_)), fd_(o.fd_), size_(o.size_) { o.fd_ = -1, o.path_.clear(); }
  Spool& operator=(Spool&& o) noexcept {
    std::swap(path_, o.path_), std::swap(fd_, o.fd_), std::swap(size_, o.size_);
    return *this;
  }
  ~Spool();
  bool write(const char* data, std::size_t n);
  /// Closes the file and hands it over (the caller deletes it from then on).
  std::string release();
  std::int64_t size() const { return size_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::int64_t size_ = 0;
};

/// A submission body as received: the spooled file and the form's other fields.
struct Upload {
  int status = 0;  ///< 0: received; else the HTTP status of the refusal (413, 400)
  std::string error;
  Spool file;
  std::string display_name = "submission.json";
  std::map<std::string, std::string> fields;
};

/// An HTTP answer: status, body (JSON or HTML) and an optional Retry-After.
struct Answer {
  Answer(int s = 200, std::string b = {}, std::optional<std::int64_t> retry = std::nullopt)
      : status(s), body(std::move(b)), retry_after_s(retry) {}
  int status;
  std::string body;
  std::optional<std::int64_t> retry_after_s;
};

struct Server::Impl {
  explicit Impl(ServerOptions options);
  ~Impl();

  ServerOptions o;
  httplib::Server http;
  BoardPool boards;
  std::unique_ptr<ScoringQueue> queue;
  std::string spool_dir;
  std::string csrf_secret;
  RateLimiter register_limit;
  std::atomic<std::uint64_t> spool_seq{0};
  std::atomic<int> waiting{0};  ///< request threads waiting for a score
  int max_waiting = 1;          ///< at most this many wait: the others answer 202 (pages stay served)
  std::once_flag stop_once;

  std::int64_t now() const { return o.clock(); }
  void log(const std::string& line);

  // Request bodies, read only after their declared size passed the cap.
  std::optional<std::string> read_body(const httplib::Request& req, const httplib::ContentReader& reader,
                                       std::size_t cap, httplib::Response& res);
  Upload receive_upload(const httplib::Request& req, const httplib::ContentReader& reader, std::int64_t cap);

  /// The user of a token (nullopt: none).
  std::optional<std::string> token_user(const std::string& token);
  bool is_organizer(const httplib::Request& req);
  /// The CSRF token of a signed-in session (bound to its access token).
  std::string csrf_for(const std::string& token) const;

  /// Runs `f`, mapping the board's exceptions: no such task 404, other usage 400, refusals
  /// `refusal_status`, anything else 500 (logged; the client sees no internals).
  template <class F>
  Answer guarded(int refusal_status, F&& f);

  /// Enqueues an upload for `user` and waits for its score up to the limit.
  /// `request_id`: the client's Idempotency-Key header ("" none).
  Answer submit(const std::string& task, const std::string& user, Upload& up, const std::string& request_id = "");
  /// The answer for a job's state: the submit --json object with 200/422/429/403, or 202.
  Answer job_answer(std::int64_t job, const JobState& s);
  /// 201 {"user", "token"}, 403 wrong code, 409 id taken, 429 too many from this address.
  Answer register_user(const std::string& ip, const std::string& user, const std::string& name,
                       const std::optional<std::string>& display_name, const std::string& code);

  void add_api_routes();
  void add_page_routes();
};

std::string error_json(const std::string& message);
void send(httplib::Response& res, const Answer& a, const char* content_type);
/// The bearer token of an Authorization header ("" when none).
std::string bearer_token(const httplib::Request& req);

template <class F>
Answer Server::Impl::guarded(int refusal_status, F&& f) {
  try {
    return f();
  } catch (const UsageError& e) {
    const std::string m = e.what();
    const bool missing = m.find("no task named") != std::string::npos || m.find("not registered") != std::string::npos ||
                         m.find("has no private part") != std::string::npos;
    return {missing ? 404 : 400, error_json(m)};
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::rejected) return {refusal_status, error_json(e.what())};
    log(std::string("internal error: ") + e.what());
    return {500, error_json("internal error (logged on the server)")};
  } catch (const std::exception& e) {
    log(std::string("internal error: ") + e.what());
    return {500, error_json("internal error (logged on the server)")};
  }
}

}  // namespace deteval::server
