// A scorer of the board's work queue (`deteval board worker`): threads that each claim a
// queued submission, score it and record the result, until stopped. Any number of
// workers on any number of hosts may serve one board (docs/board.md, "Many hosts").
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "deteval/board/board.hpp"

namespace deteval::board {

struct WorkerOptions {
  int threads = 1;                           ///< claimers, each with its own connection
  std::int64_t lease_ms = kDefaultLeaseMs;   ///< how long a claim holds before others may retake it
  std::int64_t poll_ms = 200;                ///< wait between looks at an empty queue
  bool exit_when_idle = false;               ///< stop once the queue has nothing claimable
  std::string name;                          ///< names the worker in claims ("" : host:pid)
};

/// Runs until `stop` becomes true (checked between submissions) or, with exit_when_idle,
/// until no thread finds work. `on_result` is called (serialized) for every submission
/// this worker recorded. A lost database connection is reopened after a pause; the
/// submission it held is retaken by a worker after its lease. Returns the number recorded.
std::int64_t run_worker(const std::string& db, const WorkerOptions& options, const std::atomic<bool>& stop,
                        const std::function<void(const SubmissionResult&)>& on_result, Clock clock = system_clock());

}  // namespace deteval::board
