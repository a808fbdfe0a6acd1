// RLE operations with pycocotools' results (common/maskApi.c). Where maskApi.c's
// result depends on how a mask is split into runs (rleToBbox, rleMerge), the same
// walk is kept so that the same runs give the same answer; where its C has
// undefined behaviour on bad input (reading past the counts, endless loops on
// counts that do not sum to h*w), these functions stay in bounds instead.
#include "deteval/mask.hpp"

#include "deteval/detail/rle_string.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <vector>

namespace deteval {

namespace {

constexpr std::uint64_t kMaxRun = std::numeric_limits<std::uint32_t>::max();

/// Walks the runs of one mask as maskApi's merge/IoU loops do.
struct RunCursor {
  std::span<const std::uint32_t> counts;
  std::size_t next = 1;     // index of the run after the current one
  std::uint64_t left = 0;   // pixels left in the current run
  bool value = false;       // value of the current run
  explicit RunCursor(std::span<const std::uint32_t> c) : counts(c), left(c.empty() ? 0 : c[0]) {}
  bool exhausted() const { return left == 0 && next >= counts.size(); }
  /// maskApi's `ca-=c; if(!ca && a<m) { ca=cnts[a++]; va=!va; }`.
  void consume(std::uint64_t c) {
    left -= std::min(left, c);  // c <= left, except for a mask already out of runs
    if (left == 0 && next < counts.size()) {
      left = counts[next++];
      value = !value;
    }
    // Out of runs: 0s from here on (only counts short of h*w get here before the
    // other mask is done too, and then maskApi would loop forever).
    if (exhausted()) value = false;
  }
};

/// The length of the next step of a joint walk: the shorter current run, or when
/// one mask is out of runs (counts short of h*w) the other's whole run.
std::uint64_t joint_step(const RunCursor& a, const RunCursor& b) {
  if (a.exhausted()) return b.left;
  if (b.exhausted()) return a.left;
  return std::min(a.left, b.left);
}

}  // namespace

Rle rle_encode(const std::uint8_t* bitmap, std::uint32_t height, std::uint32_t width) {
  Rle r{height, width, {}};
  const std::uint64_t n = std::uint64_t{height} * width;
  bool value = false;
  std::uint32_t run = 0;
  for (std::uint64_t j = 0; j < n; ++j) {
    const bool v = bitmap[j] != 0;
    if (v != value) {
      r.counts.push_back(run);
      run = 0;
      value = v;
    }
    ++run;
  }
  r.counts.push_back(run);
  return r;
}

void rle_decode(RleView rle, std::uint8_t* bitmap) {
  const std::uint64_t n = std::uint64_t{rle.height} * rle.width;
  std::uint64_t p = 0;
  std::uint8_t v = 0;
  for (std::uint32_t c : rle.counts) {
    const std::uint64_t e = std::min<std::uint64_t>(n, p + c);
    std::fill(bitmap + p, bitmap + e, v);
    p = e;
    v = !v;
  }
  std::fill(bitmap + p, bitmap + n, std::uint8_t{0});  // only for counts short of h*w
}

std::uint64_t rle_area(RleView rle) {
  std::uint64_t a = 0;
  for (std::size_t j = 1; j < rle.counts.size(); j += 2) a += rle.counts[j];
  return a;
}

// maskApi.c rleToBbox, in its own 32-bit unsigned arithmetic: runs are visited in
// pairs (a 0-run ending where a 1-run starts, the 1-run's last pixel), and a 1-run
// that starts in one column and ends in a later one widens the box to full height.
Box rle_to_bbox(RleView rle) {
  const std::uint32_t h = rle.height, w = rle.width;
  const std::size_t m = rle.counts.size() / 2 * 2;
  if (m == 0 || h == 0) return {};  // h == 0: maskApi would divide by zero
  std::uint32_t xs = w, ys = h, xe = 0, ye = 0, cc = 0, xp = 0;
  // x = t / h and y = t % h, tracking the column instead of dividing: consecutive run
  // ends are mostly in the same or the next column (a division per run was most of the cost).
  std::uint32_t col = 0, col_start = 0;  // col_start = col * h <= t of the last lookup
  for (std::size_t j = 0; j < m; ++j) {
    cc += rle.counts[j];
    const std::uint32_t t = cc - static_cast<std::uint32_t>(j % 2);
    if (t >= col_start && t - col_start < h) {
    } else if (t >= col_start && t - col_start - h < h) {
      ++col;
      col_start += h;
    } else {  // far ahead, or behind (a 0-length run, or t wrapped below 0 as in maskApi's uint)
      col = t / h;
      col_start = col * h;
    }
    const std::uint32_t y = t - col_start, x = col;
    if (j % 2 == 0) {
      xp = x;
    } else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = std::min(xs, x);
    xe = std::max(xe, x);
    ys = std::min(ys, y);
    ye = std::max(ye, y);
  }
  // xe - xs + 1 in uint, as maskApi stores it (only odd runs can make it wrap).
  return {double(xs), double(ys), double(std::uint32_t(xe - xs + 1)), double(std::uint32_t(ye - ys + 1))};
}

// maskApi.c rleMerge: the same walk, so the output runs are split the same way
// (the split matters to rle_to_bbox). A mask that runs out of counts early reads
// as 0s to the end instead of looping forever.
Rle rle_merge(std::span<const RleView> rles, bool intersect) {
  if (rles.empty()) return {};
  Rle acc{rles[0].height, rles[0].width, {rles[0].counts.begin(), rles[0].counts.end()}};
  std::vector<std::uint32_t> out;
  for (std::size_t i = 1; i < rles.size(); ++i) {
    const RleView b = rles[i];
    if (b.height != acc.height || b.width != acc.width) return {};  // maskApi: h = w = m = 0
    RunCursor ca(acc.counts), cb(b.counts);
    out.clear();
    bool v = false;
    std::uint64_t cc = 0;
    for (bool more = true; more;) {
      const std::uint64_t c = joint_step(ca, cb);
      cc += c;
      ca.consume(c);
      cb.consume(c);
      more = ca.left + cb.left > 0;
      const bool vp = v;
      v = intersect ? (ca.value && cb.value) : (ca.value || cb.value);
      if (v != vp || !more) {
        out.push_back(static_cast<std::uint32_t>(cc));
        cc = 0;
      }
    }
    acc.counts.assign(out.begin(), out.end());
  }
  return acc;
}

// maskApi's loop ends as soon as both masks sit on an empty run at once (`ct == 0`),
// which masks with empty runs inside can do before the last pixel: the counts are
// then those of the pixels walked so far, as in pycocotools. The crowd union is
// rleArea(dt), the whole detection, whatever the walk saw.
IouCounts rle_iou_counts(RleView dt, RleView gt, bool crowd) {
  IouCounts r;
  RunCursor a(dt.counts), b(gt.counts);
  for (bool more = true; more;) {
    const std::uint64_t c = joint_step(a, b);
    if (a.value || b.value) {
      r.union_ += c;
      if (a.value && b.value) r.intersection += c;
    }
    a.consume(c);
    b.consume(c);
    more = a.left + b.left > 0;
  }
  if (crowd) r.union_ = rle_area(dt);  // rleIou: rleArea(dt) when i > 0
  return r;
}

double rle_iou(RleView dt, RleView gt, bool crowd) {
  // rleIou computes boxes first and only counts pixels where bbIou > 0.
  if (!(box_iou(rle_to_bbox(dt), rle_to_bbox(gt), crowd) > 0)) return 0.0;
  if (dt.height != gt.height || dt.width != gt.width) return -1.0;
  return iou_from_counts(rle_iou_counts(dt, gt, crowd));
}

// COCO's compressed counts: each value (the count, or for i > 2 its difference
// with the count two back) in little-endian groups of 5 bits, one character
// per group: 48 + bits, plus 0x20 when another group follows; the last group's
// 0x10 bit is the sign.
std::string rle_to_string(RleView rle) {
  std::string s;
  s.reserve(rle.counts.size() * 2);
  for (std::size_t i = 0; i < rle.counts.size(); ++i) {
    std::int64_t x = rle.counts[i];
    if (i > 2) x -= rle.counts[i - 2];
    for (bool more = true; more;) {
      char c = static_cast<char>(x & 0x1f);
      x >>= 5;  // arithmetic: negative differences end at -1
      more = (c & 0x10) ? x != -1 : x != 0;
      if (more) c |= 0x20;
      s.push_back(static_cast<char>(c + 48));
    }
  }
  return s;
}

namespace {

bool check_total(std::uint64_t sum, std::uint32_t height, std::uint32_t width, std::string& error) {
  const std::uint64_t n = std::uint64_t{height} * width;
  if (n > kMaxRun) {
    error = "mask of " + std::to_string(height) + " x " + std::to_string(width) +
            " pixels exceeds RLE's 32-bit counts";
    return false;
  }
  if (sum != n) {
    error = "counts sum to " + std::to_string(sum) + ", expected h*w = " + std::to_string(n);
    return false;
  }
  return true;
}

}  // namespace

std::size_t rle_string_length(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) n += ((static_cast<unsigned char>(ch) - 48u) & 0x20u) == 0;  // values end without 0x20
  return n;
}

