// A progress line on stderr for long runs: shown only when stderr is a terminal,
// only after the first second, and never with --quiet.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace deteval::cli {

class Progress {
 public:
  /// `stages` are the names shown, in the order they will be entered.
  Progress(std::vector<std::string> stages, bool quiet);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Enters the stage with this name (unknown names keep the current stage).
  void stage(const std::string& name);
  /// Stops and erases the line (before printing results); the destructor does it too.
  void finish();

 private:
  void run();

  std::vector<std::string> stages_;
  std::atomic<std::size_t> current_{0};
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  bool enabled_ = false, drawn_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace deteval::cli
