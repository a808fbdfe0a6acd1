#include "interrupt.hpp"

#include <signal.h>

#include <atomic>

namespace deteval::cli {

namespace {

CancelFlag g_stop{false};
std::atomic<int> g_signal{0};
struct sigaction g_old_int, g_old_term;

// Only async-signal-safe work: lock-free atomic stores, signal(2), raise(3).
void on_stop_signal(int sig) {
  if (g_stop.load()) {  // asked twice: die as without the handler
    ::signal(sig, SIG_DFL);
    ::raise(sig);  // blocked while this handler runs; delivered on return
    return;
  }
  g_signal.store(sig);
  g_stop.store(true);
}

}  // namespace

StopOnSignal::StopOnSignal() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // reads and writes go on; the flag is polled
  ::sigaction(SIGINT, &sa, &g_old_int);
  ::sigaction(SIGTERM, &sa, &g_old_term);
}

StopOnSignal::~StopOnSignal() {
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
}

const CancelFlag* stop_flag() { return &g_stop; }

int stop_signal() { return g_signal.load(); }

}  // namespace deteval::cli