namespace detail {

std::size_t rle_decode_explained(std::string_view s, std::uint32_t height, std::uint32_t width,
                                 std::uint32_t* counts, std::size_t n, std::string& error) {
  std::uint64_t sum = 0;
  std::size_t p = 0, m = 0;
  while (p < s.size()) {
    const std::size_t start = p;
    std::int64_t x = 0;
    int k = 0;
    for (bool more = true; more; ++k) {
      if (p == s.size()) {
        error = "value starting at offset " + std::to_string(start) + " is truncated";
        return kBadRle;
      }
      const unsigned char ch = static_cast<unsigned char>(s[p]);
      if (ch < 48 || ch > 111) {
        error = std::string("character '") + static_cast<char>(ch) + "' at offset " + std::to_string(p) +
                " is outside the RLE alphabet";
        if (ch < 32 || ch >= 127) error = "byte " + std::to_string(ch) + " at offset " + std::to_string(p) +
                                          " is outside the RLE alphabet";
        return kBadRle;
      }
      if (k >= 12) {  // 60 bits: far beyond any 32-bit count
        error = "value starting at offset " + std::to_string(start) + " is too long";
        return kBadRle;
      }
      const int c = ch - 48;
      x |= static_cast<std::int64_t>(c & 0x1f) << (5 * k);
      more = (c & 0x20) != 0;
      ++p;
      if (!more && (c & 0x10)) x |= static_cast<std::int64_t>(-1) * (std::int64_t{1} << (5 * (k + 1)));
    }
    if (m == n) {  // only when the caller's buffer is too small
      error = "more values than the buffer holds";
      return kBadRle;
    }
    if (m > 2) x += counts[m - 2];
    if (x < 0 || static_cast<std::uint64_t>(x) > kMaxRun) {
      error = "count " + std::to_string(m) + " (ending at offset " + std::to_string(p) + ") is " +
              std::to_string(x) + ", outside 0..2^32-1";
      return kBadRle;
    }
    counts[m++] = static_cast<std::uint32_t>(x);
    sum += static_cast<std::uint64_t>(x);
  }
  return check_total(sum, height, width, error) ? m : kBadRle;
}

// Most values of a mask's string are one character (a small difference with the
// count two back): eight characters at a time are checked and, up to the first that
// continues a value, decoded without a branch per character.
std::size_t rle_decode_fast(std::string_view s, std::uint64_t pixels, std::uint32_t* counts, std::size_t n) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const char* c = s.data();
  const std::size_t len = s.size();
  std::size_t p = 0, m = 0;
  std::int64_t back2 = 0, back1 = 0;  // counts[m - 2], counts[m - 1]
  std::uint64_t sum = 0, out_of_range = 0;
  auto put = [&](std::int64_t x) {
    if (m > 2) x += back2;
    out_of_range |= static_cast<std::uint64_t>(x) >> 32;  // below 0 or above 2^32-1
    counts[m++] = static_cast<std::uint32_t>(x);
    sum += static_cast<std::uint32_t>(x);
    back2 = back1;
    back1 = x;
  };
  auto one_value = [&]() -> bool {  // any length, the explained decoder's arithmetic
    std::int64_t x = 0;
    for (int k = 0;; ++k) {
      if (p == len || k >= 12 || m == n) return false;
      const unsigned ch = static_cast<unsigned char>(c[p++]);
      if (ch < 48 || ch > 111) return false;
      const int v = static_cast<int>(ch) - 48;
      x |= static_cast<std::int64_t>(v & 0x1f) << (5 * k);
      if (!(v & 0x20)) {
        if (v & 0x10) x |= static_cast<std::int64_t>(-1) * (std::int64_t{1} << (5 * (k + 1)));
        put(x);
        return true;
      }
    }
  };
  while (m < 3 && p < len)
    if (!one_value()) return kBadRle;
  // Eight characters as one little-endian word (the first is the low byte).
  while (std::endian::native == std::endian::little && p + 8 <= len && m + 8 <= n) {
    std::uint64_t w;
    std::memcpy(&w, c + p, 8);
    // Any byte below 48 or above 111 (outside the alphabet)?
    if (((w - kOnes * 48) & ~w & kHigh) | (((w + kOnes * (127 - 111)) | w) & kHigh)) return kBadRle;
    const std::uint64_t d = w - kOnes * 48;
    const std::uint64_t more = d & (kOnes * 0x20);  // characters that continue their value
    const int singles = std::countr_zero(more) >> 3;  // 8 when none continues
    auto single = [&](int k) {  // a one-character value: 5 bits, sign in 0x10
      put(static_cast<std::int8_t>(static_cast<std::uint8_t>(d >> (8 * k)) << 3) >> 3);
    };
    if (singles == 8) {
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) single(k);
    } else {
      for (int k = 0; k < singles; ++k) single(k);
    }
    p += static_cast<std::size_t>(singles);
    if (singles < 8 && !one_value()) return kBadRle;
  }
  while (p < len)
    if (!one_value()) return kBadRle;
  return out_of_range || sum != pixels || pixels > kMaxRun ? kBadRle : m;
}

}  // namespace detail

