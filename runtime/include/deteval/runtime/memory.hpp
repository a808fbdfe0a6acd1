// The memory policy of the deteval program and of the Python module: large buffers on
// transparent huge pages. Linked only into those (runtime/CMakeLists.txt): it replaces the
// global operator new of whatever links it.
//
// A COCO-scale run touches several hundred MB of fresh memory (file buffers, flat arrays,
// RLE stores, per-cell results). On VMs a first touch of a 4 KiB page costs microseconds,
// so 4 KiB pages made most of a run's time system time. The program itself (not an
// environment variable) asks for huge pages where the OS offers them: see memory.cpp.
#pragma once

#include <cstdint>
#include <string>

namespace deteval::runtime {

enum class MemoryPolicy {
  program,      ///< a process of our own: also keep freed memory for reuse (glibc's mallopt)
  advice_only,  ///< inside another program (the Python module): leave its allocator's settings alone
};

/// Sets the allocator up for large buffers on huge pages. Call first thing in main() (or
/// when the module loads), before any thread starts. Does nothing (and says nothing) where
/// transparent huge pages are off or unknown.
void tune_memory(MemoryPolicy policy = MemoryPolicy::program);

/// Whether large allocations are advised onto huge pages in this process.
bool huge_pages_in_use();

/// The process's resource use so far, as `--timings` reports it.
struct ResourceUse {
  double user_s = 0, system_s = 0;
  std::int64_t peak_rss_kib = 0;
  std::int64_t minor_faults = 0, major_faults = 0;
};
ResourceUse resource_use();

/// One line: `memory: peak RSS 276 MiB | minor faults 15012 | major faults 0 | user 0.81 s | system 0.12 s | huge pages on`.
std::string format_resource_use(const ResourceUse& r);

}  // namespace deteval::runtime
