#include "deteval/formats/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "deteval/formats/error.hpp"
#include "file_reader.hpp"

namespace deteval {

namespace {

int open_regular(const std::string& path, std::size_t max_bytes, std::size_t& size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError::cannot_read(path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw IoError::cannot_read(path, "not a regular file");
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    throw InputError::whole(path, "file too large (" + std::to_string(st.st_size) + " bytes, limit " +
                                      std::to_string(max_bytes) + ")");
  }
  size = static_cast<std::size_t>(st.st_size);
  return fd;
}

void read_all(int fd, const std::string& path, char* dst, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, dst + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      throw IoError::cannot_read(path, n == 0 ? "file shrank while reading" : std::strerror(e));
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

}  // namespace

std::size_t regular_file_size(const std::string& path, std::size_t max_bytes) {
  std::size_t size = 0;
  ::close(open_regular(path, max_bytes, size));
  return size;
}

// A large file is read in pieces on every core: most of a read's cost is the kernel
// clearing and filling fresh pages, which parallelises.
void read_file_into(const std::string& path, char* dst, std::size_t size, const CancelFlag* cancel) {
  std::size_t actual = 0;
  int fd = open_regular(path, ~std::size_t(0), actual);
  if (actual != size) {
    ::close(fd);
    throw IoError::cannot_read(path, "file changed size while reading");
  }
  constexpr std::size_t kPiece = std::size_t{8} << 20;
  if (size < 2 * kPiece) return read_all(fd, path, dst, size);
  std::atomic<int> error{0};  // errno, or -1: the file shrank, or -2: cancelled
  tbb::parallel_for(std::size_t{0}, (size + kPiece - 1) / kPiece, [&](std::size_t piece) {
    if (is_cancelled(cancel)) {
      error = -2;
      return;
    }
    std::size_t at = piece * kPiece;
    const std::size_t end = std::min(size, at + kPiece);
    while (at < end && error == 0) {
      const ssize_t n = ::pread(fd, dst + at, end - at, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = n == 0 ? -1 : errno;
        return;
      }
      at += static_cast<std::size_t>(n);
    }
  });
  ::close(fd);
  if (error == -2) throw Cancelled();
  if (const int e = error.load())
    throw IoError::cannot_read(path, e == -1 ? "file shrank while reading" : std::strerror(e));
}

namespace detail {

FileReader::FileReader(const std::string& path, std::size_t max_bytes) : path_(path) {
  fd_ = open_regular(path, max_bytes, size_);
}

FileReader::~FileReader() { ::close(fd_); }

void FileReader::read_at(char* dst, std::size_t n, std::size_t offset) const {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t k = ::pread(fd_, dst + got, n - got, static_cast<off_t>(offset + got));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) throw IoError::cannot_read(path_, k == 0 ? "file shrank while reading" : std::strerror(errno));
    got += static_cast<std::size_t>(k);
  }
}

}  // namespace detail

std::string read_file(const std::string& path, std::size_t max_bytes) {
  std::size_t size = 0;
  int fd = open_regular(path, max_bytes, size);
  std::string data(size, '\0');
  read_all(fd, path, data.data(), size);
  return data;
}

void write_file_atomic(const std::string& path, const std::string& content, bool durable) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError::cannot_write(path, std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw IoError::cannot_write(path, std::strerror(e));
    }
    done += static_cast<std::size_t>(n);
  }
  if ((durable && ::fsync(fd) != 0) || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw IoError::cannot_write(path, std::strerror(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw IoError::cannot_write(path, std::strerror(e));
  }
}

void check_new_directory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) throw IoError::cannot_write(dir, ec.message());
  if (!fs::exists(st)) return;
  if (!fs::is_directory(st)) throw IoError::cannot_write(dir, "exists and is not a directory");
  if (!fs::is_empty(dir, ec) || ec)
    throw IoError::cannot_write(dir, ec ? ec.message() : "exists and is not empty (a new directory is written)");
}

void write_directory_atomic(const std::string& dir, const std::vector<OutputFile>& files) {
  namespace fs = std::filesystem;
  for (const OutputFile& f : files) {
    const fs::path rel(f.path);
    bool bad = rel.empty() || rel.is_absolute();
    for (const auto& part : rel) bad = bad || part == ".." || part == ".";
    if (bad) throw UsageError("output file path outside its directory: " + f.path);
  }
  check_new_directory(dir);
  fs::path target = fs::path(dir).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();  // "out/" -> "out"
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw IoError::cannot_write(dir, ec.message());
  std::string name = ".";  // appended piecewise: gcc 12 warns (-Wrestrict) on "." + string
  name.append(target.filename().string()).append(".tmp.XXXXXX");
  std::string tmpl = (parent / name).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw IoError::cannot_write(dir, std::strerror(errno));
  const fs::path tmp(tmpl);
  try {
    for (const OutputFile& f : files) {
      const fs::path p = tmp / f.path;
      fs::create_directories(p.parent_path(), ec);
      if (ec) throw IoError::cannot_write((target / f.path).string(), ec.message());
      write_file_atomic(p.string(), f.content, /*durable=*/false);
    }
    // One flush for all the files (an fsync each costs milliseconds per file).
    if (const int dfd = ::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
      const int rc = ::syncfs(dfd);
      const int e = errno;
      ::close(dfd);
      if (rc != 0) throw IoError::cannot_write(dir, std::strerror(e));
    }
    const mode_t mask = ::umask(0);  // mkdtemp makes it 0700; give it a new directory's mode
    ::umask(mask);
    ::chmod(tmp.c_str(), 0777 & ~mask);
    // rename(2) replaces an empty directory; a directory that filled up meanwhile fails.
    if (::rename(tmp.c_str(), target.c_str()) != 0) throw IoError::cannot_write(dir, std::strerror(errno));
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace deteval
