// Pair counting straight from the PNG scanlines (panoptic_pairs.hpp). Label maps are long runs
// and many rows repeat the row above, so the work per row is a comparison with the row above
// (memcmp) and, where it differs, a scan for the pixels unlike their left neighbour, 16 bytes
// at a time (32 with AVX2); the pair table then sees one add per run of a row, or one per run of a
// block of repeated rows.
#include "panoptic_pairs.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DETEVAL_PAIRS_AVX2 1
#endif

#include "deteval/detail/pair_counter.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"
#include "deteval/formats/png.hpp"
#include "png_fast.hpp"

namespace deteval::detail {

namespace {

std::string describe_kind(const PngImage& png) {
  return std::to_string(png.bit_depth) + "-bit " +
         (png.palette ? "palette" : png.channels == 1 ? "grey" : png.channels == 2 ? "grey + alpha"
                                 : png.channels == 3 ? "RGB" : "RGBA");
}

// The first byte at or after `k` (k >= Bpp) unlike the byte a pixel before it, or `n`.
template <std::size_t Bpp>
std::size_t first_change(const unsigned char* row, std::size_t k, std::size_t n) {
#if defined(__SSE2__)
  auto load = [](const unsigned char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); };
  for (; k + 32 <= n; k += 32) {
    const __m128i eq = _mm_and_si128(_mm_cmpeq_epi8(load(row + k), load(row + k - Bpp)),
                                     _mm_cmpeq_epi8(load(row + k + 16), load(row + k + 16 - Bpp)));
    if (_mm_movemask_epi8(eq) != 0xFFFF) break;
  }
  for (; k + 16 <= n; k += 16) {
    const unsigned eq = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(load(row + k), load(row + k - Bpp))));
    if (eq != 0xFFFFu) return k + std::size_t(__builtin_ctz(~eq));
  }
#else
  for (; k + 8 <= n; k += 8) {
    std::uint64_t a, b;
    std::memcpy(&a, row + k, 8);
    std::memcpy(&b, row + k - Bpp, 8);
    if (a != b) break;
  }
#endif
  while (k < n && row[k] == row[k - Bpp]) ++k;
  return k;
}

#ifdef DETEVAL_PAIRS_AVX2
// first_change, 32 bytes a step, for the processors that have AVX2 (chosen at run time).
template <std::size_t Bpp>
__attribute__((target("avx2"))) std::size_t first_change_avx2(const unsigned char* row, std::size_t k,
                                                               std::size_t n) {
  for (; k + 32 <= n; k += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + k));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + k - Bpp));
    const unsigned eq = unsigned(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, b)));
    if (eq != 0xFFFFFFFFu) return k + std::size_t(__builtin_ctz(~eq));
  }
  return first_change<Bpp>(row, k, n);
}
#endif

using FirstChange = std::size_t (*)(const unsigned char*, std::size_t, std::size_t);

template <std::size_t Bpp>
FirstChange pick_first_change() {
#ifdef DETEVAL_PAIRS_AVX2
  if (__builtin_cpu_supports("avx2")) return first_change_avx2<Bpp>;
#endif
  return first_change<Bpp>;
}

// Runs of equal pixels, row after row, in flat arrays: run r covers pixels [end[r - 1], end[r])
// of its row (0 for a row's first run); `first[y]` is row y's first run.
struct Runs {
  std::vector<std::uint32_t> end, id, first;
  std::size_t n = 0;
  void reserve(std::size_t width, std::size_t height) {
    if (end.size() < n + width) {
      end.resize(std::max(2 * end.size(), n + width));
      id.resize(end.size());
    }
    if (first.size() < height + 1) first.resize(height + 1);
  }
};

