// The error model moved to lib: deteval/error.hpp (deteval::Error with an ErrorKind,
// InputError, IoError, UsageError, DeviceError, RejectedError). This header forwards
// to it, so code that includes it keeps compiling.
#pragma once

#include "deteval/error.hpp"

namespace deteval {

/// The spelling of code written before ErrorKind: `Error(message, ExitCode::rejected)`.
/// Each name is the ErrorKind of that exit code; prefer ErrorKind in new code (the
/// process exit codes themselves are the deteval command's, cli/main.cpp).
struct ExitCode {
  static constexpr ErrorKind failure = ErrorKind::internal;
  static constexpr ErrorKind usage = ErrorKind::usage;
  static constexpr ErrorKind input = ErrorKind::input;
  static constexpr ErrorKind io = ErrorKind::io;
  static constexpr ErrorKind device = ErrorKind::device;
  static constexpr ErrorKind rejected = ErrorKind::rejected;
};

}  // namespace deteval
