// `deteval board serve` under load: submissions per second, and the latency of pages
// while scorings run. Starts the server (a child process) on a fresh board in a temp dir.
//
//   server_bench DETEVAL_BINARY [clients=20] [submissions=200] [images=500] [workers=2]
//
// Each client submits its share back to back (a 202 is polled to its end); one more
// client loads the task page and the leaderboard JSON in turn the whole time. Reported:
// submissions/s, page latency p50/p99/max idle and under scoring, and the server's CPU
// time, peak RSS and minor faults (wait4 after SIGTERM).
#include <httplib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "board_test_data.hpp"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Stats {
  double p50 = 0, p99 = 0, max = 0;
  std::size_t n = 0;
};
Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = v.size();
  s.p50 = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, static_cast<std::size_t>(v.size() * 0.99))];
  s.max = v.back();
  return s;
}

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: server_bench DETEVAL_BINARY [clients=20] [submissions=200] [images=500] [workers=2]\n";
    return 2;
  }
  const std::string bin = argv[1];
  const int clients = argc > 2 ? std::atoi(argv[2]) : 20;
  const int total = argc > 3 ? std::atoi(argv[3]) : 200;
  const int images = argc > 4 ? std::atoi(argv[4]) : 500;
  const int workers = argc > 5 ? std::atoi(argv[5]) : 2;

  std::string tmpl = (std::filesystem::temp_directory_path() / "server-bench-XXXXXX").string();
  const std::filesystem::path dir = ::mkdtemp(tmpl.data());
  const deteval::test::Data data = deteval::test::make_data(images, 7, 42, 3);
  std::ofstream(dir / "gt.json") << data.gt.dump();
  const std::string body = data.dt.dump();
  const std::string db = (dir / "b.db").string();
  if (sh("'" + bin + "' board init --db '" + db + "' >/dev/null") ||
      sh("'" + bin + "' board task add --db '" + db + "' --task t --metric coco-bbox --public-fraction 0.5 --gt '" +
         (dir / "gt.json").string() + "' >/dev/null"))
    return 1;

  int fds[2];
  if (::pipe(fds) != 0) return 1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    const std::string w = std::to_string(workers);
    ::execl(bin.c_str(), bin.c_str(), "board", "serve", "--db", db.c_str(), "--listen", "127.0.0.1:0", "--workers",
            w.c_str(), "--registration-code", "b", "--register-per-minute", "100000", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  FILE* out = ::fdopen(fds[0], "r");
  char line[256];
  int port = 0;
  while (!port && std::fgets(line, sizeof line, out)) {
    const std::string s = line;
    const auto at = s.find("127.0.0.1:");
    if (at != std::string::npos) port = std::atoi(s.c_str() + at + 10);
  }
  std::thread([out] {
    char b[256];
    while (std::fgets(b, sizeof b, out)) {
    }
  }).detach();

  std::vector<std::string> tokens;
  for (int u = 0; u < clients; ++u) {
    httplib::Client c("127.0.0.1", port);
    std::string user = "u";
    user += std::to_string(u);
    auto r = c.Post("/api/register", json{{"user", user}, {"name", "U"}, {"code", "b"}}.dump(), "application/json");
    if (!r || r->status != 201) return std::cerr << "register failed\n", 1;
    tokens.push_back(json::parse(r->body)["token"]);
  }

  // Pages: the task page and the leaderboard JSON, in turn, until told to stop.
  const auto load_pages = [&](std::atomic<bool>& stop, std::vector<double>& lat, int at_most) {
    httplib::Client c("127.0.0.1", port);
    for (int i = 0; !stop && i < at_most; ++i) {
      const auto t = Clock::now();
      auto r = c.Get(i % 2 ? "/api/tasks/t/leaderboard" : "/tasks/t");
      if (!r || r->status != 200) std::cerr << "page failed\n";
      lat.push_back(ms_since(t));
    }
  };
  std::vector<double> idle_lat, busy_lat, submit_lat;
  std::atomic<bool> never{false}, done{false};
  load_pages(never, idle_lat, 400);

  std::mutex m;
  std::atomic<int> next{0}, failed{0};
  const auto t0 = Clock::now();
  std::thread pages([&] { load_pages(done, busy_lat, 1 << 30); });
  std::vector<std::thread> threads;
  for (int u = 0; u < clients; ++u)
    threads.emplace_back([&, u] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(600);
      const httplib::Headers auth = {{"Authorization", "Bearer " + tokens[u]}};
      while (next++ < total) {
        const auto t = Clock::now();
        auto r = c.Post("/api/tasks/t/submissions", auth, body, "application/json");
        while (r && r->status == 202) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          r = c.Get(json::parse(r->body)["poll"].get<std::string>().c_str(), auth);
        }
        if (!r || r->status != 200) ++failed;
        std::lock_guard lock(m);
        submit_lat.push_back(ms_since(t));
      }
    });
  for (auto& t : threads) t.join();
  const double wall_s = ms_since(t0) / 1000;
  done = true;
  pages.join();

  ::kill(pid, SIGTERM);
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  std::filesystem::remove_all(dir);

  const Stats idle = stats(idle_lat), busy = stats(busy_lat), sub = stats(submit_lat);
  std::printf("cpu: %s, %u threads; server: %d workers\n", cpu_model().c_str(), std::thread::hardware_concurrency(),
              workers);
  std::printf("file: %d images, %zu detections, %zu bytes; %d clients, %d submissions (%d failed)\n", images,
              data.dt.size(), body.size(), clients, total, failed.load());
  std::printf("submissions/s: %.2f (wall %.2f s); submission latency p50 %.0f ms, p99 %.0f ms\n", total / wall_s,
              wall_s, sub.p50, sub.p99);
  std::printf("pages idle:    n %zu, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", idle.n, idle.p50, idle.p99, idle.max);
  std::printf("pages scoring: n %zu, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", busy.n, busy.p50, busy.p99, busy.max);
  std::printf("server: user %.2f s, sys %.2f s, peak RSS %ld MiB, minor faults %ld, exit %d\n",
              ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
              ru.ru_maxrss / 1024, ru.ru_minflt, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return failed ? 1 : 0;
}