// Appends the runs of a row of `width` pixels.
template <std::size_t Bpp>
void split_runs(const unsigned char* row, std::size_t width, Runs& r) {
  const std::size_t bytes = width * Bpp;
  std::size_t b = 0, n = r.n;
  std::uint32_t* end = r.end.data();
  std::uint32_t* id = r.id.data();
  static const FirstChange first_change_of = pick_first_change<Bpp>();
  while (b < bytes) {
    id[n] = std::uint32_t(row[b]) | std::uint32_t(row[b + 1]) << 8 | std::uint32_t(row[b + 2]) << 16;
    b = first_change_of(row, b + Bpp, bytes) / Bpp * Bpp;  // the pixel of the first changed byte
    end[n++] = std::uint32_t(b / Bpp);
  }
  r.n = n;
}

bool all_zero(const unsigned char* p, std::size_t n) {
  std::uint64_t acc = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    acc |= w;
  }
  for (; i < n; ++i) acc |= p[i];
  return acc == 0;
}

// One PNG of the pair, opened: its scanlines (libdeflate's path) or libpng's decoded samples,
// walked row by row. The two PNGs of a pair share the buffers: the GT's rows are split into
// runs right after inflating (while in cache), then the prediction is inflated over them.
struct PngRows {
  std::string bytes;
  InflateScratch inflate;
  PngScanlines scan;
  PngImage decoded;
  bool fast = false;
  std::size_t width = 0, height = 0, bpp = 0, row_bytes = 0;
  std::vector<unsigned char> buf[2];  // unfiltered rows, where the inflated bytes are not
  const unsigned char* prev = nullptr;

  void open(const std::string& path) {
    bytes = read_file(path, std::size_t(1) << 30);  // one open: the files are small
    const std::size_t size = bytes.size();
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    fast = inflate_png(p, size, inflate, scan) && scan.bit_depth == 8 && (scan.color_type == 2 || scan.color_type == 6);
    for (std::size_t y = 0; fast && y < scan.height; ++y)
      if (scan.rows[y * (scan.row_bytes + 1)] > 4) fast = false;  // a bad filter: libpng reports it
    if (fast) {
      width = scan.width;
      height = scan.height;
      bpp = scan.bpp;
    } else {
      decode_png(bytes.data(), size, path, decoded);
      expect_panoptic_png(decoded, path);
      width = std::size_t(decoded.width);
      height = std::size_t(decoded.height);
      bpp = std::size_t(decoded.channels);
    }
    row_bytes = width * bpp;
    for (auto& b : buf)
      if (b.size() < row_bytes) b.resize(row_bytes);
    prev = nullptr;
  }

  // Moves to row y (rows in order from 0) and appends its runs to `runs`; false (nothing
  // appended) when it equals the row above.
  bool next_row(std::size_t y, Runs& runs) {
    const unsigned char* row;
    if (!fast) {
      row = decoded.data.data() + y * row_bytes;
    } else {
      const unsigned char* line = scan.rows + y * (row_bytes + 1);
      const int type = line[0];
      if (type == 0 || (type == 2 && !prev)) {
        row = line + 1;  // no filter (Up on the first row is none)
      } else if (type == 2 && all_zero(line + 1, row_bytes)) {
        return false;  // Up with nothing added: the row above
      } else {
        unsigned char* out = buf[0].data() == prev ? buf[1].data() : buf[0].data();
        unfilter_row(type, line + 1, prev, out, row_bytes, bpp);
        row = out;
      }
    }
    if (prev && std::memcmp(row, prev, row_bytes) == 0) return false;
    prev = row;
    if (bpp == 3)
      split_runs<3>(row, width, runs);
    else
      split_runs<4>(row, width, runs);
    return true;
  }
};

struct PairRun {
  std::uint32_t gt, pred, length;
};

// Appends the runs of (GT id, pred id) pairs of a row: GT runs [g, g_end) and prediction
// runs [p, p_end) of `runs`, over the same width.
void merge(const Runs& gr, std::size_t g, std::size_t g_end, const Runs& pr, std::size_t p, std::size_t p_end,
           std::vector<PairRun>& out) {
  std::uint32_t x = 0;
  while (g < g_end && p < p_end) {
    const std::uint32_t e = std::min(gr.end[g], pr.end[p]);
    out.push_back({gr.id[g], pr.id[p], e - x});
    x = e;
    g += gr.end[g] == e;
    p += pr.end[p] == e;
  }
}

}  // namespace

