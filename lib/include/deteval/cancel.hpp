// Stopping a long computation early. Whoever starts it owns a flag and hands the library
// a pointer to it (EvalOptions::cancel, AnalysisOptions::cancel, the readers' options);
// setting the flag, from any thread or from a signal handler (the store is lock-free),
// makes the computation throw Cancelled soon after: it checks the flag between pieces of
// work (cells, categories, parts of a file), never per element, so checking costs nothing
// measurable. A null pointer: never cancelled. Results do not depend on the flag when it
// stays unset.
#pragma once

#include <atomic>

#include "deteval/error.hpp"

namespace deteval {

/// The flag a computation polls (set: stop).
using CancelFlag = std::atomic<bool>;

/// What a cancelled computation throws (ErrorKind::cancelled); it leaves no partial result.
class Cancelled : public Error {
 public:
  Cancelled() : Error(ErrorKind::cancelled, "cancelled") {}
};

/// Whether `flag` is set (false for nullptr).
inline bool is_cancelled(const CancelFlag* flag) noexcept {
  return flag != nullptr && flag->load(std::memory_order_relaxed);
}

/// Throws Cancelled when `flag` is set.
inline void check_cancel(const CancelFlag* flag) {
  if (is_cancelled(flag)) throw Cancelled();
}

}  // namespace deteval