std::size_t rle_from_string_into(std::string_view s, std::uint32_t height, std::uint32_t width,
                                 std::uint32_t* counts, std::size_t n, std::string& error) {
  const std::size_t m = detail::rle_decode_fast(s, std::uint64_t{height} * width, counts, n);
  return m != kBadRle ? m : detail::rle_decode_explained(s, height, width, counts, n, error);
}

RleView RleStore::view(std::size_t i, std::vector<std::uint32_t>& scratch) const {
  if (!is_compressed(i)) return (*this)[i];
  const std::string_view s = compressed(i);
  if (scratch.size() < s.size()) scratch.resize(s.size());  // no pass to count the values first
  std::string error;
  std::size_t n = rle_from_string_into(s, height_[i], width_[i], scratch.data(), scratch.size(), error);
  if (n == kBadRle) n = 0;
  return {height_[i], width_[i], std::span<const std::uint32_t>(scratch.data(), n)};
}

bool rle_from_string(std::string_view s, std::uint32_t height, std::uint32_t width, Rle& out, std::string& error) {
  std::vector<std::uint32_t> counts(rle_string_length(s));  // exactly sized: masks add up at COCO scale
  if (rle_from_string_into(s, height, width, counts.data(), counts.size(), error) == kBadRle) return false;
  out.height = height;
  out.width = width;
  out.counts = std::move(counts);
  return true;
}

