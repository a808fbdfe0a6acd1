// Whole-file reads and atomic writes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "deteval/cancel.hpp"

namespace deteval {

/// Reads a whole file; throws IoError (or InputError when larger than `max_bytes`).
std::string read_file(const std::string& path, std::size_t max_bytes = std::size_t(1) << 34);

/// The size of a regular file, checked against `max_bytes` (IoError / InputError).
std::size_t regular_file_size(const std::string& path, std::size_t max_bytes = std::size_t(1) << 34);
/// Reads exactly `size` bytes of `path` into `dst` (IoError if it cannot). Throws Cancelled
/// (deteval/cancel.hpp) once `cancel` is set, checked between pieces of a large file.
void read_file_into(const std::string& path, char* dst, std::size_t size, const CancelFlag* cancel = nullptr);

/// Writes `content` to a temporary file beside `path`, flushes it and renames it over
/// `path`, so readers never see a half-written file. Throws IoError. `durable` = false skips
/// the fsync (for files in a directory that is synced and renamed as a whole).
void write_file_atomic(const std::string& path, const std::string& content, bool durable = true);

/// A file of a multi-file output, relative to its output directory.
struct OutputFile {
  std::string path;
  std::string content;
};

/// Creates the directory `dir` holding exactly `files`, all or nothing: the files are
/// written (each with write_file_atomic) into a fresh temporary directory beside `dir`,
/// flushed to disk with one syncfs, and the directory is then renamed to `dir`. `dir` must not exist or be an empty directory (its
/// parents are created). On any error the temporary directory is removed and `dir` is left
/// as it was. Throws IoError; UsageError for a path that is absolute or leaves `dir`.
void write_directory_atomic(const std::string& dir, const std::vector<OutputFile>& files);

/// Throws IoError unless `dir` does not exist or is an empty directory (what
/// write_directory_atomic needs; a command checks it before reading its inputs).
void check_new_directory(const std::string& dir);

}  // namespace deteval
