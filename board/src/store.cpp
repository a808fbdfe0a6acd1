#include "store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "deteval/board/sha256.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "db.hpp"

namespace deteval::board::store {

namespace {

void ensure_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw IoError::cannot_write(path, std::strerror(errno));
}

void fsync_dir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw IoError::cannot_write(path, std::strerror(errno));
  const int rc = ::fsync(fd);
  const int e = errno;
  ::close(fd);
  if (rc != 0) throw IoError::cannot_write(path, std::strerror(e));
}

std::string parent(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

void init(const std::string& dir) {
  ensure_dir(dir);
  fsync_dir(parent(dir));
}

std::string blob_path(const std::string& dir, const std::string& sha256) {
  return dir + "/" + sha256.substr(0, 2) + "/" + sha256;
}

void put(const std::string& dir, const std::string& sha256, std::string_view content) {
  ensure_dir(dir);
  const std::string sub = dir + "/" + sha256.substr(0, 2);
  ensure_dir(sub);
  const std::string final_path = blob_path(dir, sha256);
  struct stat st {};
  if (::stat(final_path.c_str(), &st) == 0 && static_cast<std::size_t>(st.st_size) == content.size()) return;

  static std::atomic<unsigned> counter{0};
  const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
  const std::string tmp = sub + "/.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                          std::to_string(static_cast<unsigned long long>(tick));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError::cannot_write(tmp, std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw IoError::cannot_write(tmp, std::strerror(e));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw IoError::cannot_write(tmp, std::strerror(e));
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw IoError::cannot_write(final_path, std::strerror(e));
  }
  fsync_dir(sub);
  fsync_dir(dir);
  fsync_dir(parent(dir));
}

std::string get(const std::string& dir, const std::string& sha256) {
  const std::string path = blob_path(dir, sha256);
  std::string content = read_file(path);
  if (sha256_hex(content) != sha256)
    throw IoError::cannot_read(path, "stored file does not match its SHA-256 (altered or damaged)");
  return content;
}

}  // namespace deteval::board::store

namespace deteval::board::store {

namespace {

class Folder final : public Files {
 public:
  explicit Folder(std::string dir) : dir_(std::move(dir)) {}
  void put(const std::string& sha256, std::string_view content) override { store::put(dir_, sha256, content); }
  std::string get(const std::string& sha256) override { return store::get(dir_, sha256); }
  std::string dir() const override { return dir_; }

 private:
  std::string dir_;
};

class Table final : public Files {
 public:
  explicit Table(sql::Db& db) : db_(db) {}
  void put(const std::string& sha256, std::string_view content) override {
    sql::Stmt s(db_, "INSERT INTO files(sha256, size, content) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING");
    s.bind(1, sha256).bind(2, static_cast<std::int64_t>(content.size())).bind_blob(3, content).run();
  }
  std::string get(const std::string& sha256) override {
    sql::Stmt s(db_, "SELECT content FROM files WHERE sha256 = ?");
    s.bind(1, sha256);
    const std::string where = db_.path() + ": files table: " + sha256;
    if (!s.step()) throw IoError::cannot_read(where, "no such stored file");
    std::string content = s.blob(0);
    if (sha256_hex(content) != sha256)
      throw IoError::cannot_read(where, "stored file does not match its SHA-256 (altered or damaged)");
    return content;
  }
  std::string dir() const override { return ""; }

 private:
  sql::Db& db_;
};

}  // namespace

std::unique_ptr<Files> folder(const std::string& dir) { return std::make_unique<Folder>(dir); }
std::unique_ptr<Files> table(sql::Db& db) { return std::make_unique<Table>(db); }

}  // namespace deteval::board::store
