// A stand-in for libFuzzer's main, so that every fuzz target builds and runs with any
// compiler (the gcc suite included): it calls LLVMFuzzerTestOneInput on every seed file,
// then on deterministic mutations of the seeds.
//
//   <target>_fuzz [-mutations=N] [-timeout=S] [-max_len=B] [-v] PATH...
//
// PATH is a file or a directory (read recursively, in sorted order). Each input gets
// `timeout` seconds (default 20): longer is a hang. On any failure (crash, sanitizer
// report, hang, escaped exception) the input is written to ./fuzz-failure-<target>, so
// that it can be replayed, minimised with libFuzzer, and kept under fixtures/fuzz/.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

namespace {

std::string g_target;
std::string g_current_name;
std::vector<std::uint8_t> g_current;
std::string g_failure_path;

// Async-signal-safe enough for a dying process: write(2) only, buffers prepared in advance.
void save_current() {
  static bool saved = false;
  if (saved) return;
  saved = true;
  const char* msg1 = "\nfuzz driver: failure on input ";
  (void)!::write(2, msg1, std::strlen(msg1));
  (void)!::write(2, g_current_name.data(), g_current_name.size());
  FILE* f = std::fopen(g_failure_path.c_str(), "wb");
  if (f) {
    std::fwrite(g_current.data(), 1, g_current.size(), f);
    std::fclose(f);
    const char* msg2 = "\nfuzz driver: input saved to ";
    (void)!::write(2, msg2, std::strlen(msg2));
    (void)!::write(2, g_failure_path.data(), g_failure_path.size());
  }
  (void)!::write(2, "\n", 1);
}

void on_signal(int sig) {
  if (sig == SIGALRM) {
    const char* m = "\nfuzz driver: timeout (hang?)";
    (void)!::write(2, m, std::strlen(m));
  }
  save_current();
  ::signal(sig, SIG_DFL);
  ::raise(sig == SIGALRM ? SIGABRT : sig);
}

void on_terminate() {
  std::fprintf(stderr, "\nfuzz driver: an exception escaped the target");
  if (auto e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::fprintf(stderr, ": %s", x.what());
    } catch (...) {
    }
  }
  save_current();
  std::abort();
}

// xorshift64*: the same mutations on every machine and every run.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ull;
  }
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

// Tokens that readers must handle: numbers at the edges, nesting, escapes, RLE alphabet ends.
const char* const kTokens[] = {"-1",   "0",      "4294967295", "4294967296", "18446744073709551615",
                               "1e308", "-1e308", "1e999",      "NaN",        "nan",
                               "1e-320", "-0",    "0.5",        "[",          "]",
                               "{",     "}",      "\"",         "\\u0000",    "\\",
                               ",",     ":",      "null",       "true",       "[[[[[[[[",
                               "\"counts\":", "\"size\":[1,1]", "\"bbox\":[0,0,1,1]", "\"segmentation\":",
                               "0",     "o",      "?",          "_",          "\x7f",
                               "\n",    " ",      "1000000",    "100000"};

