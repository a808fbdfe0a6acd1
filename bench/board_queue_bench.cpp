// The board's work queue: submissions scored per second with 1, 2 and 4 workers, and the
// latency of a claim while several claimers compete.
//
//   board_queue_bench DB [SUBMISSIONS=200] [IMAGES=200] [FILES]
//
// DB: an empty board location (an SQLite path that does not exist yet, or a PostgreSQL
// URI of an empty database, e.g. from tests/pg_server.sh). The task's ground truth is
// synthetic (IMAGES images, 5 objects each, 3 categories); every submission is a file of
// 5 jittered boxes per object plus false positives, scored on both parts of the split.
// FILES: `init --files` ("table", or a folder; default: the backend's default).
// Workers are threads of this process, each with its own connection, as `board worker
// --threads N` runs them.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "deteval/board/board.hpp"
#include "deteval/board/worker.hpp"

using namespace deteval::board;
using nlohmann::json;
using Clock_ = std::chrono::steady_clock;

namespace {

double seconds_since(Clock_::time_point t) { return std::chrono::duration<double>(Clock_::now() - t).count(); }

void write_data(const std::string& gt_path, const std::string& dt_path, int images, unsigned seed) {
  std::mt19937 rng(seed);
  auto uni = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  json gt = {{"images", json::array()}, {"annotations", json::array()},
             {"categories", {{{"id", 1}, {"name", "a"}}, {{"id", 2}, {"name", "b"}}, {{"id", 3}, {"name", "c"}}}}};
  json dt = json::array();
  int ann = 0;
  for (int i = 1; i <= images; ++i) {
    gt["images"].push_back({{"id", i}, {"file_name", std::to_string(i) + ".jpg"}, {"width", 640}, {"height", 480}});
    for (int k = 0; k < 5; ++k) {
      const double x = uni(0, 500), y = uni(0, 380), w = uni(10, 120), h = uni(10, 90);
      const int c = 1 + static_cast<int>(rng() % 3);
      gt["annotations"].push_back({{"id", ++ann}, {"image_id", i}, {"category_id", c}, {"bbox", {x, y, w, h}},
                                   {"area", w * h}, {"iscrowd", 0}});
      for (int r = 0; r < 5; ++r)
        dt.push_back({{"image_id", i}, {"category_id", c}, {"bbox", {x + uni(-8, 8), y + uni(-8, 8), w, h}},
                      {"score", uni(0, 1)}});
    }
  }
  std::ofstream(gt_path) << gt.dump();
  std::ofstream(dt_path) << dt.dump();
}

struct Percentiles {
  double p50 = 0, p95 = 0, max = 0;
};

Percentiles percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return {};
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))]; };
  return {at(0.5), at(0.95), v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: board_queue_bench DB [SUBMISSIONS=200] [IMAGES=200] [FILES]\n");
    return 2;
  }
  const std::string db = argv[1];
  const int n = argc > 2 ? std::atoi(argv[2]) : 200;
  const int images = argc > 3 ? std::atoi(argv[3]) : 200;
  const std::string gt = "/tmp/board_queue_bench_gt.json", dt = "/tmp/board_queue_bench_dt.json";
  write_data(gt, dt, images, 1);

  Board::init(db, argc > 4 ? argv[4] : "");
  Board b(db);
  TaskRules rules;
  rules.name = "bench";
  rules.seed = 1;
  b.add_task(rules, gt);
  for (int u = 0; u < 40; ++u) b.register_user({"u" + std::to_string(u), "User " + std::to_string(u), std::nullopt}, false);
  std::printf("board %s (files: %s): %d images, %d submissions per run\n", db.c_str(),
              b.store_dir().empty() ? "table" : b.store_dir().c_str(), images, n);

  // Throughput: fill the queue, then k workers drain it.
  for (int k : {1, 2, 4}) {
    const auto t0 = Clock_::now();
    for (int i = 0; i < n; ++i) b.enqueue({"bench", "u" + std::to_string(i % 40), dt, "dt.json", ""});
    const double enqueue_s = seconds_since(t0);
    WorkerOptions w;
    w.threads = k;
    w.exit_when_idle = true;
    std::atomic<bool> stop{false};
    std::atomic<int> scored{0};
    const auto t1 = Clock_::now();
    run_worker(db, w, stop, [&](const SubmissionResult& r) { scored += r.status == "scored"; });
    const double work_s = seconds_since(t1);
    std::printf("workers %d: %d scored in %.2f s = %.1f submissions/s (enqueue: %.2f ms each)\n", k, scored.load(),
                work_s, n / work_s, 1000 * enqueue_s / n);
  }

  // Claim latency: k claimers take n queued submissions as fast as they can (no scoring).
  for (int k : {1, 4, 8}) {
    for (int i = 0; i < n; ++i) b.enqueue({"bench", "u" + std::to_string(i % 40), dt, "dt.json", ""});
    std::vector<std::vector<double>> lat(static_cast<std::size_t>(k));
    std::vector<std::vector<Claim>> held(static_cast<std::size_t>(k));
    std::vector<std::thread> ts;
    for (int t = 0; t < k; ++t)
      ts.emplace_back([&, t] {
        Board mine(db);
        for (;;) {
          const auto s = Clock_::now();
          auto c = mine.claim("bench" + std::to_string(t), 3600000);
          if (!c) break;
          lat[static_cast<std::size_t>(t)].push_back(1000 * seconds_since(s));
          held[static_cast<std::size_t>(t)].push_back(*c);
        }
      });
    for (auto& t : ts) t.join();
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    const Percentiles p = percentiles(all);
    std::printf("claimers %d: %zu claims, latency p50 %.2f ms, p95 %.2f ms, max %.2f ms\n", k, all.size(), p.p50,
                p.p95, p.max);
    for (auto& v : held)  // complete them so the next round starts from an empty queue
      for (const Claim& c : v) b.complete(c);
  }
  return 0;
}
