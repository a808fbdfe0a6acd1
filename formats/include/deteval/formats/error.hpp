// Errors at the format boundary. Every message has one shape:
//   `file: location: what was expected, what was found`
// where location is a JSON path (`[412].bbox`), `line N` or `line N, column M`.
// Each error carries the process exit code that `main` maps it to.
#pragma once

#include <stdexcept>
#include <string>

namespace deteval {

/// Exit codes of the deteval command.
enum class ExitCode : int {
  ok = 0,
  failure = 1,  ///< internal error
  usage = 2,    ///< bad command line
  input = 3,    ///< an input file is invalid
  io = 4,       ///< a file cannot be read or written
  device = 5,   ///< the requested device is not usable
  rejected = 6  ///< a leaderboard submission was refused by the task's rules
};

class Error : public std::runtime_error {
 public:
  Error(std::string message, ExitCode code) : std::runtime_error(std::move(message)), code_(code) {}
  ExitCode exit_code() const { return code_; }

 private:
  ExitCode code_;
};

/// Invalid content in an input file.
class InputError : public Error {
 public:
  /// `file: location: message`
  static InputError at(const std::string& file, const std::string& location, const std::string& message) {
    return InputError(file + ": " + location + ": " + message);
  }
  /// `file: location: expected X, got Y`
  static InputError expected(const std::string& file, const std::string& location, const std::string& what,
                             const std::string& found) {
    return at(file, location, "expected " + what + ", got " + found);
  }
  /// A problem with the file as a whole: `file: message`
  static InputError whole(const std::string& file, const std::string& message) {
    return InputError(file + ": " + message);
  }

 private:
  explicit InputError(std::string m) : Error(std::move(m), ExitCode::input) {}
};

/// A file that cannot be opened, read or written.
class IoError : public Error {
 public:
  static IoError cannot_read(const std::string& file, const std::string& reason) {
    return IoError(file + ": cannot read: " + reason);
  }
  static IoError cannot_write(const std::string& file, const std::string& reason) {
    return IoError(file + ": cannot write: " + reason);
  }

 private:
  explicit IoError(std::string m) : Error(std::move(m), ExitCode::io) {}
};

/// A bad command line or option value.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, ExitCode::usage) {}
};

}  // namespace deteval
