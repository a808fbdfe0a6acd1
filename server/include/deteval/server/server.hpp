// `deteval board serve`: the board as a web service (JSON API + HTML pages) on cpp-httplib.
// Every answer comes from the same Board calls and renderers as the CLI (docs/board.md, "The
// web service").
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "deteval/board/board.hpp"
#include "deteval/server/scoring_queue.hpp"

namespace deteval::server {

struct ServerOptions {
  std::string db;
  std::string host = "127.0.0.1";
  int port = 8080;                                ///< 0: any free port (see Server::bind)
  std::optional<std::string> registration_code;   ///< none: registration over HTTP is closed
  std::string organizer_token;                    ///< empty: the organizer endpoints refuse everyone
  int workers = 0;                                ///< scoring threads; 0: one per core
  int http_threads = 0;                           ///< request threads; 0: 4 per core, at least 16
  /// How long a submission request waits for its score before answering 202 with a job id.
  std::chrono::milliseconds submit_wait{std::chrono::seconds(20)};
  std::size_t max_pending = 1024;                 ///< queued + running scorings; beyond: 503
  int register_per_minute = 10;                   ///< registrations per client address per minute
  std::size_t max_json_bytes = 64 << 10;          ///< the cap on every non-submission request body
  board::Clock clock = board::system_clock();
  /// Where scorings run; default make_thread_pool_queue(db, clock, workers, max_pending)
  /// (the CLI's `--queue database` gives make_database_queue).
  std::function<std::unique_ptr<ScoringQueue>()> make_queue;
  std::ostream* log = nullptr;                    ///< one line per internal error; none: silent
};

class Server {
 public:
  /// Opens the board (throws UsageError when `db` is not one) and starts the scorers.
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds the listening socket; returns the port (the chosen one when options.port is 0).
  /// Throws IoError when it cannot bind.
  int bind();
  /// Serves until stop(); call after bind().
  void run();
  /// Stops accepting connections, lets running requests finish, then finishes every
  /// accepted scoring. Safe to call from another thread, more than once.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

/// The organizer token in `path` (its first line), or a new random one written there
/// (mode 0600) when the file does not exist; `created` says which.
std::string load_or_create_organizer_token(const std::string& path, bool& created);

/// bind(), a line "listening on http://HOST:PORT" on `out`, run() until SIGTERM or SIGINT,
/// then stop(). Blocks those signals in the calling thread first (call before other threads).
void serve_until_signal(ServerOptions options, std::ostream& out);

}  // namespace deteval::server
