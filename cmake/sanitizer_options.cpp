// Default runtime options of sanitized builds (-DDETEVAL_SANITIZE=...), compiled into every
// executable so that ctest, a test that spawns `deteval`, or a fuzz target started by hand
// all run the same way. ASAN_OPTIONS / UBSAN_OPTIONS in the environment still override them.
extern "C" {

// LeakSanitizer on (also the default with ASan on x86-64 Linux, but explicit here); abort
// rather than exit so that a crash handler (the fuzz driver's) sees the failure.
const char* __asan_default_options() {
  return "detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:"
         "check_initialization_order=1:strict_init_order=1";
}

const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1:abort_on_error=1"; }

const char* __lsan_default_options() { return "print_suppressions=0"; }

}
