// The per-mask and per-pair work of the CUDA mask-IoU backend, as plain functions
// that compile both for the device (nvcc: __host__ __device__) and for the host
// (any C++ compiler), so that the CPU tests run exactly the code the kernels run
// (tests/cuda_emulation_test.cpp). No standard library beyond <cstdint>.
//
// Representation on the device: every mask of a chunk is decoded into its run
// *boundaries* b[k] = c[0] + ... + c[k] (uint32: masks have at most 2^32 - 1 pixels).
// Runs alternate 0s and 1s starting with 0s, so the k-th run of 1s is the half-open
// pixel interval [b[2k], b[2k+1]), k < n / 2. The intersection of two masks is the
// overlap of two sorted interval lists, detail::interval_intersection (lib's, which
// the CPU backend runs too); the union follows from the areas:
// |A u B| = |A| + |B| - |A n B|, or |A| for a crowd ground truth (pycocotools).
//
// One quirk of pycocotools' rleIou loop makes that shortcut wrong for some masks:
// the loop ends as soon as both masks sit on an empty run at once, so two masks
// with empty runs inside (valid RLE, though never what `encode` writes) can stop
// counting before the end. A mask with an empty run inside is flagged when it is
// decoded, and a pair of two flagged masks takes the loop itself (walk_counts), the
// same state machine as the CPU's rle_iou_counts.
#pragma once

#include <cstdint>

#include "deteval/detail/mask_intervals.hpp"  // DETEVAL_HD, interval_intersection

