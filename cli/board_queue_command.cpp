// deteval board worker / migrate: the commands of a board that outgrows one machine
// (docs/board.md, "Many hosts"). The queue and the copy live in deteval::board.
#include <signal.h>

#include <atomic>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "deteval/board/board.hpp"
#include "deteval/board/migrate.hpp"
#include "deteval/board/render.hpp"
#include "deteval/board/worker.hpp"
#include "deteval/formats/error.hpp"

namespace deteval::cli {

namespace {

using namespace deteval::board;

std::atomic<bool> g_stop{false};

extern "C" void request_stop(int) { g_stop = true; }

struct QueueOptions {
  std::string db, from, to, name, files;
  int threads = 1;
  double lease_s = kDefaultLeaseMs / 1000.0;
  std::int64_t poll_ms = 200;
  bool exit_when_idle = false, json = false;
};

}  // namespace

void add_board_queue_commands(CLI::App* board) {
  auto o = std::make_shared<QueueOptions>();

  CLI::App* worker = board->add_subcommand("worker", "Score queued submissions (submit --enqueue) until stopped");
  worker->add_option("--db", o->db, "The board: an SQLite file or postgresql://user@host:port/dbname")->required();
  worker->add_option("--threads", o->threads, "Submissions scored at once (one connection each)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  worker->add_option("--lease", o->lease_s, "Seconds a claim holds; a worker that dies is replaced after it")
      ->check(CLI::Range(0.05, 86400.0))
      ->capture_default_str();
  worker->add_option("--poll-ms", o->poll_ms, "Wait between looks at an empty queue")
      ->check(CLI::Range(1, 60000))
      ->capture_default_str();
  worker->add_option("--name", o->name, "Names this worker in claims (default host:pid)");
  worker->add_flag("--exit-when-idle", o->exit_when_idle, "Stop once nothing is left to claim");
  worker->add_flag("--json", o->json, "One submit --json object per recorded submission");
  worker->callback([o] {
    // SIGTERM / SIGINT: finish the submissions in hand, then stop.
    struct sigaction sa {};
    sa.sa_handler = request_stop;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    WorkerOptions w;
    w.threads = o->threads;
    w.lease_ms = static_cast<std::int64_t>(o->lease_s * 1000);
    w.poll_ms = o->poll_ms;
    w.exit_when_idle = o->exit_when_idle;
    w.name = o->name;
    Board{o->db};  // a missing board is an error now, not a retry loop
    run_worker(o->db, w, g_stop, [&](const SubmissionResult& r) {
      if (o->json) {
        std::cout << submission_json(r) << std::flush;
      } else {
        std::cout << "submission " << *r.id << ": " << r.status;
        if (r.public_score) std::cout << " " << *r.public_score;
        if (!r.error.empty()) std::cout << " (" << r.error << ")";
        std::cout << std::endl;
      }
    });
  });

  CLI::App* migrate = board->add_subcommand(
      "migrate", "Copy a whole board (users, tasks, splits, submissions, files) into an empty database and verify it");
  migrate->add_option("--from", o->from, "The board to copy: sqlite:PATH, a path, or a postgresql:// URI")->required();
  migrate->add_option("--to", o->to, "An empty database: postgresql://... (or an SQLite path)")->required();
  migrate->add_option("--files", o->files, "Where the copy keeps its files (as init --files)");
  migrate->callback([o] {
    const MigrationReport r = migrate_board(o->from, o->to, o->files);
    std::cout << migration_text(r);
  });
}

}  // namespace deteval::cli
