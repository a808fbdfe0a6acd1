// Large allocations on transparent huge pages, for commands whose arrays run to gigabytes.
#pragma once

namespace deteval::cli {

/// Re-executes this process once with glibc's malloc tunable `glibc.malloc.hugetlb=1`, which
/// makes malloc ask for transparent huge pages on its large (mmapped) blocks. An LVIS-scale
/// evaluation touches gigabytes of fresh memory; on a VM where each 4 KiB page fault is
/// expensive, 2 MiB pages cut its faults about tenfold and its CPU time by more than half.
/// Returns (doing nothing) when DETEVAL_HUGEPAGES=0, when the tunable is already set, when
/// transparent huge pages are off, when /proc/self/exe is not a deteval binary (under
/// valgrind, say), or when the exec fails. Call first thing in main, before any thread starts.
void reexec_with_huge_pages(char** argv);

}  // namespace deteval::cli
