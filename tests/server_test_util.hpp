// Helpers for the web service's tests: a board made with the CLI, the server in-process
// (on a free loopback port, with the test's clock) or as a `deteval board serve` process.
#pragma once

#include <httplib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "board_test_data.hpp"
#include "deteval/board/time.hpp"
#include "deteval/server/server.hpp"
#include "test_util.hpp"

namespace deteval::test {

/// A board in a temp dir, set up through the CLI (as an organizer would).
struct BoardDir {
  TempDir tmp;
  std::string db() const { return q(tmp / "b.db"); }
  std::filesystem::path db_path() const { return tmp / "b.db"; }
  std::string write(const std::string& name, const nlohmann::json& j) const {
    spit(tmp / name, j.dump());
    return (tmp / name).string();
  }
  BoardDir() { cli("board init --db " + db()); }
  RunResult cli(const std::string& args) const {
    RunResult r = run_cli(args);
    if (r.exit_code != 0) ADD_FAILURE() << "deteval " << args << ": " << r.err;
    return r;
  }
  void add_task(const std::string& name, const nlohmann::json& gt, const std::string& options) const {
    cli("board task add --db " + db() + " --task " + name + " --metric coco-bbox --gt " + q(write(name + "_gt.json", gt)) +
        " " + options);
  }
};

/// The server in this process on a free loopback port.
struct LiveServer {
  std::unique_ptr<server::Server> server;
  std::thread thread;
  int port = 0;
  explicit LiveServer(server::ServerOptions o) {
    o.host = "127.0.0.1";
    o.port = 0;
    server = std::make_unique<server::Server>(std::move(o));
    port = server->bind();
    thread = std::thread([this] { server->run(); });
  }
  ~LiveServer() {
    server->stop();
    thread.join();
  }
  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_read_timeout(60);
    return c;
  }
};

/// `deteval board serve` as a child process on a free port; stop() sends SIGTERM.
struct ServerProcess {
  pid_t pid = -1;
  int port = 0;
  long max_rss_kib = 0;  ///< the child's peak RSS, after stop()
  int exit_status = -1;
  std::string out;

  /// `env`: assignments put before the command (e.g. "TMPDIR=/x").
  explicit ServerProcess(const std::string& args, const std::string& env = "") {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      const std::string cmd = env + (env.empty() ? "" : " ") + "exec '" + DETEVAL_CLI + "' board serve --listen 127.0.0.1:0 " + args;
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    FILE* f = ::fdopen(fds[0], "r");
    char line[512];
    while (std::fgets(line, sizeof line, f)) {  // until "listening on http://127.0.0.1:PORT"
      out += line;
      const std::string s = line;
      const auto at = s.find("listening on http://127.0.0.1:");
      if (at != std::string::npos) {
        port = std::stoi(s.substr(at + 30));
        break;
      }
    }
    reader = std::thread([f, this] {
      char buf[512];
      while (std::fgets(buf, sizeof buf, f)) tail += buf;
      std::fclose(f);
    });
  }
  int stop() {
    if (pid <= 0) return -1;
    ::kill(pid, SIGTERM);
    int status = 0;
    struct rusage ru {};
    ::wait4(pid, &status, 0, &ru);
    max_rss_kib = ru.ru_maxrss;
    pid = -1;
    if (reader.joinable()) reader.join();
    return exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  ~ServerProcess() { stop(); }
  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_read_timeout(60);
    return c;
  }
  std::thread reader;
  std::string tail;
};

inline httplib::Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

}  // namespace deteval::test
