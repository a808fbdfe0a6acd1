// Ctrl-C during C++ work that runs with the GIL released (readers, evaluate, analyses,
// segmentation metrics). Python's own SIGINT handler only trips a flag that the main
// thread reads when it next runs Python code, so without help a Ctrl-C waits for the
// whole call. run_interruptible() runs the work on the calling thread with the GIL
// released and, for that time, puts a C handler on SIGINT that sets the CancelFlag the
// library polls (deteval/cancel.hpp): the work throws Cancelled within milliseconds, the
// previous handler is put back, and Python's handler then runs as for any Ctrl-C
// (KeyboardInterrupt).
//
// Why a temporary sigaction and not a worker thread polled by the main thread: the work,
// its exceptions and the on_stage callback stay on the calling thread as before, no thread
// is started per call, and no signal is lost (one that comes after the handler is put back
// reaches Python's handler as usual). It is done only where Ctrl-C means KeyboardInterrupt:
// on the main thread (where Python runs signal handlers) with SIGINT's handler being
// signal.default_int_handler. Anywhere else (another thread, a custom handler, SIGINT
// ignored), nothing changes: the signal is handled after the call returns.
#pragma once

#include <pybind11/pybind11.h>
#include <signal.h>

#include <exception>
#include <optional>
#include <utility>

#include "deteval/cancel.hpp"

namespace deteval::python {

/// Thrown from C++ work after a Python exception was set on this thread (by a callback
/// run with the GIL held): run_interruptible() raises that exception.
struct PythonErrorSet {};

/// Routes SIGINT to a CancelFlag while alive (see above). Created and finished with the
/// GIL held, on one thread.
class SigintToCancel {
 public:
  SigintToCancel();
  ~SigintToCancel() { restore(); }
  SigintToCancel(const SigintToCancel&) = delete;
  SigintToCancel& operator=(const SigintToCancel&) = delete;

  /// The flag for the library's options; nullptr where Ctrl-C is not routed.
  const CancelFlag* flag() const { return installed_ ? &flag_ : nullptr; }
  /// Puts the previous handler back; after a Ctrl-C, hands it on to Python (the next
  /// PyErr_CheckSignals runs Python's handler). Whether a Ctrl-C came.
  bool restore();

 private:
  bool installed_ = false;
  CancelFlag flag_{false};
  CancelFlag* outer_ = nullptr;  // the flag of an enclosing call (a callback's own call)
  struct sigaction previous_ {};
};

/// work(cancel) with the GIL released and Ctrl-C routed to `cancel`; its result. After a
/// Ctrl-C, raises KeyboardInterrupt (error_already_set) instead.
template <class F>
auto run_interruptible(F&& work) {
  SigintToCancel route;
  std::optional<decltype(work(route.flag()))> result;
  std::exception_ptr error;
  {
    pybind11::gil_scoped_release nogil;
    try {
      result.emplace(work(route.flag()));
    } catch (...) {
      error = std::current_exception();
    }
  }
  const bool interrupted = route.restore();
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const PythonErrorSet&) {
      throw pybind11::error_already_set();  // the callback's exception (a Ctrl-C follows it)
    } catch (...) {
    }
  }
  if (interrupted && PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
  if (error) std::rethrow_exception(error);  // Cancelled becomes KeyboardInterrupt (module.cpp)
  return std::move(*result);
}

}  // namespace deteval::python
