// Load on `deteval board serve` (a child process): 50 clients submit 4 files each, all at
// once, to a task with a daily limit of 3. None lost, none counted twice, the limit exact
// for everyone, every spooled upload removed, and the server's peak memory bounded.
#include <gtest/gtest.h>

#include <barrier>
#include <map>
#include <mutex>
#include <set>

#include "server_test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;
using test::bearer;

TEST(ServerLoad, FiftyClientsFourSubmissionsEachAtOnce) {
  constexpr int kClients = 50, kEach = 4, kLimit = 3;
  test::BoardDir dir;
  const test::Data data = test::make_data(20, 3, 5, 2);
  dir.add_task("hw1", data.gt, "--public-fraction 0.5 --seed 1 --daily-limit " + std::to_string(kLimit));
  const std::filesystem::path spool = dir.tmp / "spool";
  std::filesystem::create_directories(spool);
  // The server's spool lives under TMPDIR: pointed into the test's folder to check it empties.
  test::ServerProcess p("--db " + dir.db() + " --workers 2 --http-threads 16 --submit-wait 0.5 --registration-code c " +
                        "--register-per-minute 1000",
                        "TMPDIR=" + test::q(spool));
  ASSERT_GT(p.port, 0) << p.out;

  std::vector<std::string> tokens(kClients);
  for (int u = 0; u < kClients; ++u) {
    auto r = p.client()->Post("/api/register",
                              json{{"user", "u" + std::to_string(u)}, {"name", "User " + std::to_string(u)}, {"code", "c"}}.dump(),
                              "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    tokens[u] = json::parse(r->body)["token"];
  }
  const std::string body = data.dt.dump();

  // Every submission of every client at once; a 202 is polled to its end.
  std::mutex m;
  std::map<int, std::vector<int>> statuses;  // user -> final HTTP statuses
  std::vector<std::int64_t> ids;
  std::set<double> scores;
  std::barrier start(kClients * kEach);
  std::vector<std::thread> threads;
  for (int u = 0; u < kClients; ++u)
    for (int k = 0; k < kEach; ++k)
      threads.emplace_back([&, u] {
        auto c = p.client();
        start.arrive_and_wait();
        auto r = c->Post("/api/tasks/hw1/submissions", bearer(tokens[u]), body, "application/json");
        int polls = 0;
        while (r && r->status == 202 && polls++ < 6000) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          r = c->Get(json::parse(r->body)["poll"].get<std::string>().c_str(), bearer(tokens[u]));
        }
        std::lock_guard lock(m);
        statuses[u].push_back(r ? r->status : -1);
        if (r && (r->status == 200 || r->status == 429)) {
          const json j = json::parse(r->body);
          ids.push_back(j["submission_id"].get<std::int64_t>());
          if (r->status == 200) scores.insert(j["public_score"].get<double>());
        }
      });
  for (auto& t : threads) t.join();

  // Pages answer while nothing is pending, then the server stops cleanly.
  EXPECT_EQ(p.client()->Get("/tasks/hw1")->status, 200);
  ASSERT_EQ(p.stop(), 0) << p.tail;

  for (int u = 0; u < kClients; ++u) {
    auto s = statuses[u];
    std::sort(s.begin(), s.end());
    EXPECT_EQ(s, (std::vector<int>{200, 200, 200, 429})) << "user u" << u;  // the limit, exactly
  }
  EXPECT_EQ(ids.size(), std::size_t(kClients * kEach));
  EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), ids.size()) << "a submission id answered twice";
  EXPECT_EQ(scores.size(), 1u);  // the same file scores the same for everyone

  // The board: one row per request, none lost or doubled; kLimit scored per user.
  const json lb = json::parse(dir.cli("board show --json --db " + dir.db() + " --task hw1").out);
  ASSERT_EQ(lb["entries"].size(), std::size_t(kClients));
  for (const json& e : lb["entries"]) EXPECT_EQ(e["submissions"], kLimit) << e.dump();
  for (int u : {0, kClients - 1}) {
    const json h = json::parse(
        dir.cli("board history --json --db " + dir.db() + " --task hw1 --user u" + std::to_string(u)).out);
    EXPECT_EQ(h["submissions"].size(), std::size_t(kEach));
  }
  // Uploads are spooled to disk, not held in memory, and removed once scored.
  EXPECT_TRUE(std::filesystem::is_empty(spool));
  // Bounded: 200 uploads of ~30 KB and 200 connections fit in well under this.
  EXPECT_LT(p.max_rss_kib, 128 * 1024) << "peak RSS " << p.max_rss_kib << " KiB";
  std::cout << "server peak RSS: " << p.max_rss_kib << " KiB\n";
}

}  // namespace
}  // namespace deteval
