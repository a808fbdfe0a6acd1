// The server's life cycle (start, serve, graceful stop), its shared helpers (bounded body
// reading, the spool, tokens, rate limits) and the organizer token file.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <nlohmann/json.hpp>
#include <thread>

#include "deteval/board/secret.hpp"
#include "deteval/board/sha256.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "impl.hpp"

namespace deteval::server {

// --- helpers ---------------------------------------------------------------------------------------

BoardPool::Lease BoardPool::get() {
  {
    std::lock_guard lock(m_);
    if (!free_.empty()) {
      auto b = std::move(free_.back());
      free_.pop_back();
      return Lease(*this, std::move(b));
    }
  }
  return Lease(*this, std::make_unique<board::Board>(db_, clock_));
}

void BoardPool::put(std::unique_ptr<board::Board> b) {
  std::lock_guard lock(m_);
  free_.push_back(std::move(b));
}

bool RateLimiter::allow(const std::string& key, std::int64_t now_ms) {
  std::lock_guard lock(m_);
  const std::int64_t window = now_ms / 60000;
  if (window != window_) counts_.clear(), window_ = window;  // old windows' keys go: bounded memory
  return ++counts_[key] <= per_minute_;
}

Spool::Spool(const std::string& dir, std::uint64_t seq) {
  path_ = dir + "/" + std::to_string(seq) + "-" + board::random_hex(8) + ".upload";
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) throw IoError::cannot_write(path_, std::strerror(errno));
}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
  if (!path_.empty()) ::unlink(path_.c_str());
}

bool Spool::write(const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd_, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w, n -= static_cast<std::size_t>(w), size_ += w;
  }
  return true;
}

std::string Spool::release() {
  if (fd_ >= 0) ::close(fd_), fd_ = -1;
  return std::exchange(path_, std::string());
}

std::string error_json(const std::string& message) { return nlohmann::json{{"error", message}}.dump() + "\n"; }

void send(httplib::Response& res, const Answer& a, const char* content_type) {
  res.status = a.status;
  if (a.retry_after_s) res.set_header("Retry-After", std::to_string(*a.retry_after_s));
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(a.body, content_type);
}

std::string bearer_token(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (h.size() <= prefix.size() || h.compare(0, prefix.size(), prefix) != 0) return "";
  return h.substr(prefix.size());
}

void Server::Impl::log(const std::string& line) {
  if (!o.log) return;
  static std::mutex m;
  std::lock_guard lock(m);
  *o.log << line << std::endl;
}

std::optional<std::string> Server::Impl::read_body(const httplib::Request& req, const httplib::ContentReader& reader,
                                                   std::size_t cap, httplib::Response& res) {
  const auto too_large = [&] {
    res.set_header("Connection", "close");
    send(res, {413, error_json("request body too large (at most " + std::to_string(cap) + " bytes)")},
         "application/json");
    return std::nullopt;
  };
  if (req.has_header("Content-Length") && req.get_header_value<std::uint64_t>("Content-Length") > cap)
    return too_large();
  std::string body;
  bool over = false;
  const bool read = reader([&](const char* data, std::size_t n) {
    if (body.size() + n > cap) return !(over = true);
    body.append(data, n);
    return true;
  });
  if (over) return too_large();
  if (!read) {
    res.set_header("Connection", "close");
    send(res, {400, error_json("the request body could not be read")}, "application/json");
    return std::nullopt;
  }
  return body;
}

namespace {

// A participant's file name for messages only: its last path component, printable ASCII.
std::string shown_name(const std::string& filename) {
  const auto slash = filename.find_last_of("/\\");
  const std::string base = slash == std::string::npos ? filename : filename.substr(slash + 1);
  std::string out;
  for (char c : base)
    if (c > 0x20 && c < 0x7f) out += c;
  if (out.empty() || out.size() > 128) return "submission.json";
  return out;
}

// Room for a multipart envelope around the file (boundaries, headers, the CSRF field).
constexpr std::int64_t kEnvelopeBytes = 16 << 10;

}  // namespace

Upload Server::Impl::receive_upload(const httplib::Request& req, const httplib::ContentReader& reader,
                                    std::int64_t cap) {
  Upload up;
  const bool multipart = req.is_multipart_form_data();
  const std::int64_t limit = cap + (multipart ? kEnvelopeBytes : 0);
  if (req.has_header("Content-Length") && req.get_header_value<std::uint64_t>("Content-Length") >
                                              static_cast<std::uint64_t>(limit)) {
    up.status = 413;
    up.error = "file too large (the task accepts at most " + std::to_string(cap) + " bytes)";
    return up;
  }
  up.file = Spool(spool_dir, ++spool_seq);
  bool over = false, failed = false, seen_file = false, read = false;
  std::int64_t total = 0;
  if (multipart) {
    std::string field;
    bool is_file = false;
    read = reader(
        [&](const httplib::MultipartFormData& part) {
          field = part.name;
          is_file = part.name == "file" && !seen_file;
          if (is_file) seen_file = true, up.display_name = shown_name(part.filename);
          return true;
        },
        [&](const char* data, std::size_t n) {
          total += static_cast<std::int64_t>(n);
          if (total > limit) return !(over = true);
          if (is_file) return up.file.write(data, n) || !(failed = true);
          std::string& v = up.fields[field];
          if (v.size() + n > 4096) return !(over = true);
          v.append(data, n);
          return true;
        });
    if (read && !seen_file) {
      up.status = 400;
      up.error = "expected a multipart field named 'file'";
      return up;
    }
  } else {
    read = reader([&](const char* data, std::size_t n) {
      total += static_cast<std::int64_t>(n);
      if (total > limit) return !(over = true);
      return up.file.write(data, n) || !(failed = true);
    });
  }
  if (over || up.file.size() > cap) {
    up.status = 413;
    up.error = "file too large (the task accepts at most " + std::to_string(cap) + " bytes)";
  } else if (failed) {
    throw IoError::cannot_write(spool_dir, std::strerror(errno));
  } else if (!read) {
    up.status = 400;
    up.error = "the request body could not be read";
  }
  return up;
}

