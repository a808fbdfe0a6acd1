// The in-process ScoringQueue: worker threads, each with its own Board (SQLite connection),
// so scorings run in parallel exactly as concurrent `deteval board submit` processes do.
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "deteval/server/scoring_queue.hpp"

namespace deteval::server {

namespace {

class ThreadPoolQueue final : public ScoringQueue {
 public:
  ThreadPoolQueue(std::string db, board::Clock clock, int workers, std::size_t max_pending, std::size_t kept)
      : db_(std::move(db)), clock_(std::move(clock)), max_pending_(max_pending), kept_(kept) {
    if (workers < 1) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Open every connection before serving, so a bad board fails the start, not a job.
    std::vector<std::unique_ptr<board::Board>> boards;
    for (int i = 0; i < workers; ++i) boards.push_back(std::make_unique<board::Board>(db_, clock_));
    for (auto& b : boards) threads_.emplace_back([this, b = std::move(b)]() mutable { work(*b); });
  }

  ~ThreadPoolQueue() override { drain(); }

  std::optional<std::int64_t> enqueue(ScoringJob job) override {
    std::lock_guard lock(m_);
    if (closing_ || in_flight_ >= max_pending_) return std::nullopt;
    const std::int64_t id = ++last_id_;
    JobState& s = states_[id];
    s.phase = JobState::Phase::pending;
    s.task = job.task;
    s.user = job.user;
    queue_.push_back({id, std::move(job)});
    ++in_flight_;
    work_cv_.notify_one();
    return id;
  }

  JobState wait(std::int64_t id, std::chrono::milliseconds timeout) override {
    std::unique_lock lock(m_);
    const auto done = [&] {
      auto it = states_.find(id);
      return it == states_.end() || it->second.phase == JobState::Phase::done;
    };
    done_cv_.wait_for(lock, timeout, done);
    auto it = states_.find(id);
    return it == states_.end() ? JobState{} : it->second;
  }

  void drain() override {
    {
      std::lock_guard lock(m_);
      closing_ = true;
    }
    work_cv_.notify_all();
    std::call_once(joined_, [&] {
      for (auto& t : threads_) t.join();
    });
  }

 private:
  struct Item {
    std::int64_t id;
    ScoringJob job;
  };

  void work(board::Board& board) {
    for (;;) {
      Item item;
      {
        std::unique_lock lock(m_);
        work_cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closing, and nothing left: accepted jobs all run first
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      board::SubmissionResult result;
      std::string failure;
      try {
        result = board.submit(
            board::SubmissionRequest{item.job.task, item.job.user, item.job.file, item.job.display_name, item.job.request_id});
      } catch (const std::exception& e) {
        failure = e.what();
      }
      ::unlink(item.job.file.c_str());
      std::lock_guard lock(m_);
      JobState& s = states_[item.id];
      s.phase = JobState::Phase::done;
      s.result = std::move(result);
      s.failure = std::move(failure);
      --in_flight_;
      finished_.push_back(item.id);
      while (finished_.size() > kept_) {  // bounded memory: the oldest outcomes go
        states_.erase(finished_.front());
        finished_.pop_front();
      }
      done_cv_.notify_all();
    }
  }

  const std::string db_;
  const board::Clock clock_;
  const std::size_t max_pending_, kept_;
  std::mutex m_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<Item> queue_;
  std::map<std::int64_t, JobState> states_;
  std::deque<std::int64_t> finished_;
  std::size_t in_flight_ = 0;
  std::int64_t last_id_ = 0;
  bool closing_ = false;
  std::once_flag joined_;
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<ScoringQueue> make_thread_pool_queue(const std::string& db, board::Clock clock, int workers,
                                                     std::size_t max_pending, std::size_t kept_results) {
  return std::make_unique<ThreadPoolQueue>(db, std::move(clock), workers, max_pending, kept_results);
}

}  // namespace deteval::server
