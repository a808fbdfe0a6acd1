// Shared helpers for the fuzz targets (tests/fuzz/*_fuzz.cpp).
//
// A target is `extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t)`. It feeds the
// bytes to a reader's public entry point; refusing them with deteval::Error (InputError,
// IoError) is the expected outcome for bad input. Anything else is a finding: another
// exception (it escapes and aborts), a crash, a sanitizer report, a hang, or a broken
// invariant (FUZZ_CHECK, which aborts with the condition and the line).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "deteval/formats/error.hpp"

#define FUZZ_CHECK(cond)                                                                            \
  do {                                                                                              \
    if (!(cond)) {                                                                                  \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);       \
      std::abort();                                                                                 \
    }                                                                                               \
  } while (0)

namespace deteval::fuzz {

/// Runs `f`; deteval::Error (the readers' refusal) is swallowed and reported as false.
template <class F>
bool refused_or_ok(F&& f) {
  try {
    f();
    return true;
  } catch (const deteval::Error&) {
    return false;
  }
}

/// Reads fixed-size values off the front of the input; zeros once it runs out.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  std::size_t left() const { return n_; }
  template <class T>
  T take() {
    T v{};
    const std::size_t k = n_ < sizeof(T) ? n_ : sizeof(T);
    if (k) std::memcpy(&v, p_, k);  // p_ may be null for an empty input
    p_ += k;
    n_ -= k;
    return v;
  }
  std::string_view rest() const { return {reinterpret_cast<const char*>(p_), n_}; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

}  // namespace deteval::fuzz
