// The one error type of deteval: every layer (lib, formats, board) throws deteval::Error
// or one of the named kinds below, so a program needs one catch block:
//
//   try { ... } catch (const deteval::Error& e) { std::cerr << e.what() << "\n"; }
//
// A message says what was wrong and how to fix it, in the library's words: it names
// parameters ("scale", "device"), never a command-line flag. A front end that has flags
// names them itself: the parameter an error is about is kept apart (parameter(),
// message()), and the deteval command prints it as `--scale: ...` (cli/main.cpp, which
// alone maps kinds to exit codes).
//
// Input errors have one shape: `file: location: what was expected, what was found`,
// where location is a JSON path (`[412].bbox`), `line N` or `line N, column M`.
#pragma once

#include <stdexcept>
#include <string>

namespace deteval {

/// What kind of failure an Error is.
enum class ErrorKind {
  input,     ///< an input (a file, or data handed to the library) is invalid
  io,        ///< a file cannot be opened, read or written
  device,    ///< the device asked for is not usable, or failed while computing
  rejected,  ///< refused by a rule (a leaderboard task's rules)
  usage,     ///< a bad argument, option or parameter value
  internal,  ///< a stored state that cannot be (a bug, or a damaged database)
  cancelled, ///< stopped on request before it finished (cancel.hpp: Ctrl-C, a shutdown)
};

/// "input", "io", "device", "rejected", "usage", "internal", "cancelled".
const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  /// what() is `parameter: message`, or `message` when `parameter` is empty.
  Error(ErrorKind kind, std::string message, std::string parameter = {})
      : std::runtime_error(parameter.empty() ? message : parameter + ": " + message),
        kind_(kind),
        parameter_(std::move(parameter)),
        message_(std::move(message)) {}
  /// The argument order of code written before ErrorKind existed (`Error(text, ExitCode::x)`).
  Error(std::string message, ErrorKind kind) : Error(kind, std::move(message)) {}

  ErrorKind kind() const noexcept { return kind_; }
  /// kind() under the name of code written before ErrorKind (formats/error.hpp's
  /// ExitCode names are ErrorKinds); prefer kind().
  [[deprecated("use kind()")]] ErrorKind exit_code() const noexcept { return kind_; }
  /// The parameter the error is about ("device", "public_fraction"), or empty. Words are
  /// separated by '_'; the deteval command names the flag `--public-fraction`.
  const std::string& parameter() const noexcept { return parameter_; }
  /// The message without the parameter.
  const std::string& message() const noexcept { return message_; }

 private:
  ErrorKind kind_;
  std::string parameter_;
  std::string message_;
};

/// Invalid content in an input.
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
  /// Data handed to the library that does not fit together (arrays of different
  /// lengths, an index out of range, masks missing for segm).
  static InputError data(const std::string& message) { return InputError(message); }

 private:
  explicit InputError(std::string m) : Error(ErrorKind::input, std::move(m)) {}
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
  /// Any other failure of a file or database: `file: message`.
  static IoError failed(const std::string& file, const std::string& message) { return IoError(file + ": " + message); }

 private:
  explicit IoError(std::string m) : Error(ErrorKind::io, std::move(m)) {}
};

/// A bad argument, option or parameter value.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(ErrorKind::usage, message) {}
  /// About one parameter: what() is `parameter: message`.
  UsageError(std::string parameter, std::string message)
      : Error(ErrorKind::usage, std::move(message), std::move(parameter)) {}
};

/// The device asked for is not usable, or failed while computing (parameter "device").
class DeviceError : public Error {
 public:
  explicit DeviceError(std::string message) : Error(ErrorKind::device, std::move(message), "device") {}
};

/// Refused by a rule: a submission over a task's limits, a hidden score.
class RejectedError : public Error {
 public:
  explicit RejectedError(std::string message) : Error(ErrorKind::rejected, std::move(message)) {}
};

}  // namespace deteval
