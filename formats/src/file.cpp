#include "deteval/formats/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "deteval/formats/error.hpp"

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

void read_file_into(const std::string& path, char* dst, std::size_t size) {
  std::size_t actual = 0;
  int fd = open_regular(path, ~std::size_t(0), actual);
  if (actual != size) {
    ::close(fd);
    throw IoError::cannot_read(path, "file changed size while reading");
  }
  read_all(fd, path, dst, size);
}

std::string read_file(const std::string& path, std::size_t max_bytes) {
  std::size_t size = 0;
  int fd = open_regular(path, max_bytes, size);
  std::string data(size, '\0');
  read_all(fd, path, data.data(), size);
  return data;
}

void write_file_atomic(const std::string& path, const std::string& content) {
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
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
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

}  // namespace deteval
