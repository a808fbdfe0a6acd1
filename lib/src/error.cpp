#include "deteval/error.hpp"

namespace deteval {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::input: return "input";
    case ErrorKind::io: return "io";
    case ErrorKind::device: return "device";
    case ErrorKind::rejected: return "rejected";
    case ErrorKind::usage: return "usage";
    case ErrorKind::internal: return "internal";
    case ErrorKind::cancelled: return "cancelled";
  }
  return "?";
}

}  // namespace deteval
