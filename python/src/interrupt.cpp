#include "interrupt.hpp"

#include <atomic>

namespace py = pybind11;

namespace deteval::python {

namespace {

std::atomic<CancelFlag*> g_flag{nullptr};

// Async-signal-safe: lock-free atomic loads and stores only.
void on_sigint(int) {
  if (CancelFlag* f = g_flag.load()) f->store(true);
}

// On the main thread, with Python's default SIGINT handler (KeyboardInterrupt).
bool ctrl_c_raises_here() {
  const py::module_ threading = py::module_::import("threading");
  if (py::int_(threading.attr("main_thread")().attr("ident")).cast<unsigned long>() != PyThread_get_thread_ident())
    return false;
  const py::module_ signal = py::module_::import("signal");
  return signal.attr("getsignal")(SIGINT).is(signal.attr("default_int_handler"));
}

}  // namespace

SigintToCancel::SigintToCancel() {
  if (!ctrl_c_raises_here()) return;
  outer_ = g_flag.exchange(&flag_);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_ONSTACK;  // system calls go on: the flag is polled
  if (::sigaction(SIGINT, &sa, &previous_) != 0) {
    g_flag.store(outer_);
    return;
  }
  installed_ = true;
}

bool SigintToCancel::restore() {
  if (!installed_) return false;
  installed_ = false;
  ::sigaction(SIGINT, &previous_, nullptr);
  g_flag.store(outer_);
  const bool fired = flag_.load();
  if (fired) PyErr_SetInterrupt();  // as if SIGINT came now: Python's handler runs at the next check
  return fired;
}

}  // namespace deteval::python
