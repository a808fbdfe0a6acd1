// Whole-file reads and atomic writes.
#pragma once

#include <cstddef>
#include <string>

namespace deteval {

/// Reads a whole file; throws IoError (or InputError when larger than `max_bytes`).
std::string read_file(const std::string& path, std::size_t max_bytes = std::size_t(1) << 34);

/// The size of a regular file, checked against `max_bytes` (IoError / InputError).
std::size_t regular_file_size(const std::string& path, std::size_t max_bytes = std::size_t(1) << 34);
/// Reads exactly `size` bytes of `path` into `dst` (IoError if it cannot).
void read_file_into(const std::string& path, char* dst, std::size_t size);

/// Writes `content` to a temporary file beside `path`, flushes it and renames it over
/// `path`, so readers never see a half-written file. Throws IoError.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace deteval
