// deteval board serve / token: flags to deteval::server options; the server is in server/.
#include "board_serve_command.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <thread>

#include "deteval/board/board.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/server/server.hpp"

namespace deteval::cli {

namespace {

struct ServeOptions {
  std::string db, listen = "127.0.0.1:8080", registration_code, organizer_token_file, user, queue;
  int workers = -1, http_threads = 0, register_per_minute = 10;  // workers -1: one per core
  double submit_wait_s = 20;
  std::size_t max_pending = 1024;
};

void run_serve(const ServeOptions& o) {
  server::ServerOptions s;
  s.db = o.db;
  const auto colon = o.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) throw UsageError("--listen: expected HOST:PORT, got '" + o.listen + "'");
  s.host = o.listen.substr(0, colon);
  if (s.host.size() > 2 && s.host.front() == '[' && s.host.back() == ']') s.host = s.host.substr(1, s.host.size() - 2);  // [::1]:8080
  try {
    std::size_t used = 0;
    s.port = std::stoi(o.listen.substr(colon + 1), &used);
    if (used != o.listen.size() - colon - 1 || s.port < 0 || s.port > 65535) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    throw UsageError("--listen: expected HOST:PORT with a port in 0..65535, got '" + o.listen + "'");
  }
  if (!o.registration_code.empty()) s.registration_code = o.registration_code;
  if (!o.organizer_token_file.empty()) {
    bool created = false;
    s.organizer_token = server::load_or_create_organizer_token(o.organizer_token_file, created);
    if (created) std::cout << "organizer token written to " << o.organizer_token_file << " (mode 0600)" << std::endl;
  }
  // The queue: in this process (one board file, one host), or the board's database work
  // queue (PostgreSQL's default: several servers and `board worker`s share it).
  const std::string queue = o.queue.empty() ? (board::is_server_database(o.db) ? "database" : "memory") : o.queue;
  if (queue == "memory" && o.workers == 0)
    throw UsageError("--workers 0 (no scorer in this process) needs --queue database, where `deteval board worker` "
                     "processes score");
  s.workers = o.workers < 0 ? 0 : o.workers;  // ServerOptions: 0 = one per core
  if (queue == "database") {
    const int scorers = o.workers < 0 ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) : o.workers;
    s.make_queue = [db = o.db, clock = s.clock, scorers, pending = o.max_pending] {
      return server::make_database_queue(db, clock, scorers, pending);
    };
  }
  s.http_threads = o.http_threads;
  s.submit_wait = std::chrono::milliseconds(static_cast<std::int64_t>(o.submit_wait_s * 1000));
  s.max_pending = o.max_pending;
  s.register_per_minute = o.register_per_minute;
  s.log = &std::cerr;
  server::serve_until_signal(std::move(s), std::cout);
}

}  // namespace

void add_board_serve_commands(CLI::App& board) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* serve = board.add_subcommand("serve", "Run the board as a web service: JSON API and pages (docs/board.md)");
  serve->add_option("--db", o->db, "The board: an SQLite file or a postgresql:// URI")->required();
  serve->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: any free port, printed)")
      ->capture_default_str();
  serve->add_option("--registration-code", o->registration_code,
                    "Code participants give to register themselves (default: no registration over HTTP)");
  serve->add_option("--organizer-token-file", o->organizer_token_file,
                    "File holding the organizer's token (created with a random one when missing)");
  serve->add_option("--workers", o->workers,
                    "Scoring threads (default: one per core; 0 with --queue database: none here, "
                    "`deteval board worker`s score)")
      ->check(CLI::Range(0, 1024));
  serve->add_option("--queue", o->queue,
                    "Where submissions wait to be scored: memory (this process) or database (the board's work "
                    "queue, shared with other servers and `board worker`s; the default for PostgreSQL)")
      ->check(CLI::IsMember({"memory", "database"}));
  serve->add_option("--http-threads", o->http_threads, "Request threads (default: 4 per core, at least 16)")
      ->check(CLI::Range(0, 4096));
  serve->add_option("--submit-wait", o->submit_wait_s,
                    "Seconds a submission request waits for its score before answering 202 with a job to poll")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  serve->add_option("--max-pending", o->max_pending, "Scorings queued or running at once; beyond, 503")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  serve->add_option("--register-per-minute", o->register_per_minute, "Registrations per client address per minute")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  serve->callback([o] { run_serve(*o); });

  CLI::App* token = board.add_subcommand("token", "Issue a user a new access token for the web service (shown once)");
  token->add_option("--db", o->db, "The board: an SQLite file or a postgresql:// URI")->required();
  token->add_option("--user", o->user, "User id")->required();
  token->callback([o] {
    board::check_label(o->user, "--user");
    board::Board b(o->db);
    std::cout << b.issue_token(o->user) << "\n";
  });
}

}  // namespace deteval::cli
