// A regular file read at any offset, by several threads at once: for readers that take a
// large file part by part into reused buffers instead of whole (fresh pages are the
// largest cost of reading a big file on a VM: bench/RESULTS.md).
#pragma once

#include <cstddef>
#include <string>

namespace deteval::detail {

class FileReader {
 public:
  /// Opens `path`: IoError unless it is a readable regular file, InputError when larger
  /// than `max_bytes`.
  explicit FileReader(const std::string& path, std::size_t max_bytes = std::size_t(1) << 34);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  /// Reads exactly `n` bytes at `offset` into `dst`; IoError if the file shrank or failed.
  void read_at(char* dst, std::size_t n, std::size_t offset) const;

 private:
  std::string path_;
  int fd_ = -1;
  std::size_t size_ = 0;
};

}  // namespace deteval::detail
