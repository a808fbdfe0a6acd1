// The ScoringQueue on the board's own work queue (Board::enqueue / claim / complete): a
// submission is a `queued` row the moment it is accepted, so any number of servers can
// accept and any number of scorers (this server's threads, `deteval board worker`
// processes on other hosts) can score, sharing one database (docs/board.md, "Many hosts").
// A job's id is its submission id; waiting polls the row.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "board_pool.hpp"
#include "deteval/server/scoring_queue.hpp"

namespace deteval::server {

namespace {

class DatabaseQueue final : public ScoringQueue {
 public:
  DatabaseQueue(std::string db, board::Clock clock, int scorers, std::size_t max_pending, DatabaseQueueTiming timing)
      : boards_(db, clock), max_pending_(max_pending), timing_(timing) {
    // Open every connection before serving, so a bad board fails the start, not a job.
    std::vector<std::unique_ptr<board::Board>> own;
    for (int i = 0; i < scorers; ++i) own.push_back(std::make_unique<board::Board>(db, clock));
    (void)boards_.get();  // and one for the request threads
    const std::string host = hostname();
    for (int i = 0; i < scorers; ++i)
      threads_.emplace_back([this, b = std::move(own[std::size_t(i)]), name = host + ":" + std::to_string(::getpid()) +
                                                                              ":serve:" + std::to_string(i)]() mutable {
        score(*b, name);
      });
  }

  ~DatabaseQueue() override { drain(); }

  std::optional<std::int64_t> enqueue(ScoringJob job) override {
    if (closing_) {
      ::unlink(job.file.c_str());
      return std::nullopt;
    }
    JobState local;
    local.task = job.task;
    local.user = job.user;
    local.phase = JobState::Phase::done;
    try {
      auto b = boards_.get();
      if (static_cast<std::size_t>(b->queued()) >= max_pending_) {
        ::unlink(job.file.c_str());
        return std::nullopt;
      }
      // The file is read and stored by enqueue: the spooled copy is not needed after it.
      local.result = b->enqueue({job.task, job.user, job.file, job.display_name, job.request_id});
    } catch (const std::exception& e) {
      local.failure = e.what();
    }
    ::unlink(job.file.c_str());
    if (local.failure.empty() && local.result.id) {
      work_cv_.notify_one();  // this server's scorers need not wait for their next poll
      return *local.result.id;
    }
    // Refused with nothing recorded (or failed): kept here under an id no row has.
    std::lock_guard lock(m_);
    const std::int64_t id = --last_local_id_;
    local_[id] = std::move(local);
    local_order_.push_back(id);
    while (local_order_.size() > 4096) {
      local_.erase(local_order_.front());
      local_order_.pop_front();
    }
    return id;
  }

  JobState wait(std::int64_t id, std::chrono::milliseconds timeout) override {
    if (id < 0) {
      std::lock_guard lock(m_);
      auto it = local_.find(id);
      return it == local_.end() ? JobState{} : it->second;
    }
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      JobState s;
      {
        auto b = boards_.get();
        const std::optional<board::SubmissionInfo> info = b->submission(id);
        if (!info) return s;  // unknown
        s.task = info->task;
        s.user = info->user;
        s.result = info->result;
      }
      s.phase = s.result.status == "queued" ? JobState::Phase::pending : JobState::Phase::done;
      if (s.phase == JobState::Phase::done || std::chrono::steady_clock::now() >= until) return s;
      std::unique_lock lock(m_);
      done_cv_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(timing_.poll, until - std::chrono::steady_clock::now()));
    }
  }

  /// Stops claiming and returns once this server's scorers finished what they hold. What is
  /// still queued stays in the database for any other scorer (or this server's next start).
  void drain() override {
    closing_ = true;
    work_cv_.notify_all();
    std::call_once(joined_, [&] {
      for (auto& t : threads_) t.join();
    });
  }

 private:
  static std::string hostname() {
    char name[256] = {};
    return ::gethostname(name, sizeof name - 1) == 0 ? name : "host";
  }

  void score(board::Board& board, const std::string& worker) {
    while (!closing_) {
      std::optional<board::Claim> claim;
      try {
        claim = board.claim(worker, timing_.lease_ms);
        if (claim) board.complete(*claim);  // a lost claim records nothing: another scorer has it
      } catch (const std::exception&) {
        // The submission stays claimed until its lease runs out, then is retried (at most
        // board::kMaxScoringAttempts times); the server goes on.
      }
      if (claim) {
        done_cv_.notify_all();
        continue;
      }
      std::unique_lock lock(m_);
      work_cv_.wait_for(lock, timing_.idle_poll, [&] { return closing_.load(); });
    }
  }

  BoardPool boards_;
  const std::size_t max_pending_;
  const DatabaseQueueTiming timing_;
  std::atomic<bool> closing_{false};
  std::mutex m_;
  std::condition_variable work_cv_, done_cv_;
  std::map<std::int64_t, JobState> local_;
  std::deque<std::int64_t> local_order_;  // oldest first: the kept outcomes are bounded
  std::int64_t last_local_id_ = 0;
  std::once_flag joined_;
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<ScoringQueue> make_database_queue(const std::string& db, board::Clock clock, int scorers,
                                                  std::size_t max_pending, DatabaseQueueTiming timing) {
  return std::make_unique<DatabaseQueue>(db, std::move(clock), scorers, max_pending, timing);
}

}  // namespace deteval::server
