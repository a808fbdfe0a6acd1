// The memory policy (runtime/memory.cpp, linked into this test as into deteval):
// large buffers carry the huge-page advice, contents are intact, and --timings reports the
// process's resource use.
#include "deteval/runtime/memory.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace deteval {
namespace {

// The VmFlags line of the mapping of /proc/self/smaps that holds `p`.
std::string vm_flags_of(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= addr && addr < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

bool thp_enabled() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  return std::getline(f, line) && (line.find("[always]") != std::string::npos || line.find("[madvise]") != std::string::npos);
}

TEST(Memory, LargeBuffersAreAdvisedAndIntact) {
  runtime::tune_memory();
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  EXPECT_FALSE(runtime::huge_pages_in_use());  // the sanitizer's allocator is left alone
#else
  EXPECT_EQ(runtime::huge_pages_in_use(), thp_enabled());
#endif
  std::vector<std::uint64_t> big(std::size_t(16) << 20 >> 3);  // 16 MiB
  std::iota(big.begin(), big.end(), std::uint64_t{7});
  EXPECT_EQ(big.front(), 7u);
  EXPECT_EQ(big.back(), 7u + big.size() - 1);
  EXPECT_EQ(std::accumulate(big.begin(), big.end(), std::uint64_t{0}),
            big.size() * 7u + big.size() * (big.size() - 1) / 2);
  if (!runtime::huge_pages_in_use()) GTEST_SKIP() << "transparent huge pages are off here";
  // The middle of the buffer lies in its 2 MiB-aligned part, so its mapping carries the advice.
  const std::string flags = vm_flags_of(big.data() + big.size() / 2);
  EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
}

TEST(Memory, SmallAllocationsStillWork) {
  runtime::tune_memory();
  std::vector<std::string> many;
  for (int i = 0; i < 100000; ++i) many.push_back(std::to_string(i));
  EXPECT_EQ(many[99999], "99999");
  int* zero = new int[0];
  delete[] zero;
}

TEST(Memory, ResourceUseIsReported) {
  const runtime::ResourceUse r = runtime::resource_use();
  EXPECT_GT(r.peak_rss_kib, 0);
  EXPECT_GT(r.minor_faults, 0);
  const std::string line = runtime::format_resource_use(r);
  EXPECT_EQ(line.rfind("memory: peak RSS ", 0), 0u) << line;
  EXPECT_NE(line.find("| minor faults "), std::string::npos) << line;
  EXPECT_NE(line.find("| system "), std::string::npos) << line;
}

TEST(Memory, TimingsPrintResourceUseAndLeaveResultsAlone) {
  const std::string args = "coco --gt " + test::q(test::fixture("coco/basic_mixed_sizes/gt.json")) + " --dt " +
                           test::q(test::fixture("coco/basic_mixed_sizes/dt.json"));
  const test::RunResult plain = test::run_cli(args);
  const test::RunResult timed = test::run_cli(args + " --timings");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(timed.exit_code, 0) << timed.err;
  EXPECT_EQ(plain.out, timed.out);
  EXPECT_NE(timed.err.find("\nmemory: peak RSS "), std::string::npos) << timed.err;
  EXPECT_NE(timed.err.find("| minor faults "), std::string::npos) << timed.err;
  EXPECT_EQ(plain.err.find("memory:"), std::string::npos) << plain.err;
}

}  // namespace
}  // namespace deteval
