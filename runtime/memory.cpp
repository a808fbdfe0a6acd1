// Large allocations on transparent huge pages, and freed memory kept for reuse, decided by
// the program (or, advice only, by the Python module inside someone else's interpreter) (glibc's own switch, GLIBC_TUNABLES=glibc.malloc.hugetlb=1, can only be set
// before the process starts).
//
// Three settings, each measured on the COCO-scale case (bench/RESULTS.md, "Page faults"):
// - Every allocation of kLarge bytes or more is madvise(MADV_HUGEPAGE)d over its 2 MiB-aligned
//   part before anything touches it: the kernel backs it with 2 MiB pages, one fault instead
//   of 512.
// - The heap grows in kTopPad steps and is never trimmed below kTrim, so large buffers are
//   mostly carved from the heap (advised as above) and, once freed, reused by the next phase
//   without faulting fresh pages. glibc's defaults give memory back and map it anew.
// - The mmap threshold is fixed at kLarge: requests the heap cannot serve are their own
//   mappings (advised too), and glibc does not move the threshold after frees.
// - One malloc arena for all threads, so that what one phase's threads free is reused by
//   the next phase's, whichever thread allocates.
//
// Where THP is `never` or absent (non-Linux, old kernels, containers without sysfs) nothing
// is advised and the allocator keeps glibc's defaults: same results, no message. The
// sanitizers bring their own allocator, so sanitized builds leave operator new alone.
#include "deteval/runtime/memory.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#include <sys/resource.h>
#define DETEVAL_LINUX 1
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define DETEVAL_NO_NEW_REPLACEMENT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define DETEVAL_NO_NEW_REPLACEMENT 1
#endif
#endif

namespace deteval::runtime {
namespace {

constexpr std::size_t kHugePage = std::size_t(2) << 20;
// Smaller buffers gain little: an aligned 2 MiB page rarely fits inside them.
constexpr std::size_t kLarge = std::size_t(4) << 20;
// Address space only: pages are touched (and counted in RSS) when used.
constexpr int kTopPad = 256 << 20;
constexpr int kTrim = 1 << 30;

bool g_advise = false;  // set once in tune_memory(), before any thread starts

#if DETEVAL_LINUX
// THP's mode is the bracketed word of /sys/kernel/mm/transparent_hugepage/enabled.
bool thp_available() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  if (!std::getline(f, line)) return false;
  return line.find("[always]") != std::string::npos || line.find("[madvise]") != std::string::npos;
}

void advise(void* p, std::size_t n) {
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t hi = (begin + n) & ~(kHugePage - 1);
  // Advice is a hint: a kernel that refuses it leaves 4 KiB pages, which is still correct.
  if (hi > lo) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
}
#endif

}  // namespace

void tune_memory(MemoryPolicy policy) {
#if DETEVAL_LINUX && defined(__GLIBC__) && !defined(DETEVAL_NO_NEW_REPLACEMENT)
  if (policy == MemoryPolicy::program) {
    // Keeping freed memory pays with or without huge pages; advice needs THP on.
    if (mallopt(M_MMAP_THRESHOLD, int(kLarge)) != 1) return;
    mallopt(M_TOP_PAD, kTopPad);
    mallopt(M_TRIM_THRESHOLD, kTrim);
    // One arena for every thread: memory a phase's worker threads free (a reader's parts)
    // serves the next phase's allocations on any thread instead of staying in their own
    // arenas while the main one faults fresh pages (COCO-scale bbox: 2,800 faults, not 6,200).
    mallopt(M_ARENA_MAX, 1);
  }
  g_advise = thp_available();
#else
  (void)policy;
#endif
}

bool huge_pages_in_use() { return g_advise; }

ResourceUse resource_use() {
  ResourceUse r;
#if DETEVAL_LINUX
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    r.user_s = double(ru.ru_utime.tv_sec) + 1e-6 * double(ru.ru_utime.tv_usec);
    r.system_s = double(ru.ru_stime.tv_sec) + 1e-6 * double(ru.ru_stime.tv_usec);
    r.peak_rss_kib = ru.ru_maxrss;  // KiB on Linux
    r.minor_faults = ru.ru_minflt;
    r.major_faults = ru.ru_majflt;
  }
#endif
  return r;
}

std::string format_resource_use(const ResourceUse& r) {
  char line[256];
  std::snprintf(line, sizeof line,
                "memory: peak RSS %lld MiB | minor faults %lld | major faults %lld | user %.3f s | system %.3f s | "
                "huge pages %s",
                static_cast<long long>(r.peak_rss_kib / 1024), static_cast<long long>(r.minor_faults),
                static_cast<long long>(r.major_faults), r.user_s, r.system_s, g_advise ? "on" : "off");
  return line;
}

}  // namespace deteval::runtime

#if DETEVAL_LINUX && !defined(DETEVAL_NO_NEW_REPLACEMENT)
// The replaceable allocation function. libstdc++'s array, nothrow and sized forms call it, and
// its operator delete frees with std::free, which matches the std::malloc here.
void* operator new(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (!p) throw std::bad_alloc();
  if (n >= deteval::runtime::kLarge && deteval::runtime::g_advise) deteval::runtime::advise(p, n);  // heap or mapping alike
  return p;
}
#endif
