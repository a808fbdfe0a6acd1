#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace deteval::cli {

Progress::Progress(std::vector<std::string> stages, bool quiet) : stages_(std::move(stages)) {
  enabled_ = !quiet && ::isatty(STDERR_FILENO) && !stages_.empty();
  if (enabled_) thread_ = std::thread([this] { run(); });
}

Progress::~Progress() { finish(); }

void Progress::finish() {
  if (!enabled_ || !thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (drawn_) std::fprintf(stderr, "\r\033[K");  // leave the terminal as it was
}

void Progress::stage(const std::string& name) {
  auto it = std::find(stages_.begin(), stages_.end(), name);
  if (it != stages_.end()) current_ = static_cast<std::size_t>(it - stages_.begin());
}

void Progress::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; })) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (secs < 1.0) continue;
    const std::size_t i = current_, n = stages_.size();
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(kWidth * i / n);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r\033[K[%s] %s (%zu/%zu) %.1fs", bar.c_str(), stages_[i].c_str(), i + 1, n, secs);
    std::fflush(stderr);
    drawn_ = true;
  }
}

}  // namespace deteval::cli
