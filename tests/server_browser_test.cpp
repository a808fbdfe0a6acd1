// The web service's pages in headless Chromium, driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: no port, no npm): a participant registers, signs in with the
// token, uploads a file through the form, sees the score and the leaderboard, and sees the
// located error for a broken file. Screenshots are kept in ${build}/artifacts/. Skipped when
// no Chromium is installed (Debian package `chromium`; DETEVAL_CHROMIUM names another).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <deque>

#include "server_test_util.hpp"

namespace deteval {
namespace {

using nlohmann::json;

std::string find_chromium() {
  if (const char* env = std::getenv("DETEVAL_CHROMIUM"); env && *env) return env;
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

std::string base64_decode(const std::string& in) {
  std::string out;
  int val = 0, bits = -8;
  for (unsigned char c : in) {
    int d = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
          : c == '+' ? 62 : c == '/' ? 63 : -1;
    if (d < 0) continue;
    val = (val << 6) | d;
    if ((bits += 6) >= 0) out += static_cast<char>((val >> bits) & 0xFF), bits -= 8;
  }
  return out;
}

// One page of a headless Chromium, spoken to over the DevTools protocol: JSON messages,
// each ended by a NUL byte, on fds 3 (to the browser) and 4 (from it).
class Chromium {
 public:
  Chromium(const std::string& bin, const std::string& profile) {
    int to[2], from[2];
    if (::pipe(to) != 0 || ::pipe(from) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);  // its own group, so the test can end every helper process
      ::dup2(to[0], 3);
      ::dup2(from[1], 4);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      for (int fd = 5; fd < 1024; ++fd) ::close(fd);
      const std::string dir = "--user-data-dir=" + profile;
      ::execl(bin.c_str(), bin.c_str(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-pipe", "--window-size=412,900",
              dir.c_str(), "about:blank", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(to[0]);
    ::close(from[1]);
    out_ = to[1];
    in_ = from[0];
    const json t = call("Target.createTarget", {{"url", "about:blank"}});
    const json a = call("Target.attachToTarget", {{"targetId", t["targetId"]}, {"flatten", true}});
    session_ = a.value("sessionId", "");
    call("Page.enable", json::object(), true);
    call("Runtime.enable", json::object(), true);
  }
  ~Chromium() {
    if (pid_ <= 0) return;
    // Browser.close lets Chromium end its own helper processes; a kill of its process group
    // is the fallback, so nothing outlives the test.
    if (ok()) call("Browser.close", json::object());
    ::close(out_);
    for (int i = 0; i < 100 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, WNOHANG);
    ::close(in_);
  }
  bool ok() const { return !session_.empty(); }

  /// Sends a command (to the page when `page`) and returns its result; failures are test failures.
  json call(const std::string& method, const json& params, bool page = false) {
    json m = {{"id", ++id_}, {"method", method}, {"params", params}};
    if (page) m["sessionId"] = session_;
    const std::string s = m.dump() + std::string(1, '\0');
    for (std::size_t at = 0; at < s.size();) {
      const ssize_t w = ::write(out_, s.data() + at, s.size() - at);
      if (w <= 0) {
        ADD_FAILURE() << "cannot write to chromium";
        return json();
      }
      at += static_cast<std::size_t>(w);
    }
    for (;;) {
      const json r = next(30000);
      if (r.is_null()) {
        ADD_FAILURE() << method << ": no answer from chromium";
        return json();
      }
      if (r.value("id", -1) == id_) {
        if (r.contains("error")) ADD_FAILURE() << method << ": " << r["error"].dump();
        return r.value("result", json::object());
      }
      events_.push_back(r);
    }
  }
  json page(const std::string& method, const json& params = json::object()) { return call(method, params, true); }

  /// Evaluates `js` in the page and returns its value.
  json eval(const std::string& js) {
    const json r = page("Runtime.evaluate", {{"expression", js}, {"returnByValue", true}, {"awaitPromise", true}});
    if (r.contains("exceptionDetails")) ADD_FAILURE() << js << ": " << r["exceptionDetails"].dump();
    return r.contains("result") ? r["result"].value("value", json()) : json();
  }

  /// Runs `action` (which navigates) and waits for the new page's load event.
  template <class F>
  void navigating(F action) {
    events_.clear();
    action();
    for (;;) {
      for (const json& e : events_)
        if (e.value("method", "") == "Page.loadEventFired") return events_.clear();
      events_.clear();
      const json e = next(30000);
      if (e.is_null()) return ADD_FAILURE() << "the page did not load";
      check_console(e);
      events_.push_back(e);
    }
  }
  void go(const std::string& url) {
    navigating([&] { page("Page.navigate", {{"url", url}}); });
  }
  void set_file(const std::string& selector, const std::string& path) {
    const json doc = page("DOM.getDocument");
    const json node = page("DOM.querySelector", {{"nodeId", doc["root"]["nodeId"]}, {"selector", selector}});
    page("DOM.setFileInputFiles", {{"files", {path}}, {"nodeId", node["nodeId"]}});
  }
  void screenshot(const std::filesystem::path& png) {
    const json r = page("Page.captureScreenshot", {{"format", "png"}, {"captureBeyondViewport", true}});
    test::spit(png, base64_decode(r.value("data", "")));
  }
  std::vector<std::string> console_errors;

 private:
  void check_console(const json& e) {
    const std::string m = e.value("method", "");
    if (m == "Runtime.exceptionThrown") console_errors.push_back(e["params"].dump());
    if (m == "Runtime.consoleAPICalled" && e["params"].value("type", "") == "error")
      console_errors.push_back(e["params"].dump());
  }
  // The next message, or null after `timeout_ms` without one.
  json next(int timeout_ms) {
    for (;;) {
      const auto nul = buf_.find('\0');
      if (nul != std::string::npos) {
        const std::string m = buf_.substr(0, nul);
        buf_.erase(0, nul + 1);
        json j = json::parse(m, nullptr, false);
        check_console(j);
        return j;
      }
      pollfd p{in_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return json();
      char chunk[65536];
      const ssize_t n = ::read(in_, chunk, sizeof chunk);
      if (n <= 0) return json();
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  pid_t pid_ = -1;
  int out_ = -1, in_ = -1, id_ = 0;
  std::string session_, buf_;
  std::deque<json> events_;
};

std::filesystem::path artifacts() {
  const std::filesystem::path dir = DETEVAL_ARTIFACT_DIR;
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(ServerBrowser, RegisterSignInSubmitSeeScoreLeaderboardAndLocatedError) {
  const std::string bin = find_chromium();
  if (bin.empty()) GTEST_SKIP() << "chromium not installed (Debian package: chromium); the pages were not tested";
  test::BoardDir dir;
  const test::Data data = test::make_data(30, 3, 11, 2);
  dir.add_task("hw1", data.gt, "--public-fraction 0.5 --seed 4 --deadline 2099-01-01 --daily-limit 5");
  server::ServerOptions o;
  o.db = dir.db_path().string();
  o.registration_code = "letmein";
  o.workers = 2;
  test::LiveServer live(o);
  const std::string url = "http://127.0.0.1:" + std::to_string(live.port);
  const std::string good = dir.write("preds.json", data.dt);
  json broken = data.dt;
  broken[1]["score"] = "high";
  const std::string bad = dir.write("broken.json", broken);

  test::TempDir profile;
  Chromium c(bin, profile.path().string());
  ASSERT_TRUE(c.ok()) << "chromium did not start over --remote-debugging-pipe";

  // Register through the form: the token is shown once.
  c.go(url + "/register");
  c.navigating([&] {
    c.eval("document.querySelector('[name=user]').value='ada';"
           "document.querySelector('[name=name]').value='Ada Lovelace';"
           "document.querySelector('[name=display_name]').value='ada <the great>';"
           "document.querySelector('[name=code]').value='letmein';"
           "document.querySelector('button[type=submit]').click()");
  });
  c.screenshot(artifacts() / "server_register.png");
  const std::string token = c.eval("document.getElementById('token').textContent");
  ASSERT_EQ(token.rfind("dtv_", 0), 0u) << c.eval("document.body.innerText").dump();

  // Sign in with it.
  c.go(url + "/signin");
  c.navigating([&] {
    c.eval("document.querySelector('[name=token]').value='" + token + "';document.querySelector('button[type=submit]').click()");
  });
  EXPECT_NE(c.eval("document.querySelector('nav').innerText").get<std::string>().find("signed in as ada"), std::string::npos);

  // The task page: rules, countdown, image list, the form.
  c.go(url + "/tasks/hw1");
  EXPECT_NE(c.eval("document.getElementById('countdown').textContent").get<std::string>().find("left"), std::string::npos);
  // (The page's CSP allows no fetch: the link is downloaded as a browser would, outside it.)
  const std::string href = c.eval("document.getElementById('images').getAttribute('href')");
  const auto images = live.client()->Get(href.c_str());
  ASSERT_TRUE(images);
  EXPECT_EQ(images->get_header_value("Content-Disposition"), "attachment; filename=\"images.json\"");
  EXPECT_EQ(json::parse(images->body)["images"].size(), 30u);
  c.set_file("#file", good);
  c.navigating([&] { c.eval("document.getElementById('send').click()"); });
  c.screenshot(artifacts() / "server_scored.png");
  const std::string score = c.eval("document.getElementById('score').textContent");
  const json lb = json::parse(dir.cli("board show --json --db " + dir.db() + " --task hw1").out);
  ASSERT_EQ(lb["entries"].size(), 1u);
  char expect[32];
  std::snprintf(expect, sizeof expect, "%.4f", lb["entries"][0]["score"].get<double>());
  EXPECT_EQ(score, expect);

  // The leaderboard shows the display name (escaped, as text) with that score; my submissions the row.
  c.go(url + "/tasks/hw1");
  const std::string board_text = c.eval("document.getElementById('public-board').innerText");
  EXPECT_NE(board_text.find("ada <the great>"), std::string::npos) << board_text;
  EXPECT_NE(board_text.find(expect), std::string::npos) << board_text;
  EXPECT_NE(c.eval("document.getElementById('my-submissions').innerText").get<std::string>().find("scored"),
            std::string::npos);
  c.screenshot(artifacts() / "server_task.png");

  // A broken file: the located error on the page.
  c.set_file("#file", bad);
  c.navigating([&] { c.eval("document.getElementById('send').click()"); });
  c.screenshot(artifacts() / "server_rejected.png");
  const std::string error = c.eval("document.getElementById('result').textContent");
  EXPECT_NE(error.find("broken.json: [1].score"), std::string::npos) << error;
  EXPECT_TRUE(c.console_errors.empty()) << c.console_errors.front();
}

}  // namespace
}  // namespace deteval