std::optional<std::string> Server::Impl::token_user(const std::string& token) {
  if (token.empty() || token.size() > 256) return std::nullopt;
  return boards.get()->token_user(token);
}

bool Server::Impl::is_organizer(const httplib::Request& req) {
  const std::string t = bearer_token(req);
  // Digests of equal length, compared in constant time: neither length nor content leaks.
  return !o.organizer_token.empty() && !t.empty() &&
         board::equal_constant_time(board::sha256_hex(t), board::sha256_hex(o.organizer_token));
}

std::string Server::Impl::csrf_for(const std::string& token) const {
  return board::sha256_hex(csrf_secret + ":" + token).substr(0, 32);
}

// --- life cycle ------------------------------------------------------------------------------------

Server::Impl::Impl(ServerOptions options)
    : o(std::move(options)), boards(o.db, o.clock), register_limit(o.register_per_minute) {
  { auto b = boards.get(); }  // a bad --db fails here, before anything starts
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (o.workers < 1) o.workers = static_cast<int>(cores);
  if (o.http_threads < 1) o.http_threads = static_cast<int>(std::max(16u, 4 * cores));
  max_waiting = std::max(1, o.http_threads / 2);
  queue = o.make_queue ? o.make_queue() : make_thread_pool_queue(o.db, o.clock, o.workers, o.max_pending);
  csrf_secret = board::random_hex(32);
  std::string tmpl = (std::filesystem::temp_directory_path() / "deteval-serve-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw IoError::cannot_write(tmpl, std::strerror(errno));
  spool_dir = tmpl;
  const int threads = o.http_threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  // Bodies are capped before they are read: here for every request but a submission (whose
  // route checks the task's own cap), and again while reading (chunked bodies declare no size).
  http.set_payload_max_length(std::numeric_limits<std::size_t>::max());
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    static const std::regex submission(R"(/api/tasks/[^/]+/submissions|/tasks/[^/]+/submit)");
    const bool chunked = req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
    const std::uint64_t length = req.get_header_value<std::uint64_t>("Content-Length");
    if ((length > o.max_json_bytes || chunked) && !(req.method == "POST" && std::regex_match(req.path, submission))) {
      res.set_header("Connection", "close");
      send(res, {413, error_json("request body too large (at most " + std::to_string(o.max_json_bytes) + " bytes)")},
           "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_read_timeout(30);
  http.set_write_timeout(30);
  http.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      log(std::string("internal error: ") + e.what());
    } catch (...) {
      log("internal error");
    }
    send(res, {500, error_json("internal error (logged on the server)")}, "application/json");
  });
  add_api_routes();
  add_page_routes();
}

Server::Impl::~Impl() {
  std::error_code ec;
  std::filesystem::remove_all(spool_dir, ec);
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() { stop(); }

namespace {

// cpp-httplib 0.11 listens with a backlog of 5: a burst of connections overflows it, and with
// SYN cookies the kernel then resets the overflowing clients. Listening again on the same
// socket (found by its port) only raises the backlog.
void widen_backlog(int port) {
  for (int fd = 3; fd < 4096; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    const int p = addr.ss_family == AF_INET    ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                  : addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                               : -1;
    if (p == port) ::listen(fd, SOMAXCONN);
  }
}

}  // namespace

int Server::bind() {
  int port = impl_->o.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(impl_->o.host);
    if (port <= 0) throw IoError::cannot_write(impl_->o.host, "cannot listen on any port");
  } else if (!impl_->http.bind_to_port(impl_->o.host, port)) {
    throw IoError::cannot_write(impl_->o.host + ":" + std::to_string(port), "cannot listen there");
  }
  widen_backlog(port);
  return port;
}

void Server::run() { impl_->http.listen_after_bind(); }

void Server::stop() {
  std::call_once(impl_->stop_once, [&] {
    impl_->http.stop();     // no new connections; running requests finish
    impl_->queue->drain();  // every accepted scoring completes
  });
}

std::string load_or_create_organizer_token(const std::string& path, bool& created) {
  created = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    std::string t = read_file(path);
    t = t.substr(0, t.find_first_of("\r\n"));
    if (t.size() < 16) throw UsageError(path + ": the organizer token must be at least 16 characters");
    return t;
  }
  const std::string t = "dto_" + board::random_hex(32);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw IoError::cannot_write(path, std::strerror(errno));
  const std::string line = t + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw IoError::cannot_write(path, std::strerror(errno));
  created = true;
  return t;
}

void serve_until_signal(ServerOptions options, std::ostream& out) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread started below inherits it
  ::signal(SIGPIPE, SIG_IGN);                   // a client gone mid-answer is not fatal
  const std::string host = options.host;
  Server server(std::move(options));
  const int port = server.bind();
  out << "listening on http://" << host << ":" << port << std::endl;
  std::thread serving([&] { server.run(); });
  int sig = 0;
  ::sigwait(&set, &sig);
  out << "stopping: finishing running requests and scorings" << std::endl;
  server.stop();
  serving.join();
  out << "stopped" << std::endl;
}

}  // namespace deteval::server