void expect_panoptic_png(const PngImage& png, const std::string& path) {
  if (png.bit_depth != 8 || png.palette || png.channels < 3)
    throw InputError::expected(path, "PNG header", "an 8-bit RGB or RGBA image (id = R + 256 G + 256^2 B)",
                               describe_kind(png));
}

struct PanopticPairReader::Impl {
  PngRows png;
  std::size_t gt_width = 0, gt_height = 0;
  Runs gt_runs, pred_runs;
  std::vector<char> gt_repeats;  // per GT row: it equals the row above
  std::vector<PairRun> runs;     // the pending runs of pairs
  PairCounter counter;
  std::vector<PanopticPairCount> pairs;

  // Adds the pending runs, `times` rows of them.
  void flush(std::uint64_t times) {
    for (const PairRun& r : runs) counter.add(r.gt, r.pred, std::uint64_t(r.length) * times);
    runs.clear();
  }
};

PanopticPairReader::PanopticPairReader() : impl_(std::make_unique<Impl>()) {}
PanopticPairReader::~PanopticPairReader() = default;
PanopticPairReader::PanopticPairReader(PanopticPairReader&&) noexcept = default;
PanopticPairReader& PanopticPairReader::operator=(PanopticPairReader&&) noexcept = default;

void PanopticPairReader::read_gt(const std::string& path) {
  Impl& m = *impl_;
  m.png.open(path);
  m.gt_width = m.png.width;
  m.gt_height = m.png.height;
  Runs& r = m.gt_runs;
  r.n = 0;
  m.gt_repeats.resize(m.gt_height);
  for (std::size_t y = 0; y < m.gt_height; ++y) {
    r.reserve(m.gt_width, m.gt_height);
    r.first[y] = std::uint32_t(r.n);
    m.gt_repeats[y] = !m.png.next_row(y, r);
  }
  r.first[m.gt_height] = std::uint32_t(r.n);
}

void PanopticPairReader::read_pred(const std::string& path) { impl_->png.open(path); }

const std::vector<PanopticPairCount>& PanopticPairReader::count(Sizes& sizes) {
  Impl& m = *impl_;
  PngRows& pred = m.png;
  sizes = {int(m.gt_width), int(m.gt_height), int(pred.width), int(pred.height)};
  const bool same_size = sizes.same();
  Runs& pr = m.pred_runs;  // the current prediction row's runs only
  Runs& gr = m.gt_runs;
  pr.n = 0;
  pr.reserve(pred.width, 0);
  if (!same_size) {  // the GT side: one run of id 0 per row
    gr.n = 0;
    gr.reserve(1, 0);
    gr.end[0] = std::uint32_t(pred.width);
    gr.id[0] = 0;
  }
  m.counter.clear();
  m.runs.clear();
  std::uint64_t times = 0;       // rows the pending runs stand for
  std::size_t g = 0, g_end = 1;  // the GT row's runs (those of the last row that has its own)
  for (std::size_t y = 0; y < pred.height; ++y) {
    const std::size_t last = pr.n;
    pr.n = 0;
    const bool pred_new = pred.next_row(y, pr);
    if (!pred_new) pr.n = last;  // the row above's runs, still in place
    bool gt_new = false;
    if (same_size && !m.gt_repeats[y]) {
      gt_new = true;
      g = gr.first[y];
      g_end = gr.first[y + 1];
    }
    if (!pred_new && !gt_new) {
      ++times;  // the row pair above again
      continue;
    }
    m.flush(times);
    merge(gr, g, g_end, pr, 0, pr.n, m.runs);
    times = 1;
  }
  m.flush(times);
  m.counter.sorted(m.pairs);
  return m.pairs;
}

}  // namespace deteval::detail
