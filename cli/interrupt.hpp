// Ctrl-C (SIGINT) and SIGTERM for commands that stop cleanly: while a StopOnSignal is
// alive, the first such signal sets stop_flag() instead of killing the process; the
// command hands the flag to the library as its `cancel` (deteval/cancel.hpp), which then
// throws Cancelled, so no atomic writer is cut off mid-file with its temporary file left
// behind. main() exits 128 + the signal (130, 143). A second signal, or one outside a
// StopOnSignal (commands that do not poll the flag), kills the process as before.
#pragma once

#include "deteval/cancel.hpp"

namespace deteval::cli {

class StopOnSignal {
 public:
  StopOnSignal();   ///< installs the handlers (SIGINT, SIGTERM)
  ~StopOnSignal();  ///< puts the previous ones back
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
};

/// Set by the first SIGINT / SIGTERM under a StopOnSignal.
const CancelFlag* stop_flag();
/// The signal that set stop_flag(), or 0.
int stop_signal();

}  // namespace deteval::cli