std::vector<std::uint8_t> mutate(const std::vector<std::vector<std::uint8_t>>& seeds, Rng& rng, std::size_t max_len) {
  std::vector<std::uint8_t> v = seeds[rng.below(seeds.size())];
  const int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits; ++e) {
    const std::size_t pos = rng.below(v.size() + 1);
    switch (rng.below(7)) {
      case 0:  // flip bits
        if (!v.empty()) v[rng.below(v.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
        break;
      case 1:  // random byte
        if (!v.empty()) v[rng.below(v.size())] = static_cast<std::uint8_t>(rng.next());
        break;
      case 2: {  // delete a span
        const std::size_t len = std::min(v.size() - std::min(pos, v.size()), 1 + rng.below(16));
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(pos), v.begin() + static_cast<std::ptrdiff_t>(pos + len));
        break;
      }
      case 3: {  // insert a token
        const char* t = kTokens[rng.below(std::size(kTokens))];
        v.insert(v.begin() + static_cast<std::ptrdiff_t>(pos), t, t + std::strlen(t));
        break;
      }
      case 4:  // truncate
        v.resize(pos);
        break;
      case 5: {  // copy a span of this or another seed here
        const auto& o = seeds[rng.below(seeds.size())];
        if (o.empty()) break;
        const std::size_t from = rng.below(o.size());
        const std::size_t len = std::min(o.size() - from, 1 + rng.below(64));
        v.insert(v.begin() + static_cast<std::ptrdiff_t>(pos), o.begin() + static_cast<std::ptrdiff_t>(from),
                 o.begin() + static_cast<std::ptrdiff_t>(from + len));
        break;
      }
      default: {  // replace a digit run with a token (numbers are where readers overflow)
        const auto it = std::find_if(v.begin() + static_cast<std::ptrdiff_t>(pos), v.end(),
                                     [](std::uint8_t c) { return c >= '0' && c <= '9'; });
        if (it == v.end()) break;
        auto end = it;
        while (end != v.end() && *end >= '0' && *end <= '9') ++end;
        const char* t = kTokens[rng.below(10)];
        const std::size_t at = static_cast<std::size_t>(it - v.begin());
        v.erase(it, end);
        v.insert(v.begin() + static_cast<std::ptrdiff_t>(at), t, t + std::strlen(t));
        break;
      }
    }
  }
  if (v.size() > max_len) v.resize(max_len);
  return v;
}

void run_one(const std::string& name, std::vector<std::uint8_t> data, unsigned timeout, bool verbose) {
  g_current_name = name;
  g_current = std::move(data);
  if (verbose) std::fprintf(stderr, "%s (%zu bytes)\n", name.c_str(), g_current.size());
  ::alarm(timeout);
  // A copy in its own allocation, so that ASan sees reads past the end of the input.
  std::vector<std::uint8_t> copy(g_current);
  LLVMFuzzerTestOneInput(copy.data(), copy.size());
  ::alarm(0);
}

}  // namespace

int main(int argc, char** argv) {
  g_target = std::filesystem::path(argv[0]).filename().string();
  g_failure_path = "fuzz-failure-" + g_target;
  std::size_t mutations = 300, max_len = 1 << 16;
  unsigned timeout = 20;
  bool verbose = false;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("-mutations=", 0) == 0) mutations = std::stoul(a.substr(11));
    else if (a.rfind("-timeout=", 0) == 0) timeout = static_cast<unsigned>(std::stoul(a.substr(9)));
    else if (a.rfind("-max_len=", 0) == 0) max_len = std::stoul(a.substr(9));
    else if (a == "-v") verbose = true;
    else if (!a.empty() && a[0] == '-') std::fprintf(stderr, "fuzz driver: ignoring libFuzzer flag %s\n", a.c_str());
    else if (std::filesystem::is_directory(a)) {
      std::vector<std::filesystem::path> found;
      for (const auto& e : std::filesystem::recursive_directory_iterator(a))
        if (e.is_regular_file()) found.push_back(e.path());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::is_regular_file(a)) {
      files.emplace_back(a);
    } else {
      std::fprintf(stderr, "fuzz driver: no such file or directory: %s\n", a.c_str());
      return 2;
    }
  }
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  std::set_terminate(on_terminate);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM}) ::signal(sig, on_signal);
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(save_current);

  std::vector<std::vector<std::uint8_t>> seeds;  // mutation bases: the seeds up to max_len
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.size() <= max_len) seeds.push_back(data);
    run_one(f.string(), std::move(data), timeout, verbose);
  }
  if (seeds.empty()) seeds.emplace_back();
  Rng rng{0x9e3779b97f4a7c15ull};
  for (std::size_t m = 0; m < mutations; ++m)
    run_one("mutation " + std::to_string(m), mutate(seeds, rng, max_len), timeout, verbose);
  std::printf("%s: %zu seed files and %zu mutations, no failure\n", g_target.c_str(), files.size(), mutations);
  return 0;
}
