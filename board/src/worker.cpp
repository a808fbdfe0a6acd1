#include "deteval/board/worker.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "deteval/formats/error.hpp"

namespace deteval::board {

namespace {

std::string default_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '?';
  return std::string(host) + ":" + std::to_string(::getpid());
}

void pause_ms(std::int64_t ms, const std::atomic<bool>& stop) {
  for (std::int64_t waited = 0; waited < ms && !stop; waited += 20)
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(20, ms - waited)));
}

}  // namespace

std::int64_t run_worker(const std::string& db, const WorkerOptions& o, const std::atomic<bool>& stop,
                        const std::function<void(const SubmissionResult&)>& on_result, Clock clock) {
  const std::string name = o.name.empty() ? default_name() : o.name;
  std::mutex report;
  std::atomic<std::int64_t> recorded{0};
  auto loop = [&](int index) {
    const std::string me = name + "." + std::to_string(index);
    std::unique_ptr<Board> b;
    while (!stop) {
      try {
        if (!b) b = std::make_unique<Board>(db, clock);
        const auto c = b->claim(me, o.lease_ms);
        if (!c) {
          if (o.exit_when_idle) return;
          pause_ms(o.poll_ms, stop);
          continue;
        }
        if (const auto r = b->complete(*c)) {
          ++recorded;
          std::lock_guard<std::mutex> lock(report);
          on_result(*r);
        }
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::io) throw;  // not the connection: a bug or a broken board
        {
          std::lock_guard<std::mutex> lock(report);
          std::cerr << "deteval board worker " << me << ": " << e.what() << " (retrying)\n";
        }
        b.reset();
        pause_ms(1000, stop);
      }
    }
  };
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(std::max(1, o.threads)));
  for (int i = 0; i < std::max(1, o.threads); ++i)
    threads.emplace_back([&, i] {
      try {
        loop(i);
      } catch (...) {
        errors[static_cast<std::size_t>(i)] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return recorded;
}

}  // namespace deteval::board
