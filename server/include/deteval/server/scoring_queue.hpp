// Where `board serve` sends a submission to be scored, off the request threads. One small
// interface so that the scoring can run elsewhere (another process, a database work queue)
// without the HTTP layer changing: the server only enqueues, waits with a limit, and polls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "deteval/board/board.hpp"

namespace deteval::server {

/// One submission to score: Board::submit(task, user, file, display_name).
struct ScoringJob {
  std::string task, user;
  std::string file;          ///< a spooled copy of the request body; the queue deletes it when done
  std::string display_name;  ///< names the file in participant-facing messages (never a path)
  std::string request_id;    ///< the client's Idempotency-Key ("" none): a retry makes no second submission
};

struct JobState {
  enum class Phase { unknown, pending, done } phase = Phase::unknown;
  std::string task, user;          ///< whose job (the server shows a job to its owner only)
  board::SubmissionResult result;  ///< when done
  std::string failure;             ///< when done: an internal error (not the participant's), else ""
};

class ScoringQueue {
 public:
  virtual ~ScoringQueue() = default;
  /// Accepts the job and returns its id; nullopt when the queue is full (nothing kept).
  virtual std::optional<std::int64_t> enqueue(ScoringJob job) = 0;
  /// The job's state, after waiting up to `timeout` for it to finish (0: just look).
  virtual JobState wait(std::int64_t id, std::chrono::milliseconds timeout) = 0;
  /// Refuses new jobs and returns once every accepted job is scored (graceful shutdown).
  virtual void drain() = 0;
};

/// Scores on `workers` threads of this process, each with its own connection to the board
/// (`Board(db, clock)`). At most `max_pending` jobs wait or run at once; the outcomes of the
/// last `kept_results` finished jobs stay available to wait().
std::unique_ptr<ScoringQueue> make_thread_pool_queue(const std::string& db, board::Clock clock, int workers,
                                                     std::size_t max_pending, std::size_t kept_results = 4096);

/// How the database queue paces itself.
struct DatabaseQueueTiming {
  std::int64_t lease_ms = board::kDefaultLeaseMs;             ///< a claim's lease (Board::claim)
  std::chrono::milliseconds poll{50};                         ///< wait(): how often a pending row is read
  std::chrono::milliseconds idle_poll{std::chrono::seconds(1)};  ///< scorers: how often an empty queue is asked
};

/// Scores through the board's database work queue (Board::enqueue, claim, complete): an
/// accepted job is a `queued` submission row at once (its id is the job id), scored by
/// `scorers` threads of this process (0: none, a front end only) and by any `deteval board
/// worker` sharing the database. At most `max_pending` submissions may be queued; drain()
/// stops this process's scorers after their current claim and leaves the rest queued.
std::unique_ptr<ScoringQueue> make_database_queue(const std::string& db, board::Clock clock, int scorers,
                                                  std::size_t max_pending, DatabaseQueueTiming timing = {});

}  // namespace deteval::server