bool rle_from_counts(std::span<const std::uint64_t> counts, std::uint32_t height, std::uint32_t width, Rle& out,
                     std::string& error) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > kMaxRun) {
      error = "count " + std::to_string(i) + " is " + std::to_string(counts[i]) + ", above 2^32-1";
      return false;
    }
    sum += counts[i];
  }
  if (!check_total(sum, height, width, error)) return false;
  out.height = height;
  out.width = width;
  out.counts.assign(counts.begin(), counts.end());
  return true;
}

Rle rle_from_polygons(std::span<const std::span<const double>> polygons, std::uint32_t height,
                      std::uint32_t width) {
  if (polygons.empty()) return rle_from_polygon({}, height, width);
  std::vector<Rle> parts;
  parts.reserve(polygons.size());
  for (auto p : polygons) parts.push_back(rle_from_polygon(p, height, width));
  if (parts.size() == 1) return std::move(parts[0]);
  std::vector<RleView> views(parts.begin(), parts.end());
  return rle_merge(views, false);
}

Rle rle_from_box(const Box& box, std::uint32_t height, std::uint32_t width) {
  // rleFrBbox: the box's corners as a 4-point polygon, in this order.
  const double xs = box.x, xe = xs + box.w, ys = box.y, ye = ys + box.h;
  const double xy[8] = {xs, ys, xs, ye, xe, ye, xe, ys};
  return rle_from_polygon(xy, height, width);
}

}  // namespace deteval