namespace deteval::cuda_detail {

/// One mask of a chunk, as uploaded.
struct MaskSlot {
  std::uint64_t src = 0;         ///< byte offset of its data in the chunk's blob
  std::uint64_t dst = 0;         ///< index of its first boundary in the boundaries buffer
  std::uint32_t length = 0;      ///< compressed: bytes of the string; else: runs (uint32, 4-aligned at src)
  std::uint32_t compressed = 0;  ///< 1: COCO's compressed string; 0: runs
};

/// A decoded mask.
struct MaskRuns {
  std::uint64_t area = 0;   ///< pixels set
  std::uint32_t n = 0;      ///< runs (boundaries written at MaskSlot::dst)
  std::uint32_t flags = 0;  ///< kDecoded, kEmptyRunsInside
};
constexpr std::uint32_t kDecoded = 1;          ///< else the data did not decode (the backend reports an error)
constexpr std::uint32_t kEmptyRunsInside = 2;  ///< a run of length 0 after the first, before the last pixel

/// One pair of a chunk: slot indices; the top bit of `gt` marks a crowd ground truth.
struct PairRef {
  std::uint32_t dt = 0, gt = 0;
};
constexpr std::uint32_t kCrowdBit = 0x80000000u;

/// Layout-compatible with deteval::IouCounts (checked where both are visible).
struct PairCounts {
  std::uint64_t intersection = 0, union_ = 0;
};

/// Capacity of a mask's boundaries: each compressed value takes at least one byte,
/// so `length` boundaries always suffice. Rounded up to even (8-byte aligned pairs).
DETEVAL_HD std::uint64_t boundary_capacity(std::uint32_t length) { return (std::uint64_t{length} + 1) & ~std::uint64_t{1}; }

/// Decodes one mask into boundaries (the same arithmetic as rle_from_string_into in
/// lib/src/mask.cpp, which has validated every string the stores hold).
DETEVAL_HD MaskRuns decode_mask(const MaskSlot& m, const unsigned char* blob, std::uint32_t* bounds) {
  MaskRuns r;
  std::uint32_t* b = bounds + m.dst;
  std::uint64_t pos = 0, area = 0;
  std::uint32_t n = 0;
  bool empty_run = false;
  std::uint64_t empty_at = 0;  // position of the first empty run after run 0 (positions never decrease)
  if (!m.compressed) {
    const std::uint32_t* runs = reinterpret_cast<const std::uint32_t*>(blob + m.src);
    for (; n < m.length; ++n) {
      const std::uint32_t c = runs[n];
      pos += c;
      if (n & 1u) area += c;
      if (pos > 0xffffffffull) return r;
      if (c == 0 && n > 0 && !empty_run) empty_run = true, empty_at = pos;
      b[n] = static_cast<std::uint32_t>(pos);
    }
  } else {
    const unsigned char* s = blob + m.src;
    std::int64_t prev1 = 0, prev2 = 0;  // counts[n - 1], counts[n - 2]
    std::uint32_t p = 0;
    while (p < m.length) {
      std::int64_t x = 0;
      bool more = true;
      for (int k = 0; more; ++k) {
        if (p == m.length || k >= 12) return r;  // truncated or too long
        const int c = static_cast<int>(s[p]) - 48;
        if (c < 0 || c > 63) return r;  // outside the alphabet
        x |= static_cast<std::int64_t>(c & 0x1f) << (5 * k);
        more = (c & 0x20) != 0;
        ++p;
        if (!more && (c & 0x10)) x |= static_cast<std::int64_t>(-1) * (std::int64_t{1} << (5 * (k + 1)));
      }
      if (n > 2) x += prev2;
      if (x < 0 || x > 0xffffffffll || n >= m.length) return r;
      prev2 = prev1;
      prev1 = x;
      pos += static_cast<std::uint64_t>(x);
      if (n & 1u) area += static_cast<std::uint64_t>(x);
      if (pos > 0xffffffffull) return r;
      if (x == 0 && n > 0 && !empty_run) empty_run = true, empty_at = pos;
      b[n++] = static_cast<std::uint32_t>(pos);
    }
  }
  r.area = area;
  r.n = n;
  r.flags = kDecoded | (empty_run && empty_at < pos ? kEmptyRunsInside : 0u);
  return r;
}

/// Run j's length from boundaries.
DETEVAL_HD std::uint32_t run_length(const std::uint32_t* b, std::uint32_t j) { return j ? b[j] - b[j - 1] : b[0]; }

/// pycocotools' rleIou loop, as lib/src/mask.cpp's RunCursor/joint_step walk it
/// (including its handling of counts short of h*w), on boundaries.
DETEVAL_HD void walk_counts(const std::uint32_t* a, std::uint32_t na, const std::uint32_t* b, std::uint32_t nb,
                            std::uint64_t& inter, std::uint64_t& uni) {
  struct Cursor {
    const std::uint32_t* b;
    std::uint32_t n, next;
    std::uint64_t left;
    bool value;
    DETEVAL_HD bool exhausted() const { return left == 0 && next >= n; }
    DETEVAL_HD void consume(std::uint64_t c) {
      left -= left < c ? left : c;
      if (left == 0 && next < n) {
        left = run_length(b, next++);
        value = !value;
      }
      if (exhausted()) value = false;
    }
  };
  Cursor ca{a, na, 1, na ? a[0] : 0u, false}, cb{b, nb, 1, nb ? b[0] : 0u, false};
  inter = uni = 0;
  for (bool more = true; more;) {
    const std::uint64_t c = ca.exhausted() ? cb.left : cb.exhausted() ? ca.left : (ca.left < cb.left ? ca.left : cb.left);
    if (ca.value || cb.value) {
      uni += c;
      if (ca.value && cb.value) inter += c;
    }
    ca.consume(c);
    cb.consume(c);
    more = ca.left + cb.left > 0;
  }
}

/// The counts of one pair (crowd: union = the detection's whole area, as rleIou).
/// `ok` is cleared when either mask failed to decode.
DETEVAL_HD PairCounts pair_counts(const PairRef& p, const MaskSlot* slots, const MaskRuns* runs,
                                  const std::uint32_t* bounds, std::uint32_t& ok) {
  const std::uint32_t g = p.gt & ~kCrowdBit;
  const MaskRuns& rd = runs[p.dt];
  const MaskRuns& rg = runs[g];
  PairCounts c;
  if (!(rd.flags & rg.flags & kDecoded)) {
    ok = 0;
    return c;
  }
  const std::uint32_t *bd = bounds + slots[p.dt].dst, *bg = bounds + slots[g].dst;
  if (rd.flags & rg.flags & kEmptyRunsInside) {  // only two such masks can stop early
    walk_counts(bd, rd.n, bg, rg.n, c.intersection, c.union_);
  } else {
    c.intersection = detail::interval_intersection(bd, rd.n, bg, rg.n);
    c.union_ = rd.area + rg.area - c.intersection;
  }
  if (p.gt & kCrowdBit) c.union_ = rd.area;  // rleIou: rleArea(dt), the whole mask
  return c;
}

}  // namespace deteval::cuda_detail
