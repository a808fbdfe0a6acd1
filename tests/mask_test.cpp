#include "deteval/mask.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "deteval/iou_provider.hpp"
#include "deteval/detail/mask_intervals.hpp"
#include "deteval/detail/rle_string.hpp"
#include "deteval/mask_iou.hpp"
#include "mask_gen.hpp"

namespace deteval {
namespace {

// ---------------------------------------------------------------- helpers

struct Bitmap {
  std::uint32_t h = 0, w = 0;
  std::vector<std::uint8_t> px;  // column-major
  std::uint8_t& at(std::uint32_t x, std::uint32_t y) { return px[std::size_t{x} * h + y]; }
};

/// Random masks with structure: a few rectangles, optional noise, sometimes empty/full.
Bitmap random_bitmap(std::mt19937& rng, std::uint32_t h, std::uint32_t w) {
  Bitmap b{h, w, std::vector<std::uint8_t>(std::size_t{h} * w, 0)};
  const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
  if (kind == 0) return b;  // empty
  if (kind == 1) {
    std::fill(b.px.begin(), b.px.end(), 1);
    return b;
  }
  std::uniform_int_distribution<std::uint32_t> X(0, w - 1), Y(0, h - 1);
  const int rects = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int r = 0; r < rects; ++r) {
    std::uint32_t x0 = X(rng), x1 = X(rng), y0 = Y(rng), y1 = Y(rng);
    if (x0 > x1) std::swap(x0, x1);
    if (y0 > y1) std::swap(y0, y1);
    for (std::uint32_t x = x0; x <= x1; ++x)
      for (std::uint32_t y = y0; y <= y1; ++y) b.at(x, y) = 1;
  }
  if (kind >= 7) {  // speckle: runs that cross column boundaries, single pixels
    std::bernoulli_distribution flip(kind == 9 ? 0.5 : 0.02);
    for (auto& p : b.px)
      if (flip(rng)) p = !p;
  }
  return b;
}

std::pair<std::uint32_t, std::uint32_t> random_size(std::mt19937& rng) {
  switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
    case 0: return {1, 1};
    case 1: return {1, 4000};
    case 2: return {4000, 1};
    case 3: return {std::uniform_int_distribution<std::uint32_t>(1, 8)(rng),
                    std::uniform_int_distribution<std::uint32_t>(1, 8)(rng)};
    default: return {std::uniform_int_distribution<std::uint32_t>(1, 200)(rng),
                     std::uniform_int_distribution<std::uint32_t>(1, 300)(rng)};
  }
}

/// rleToBbox's answer computed on the bitmap: the tight box, except that a run of
/// set pixels continuing from the bottom of one column to the top of the next
/// makes the box full height (for canonical runs that is the tight box too).
Box bitmap_bbox(const Bitmap& b) {
  std::uint32_t xs = b.w, xe = 0, ys = b.h, ye = 0;
  bool any = false, wraps = false;
  for (std::uint32_t x = 0; x < b.w; ++x)
    for (std::uint32_t y = 0; y < b.h; ++y) {
      const std::size_t i = std::size_t{x} * b.h + y;
      if (!b.px[i]) continue;
      any = true;
      xs = std::min(xs, x), xe = std::max(xe, x), ys = std::min(ys, y), ye = std::max(ye, y);
      if (y == b.h - 1 && i + 1 < b.px.size() && b.px[i + 1]) wraps = true;
    }
  if (!any) return {};
  if (wraps) ys = 0, ye = b.h - 1;
  return {double(xs), double(ys), double(xe - xs + 1), double(ye - ys + 1)};
}

Rle encode(const Bitmap& b) { return rle_encode(b.px.data(), b.h, b.w); }

Bitmap decode(RleView r) {
  Bitmap b{r.height, r.width, std::vector<std::uint8_t>(std::size_t{r.height} * r.width)};
  rle_decode(r, b.px.data());
  return b;
}

Rle from_string(std::string_view s, std::uint32_t h, std::uint32_t w) {
  Rle r;
  std::string error;
  EXPECT_TRUE(rle_from_string(s, h, w, r, error)) << error;
  return r;
}

// ---------------------------------------------------------------- properties

TEST(MaskProperty, EncodeDecodeAreaBboxStringRoundTrip) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 3000; ++i) {
    auto [h, w] = random_size(rng);
    const Bitmap b = random_bitmap(rng, h, w);
    const Rle r = encode(b);
    ASSERT_EQ(decode(r).px, b.px);
    std::uint64_t sum = 0;
    for (auto c : r.counts) sum += c;
    ASSERT_EQ(sum, std::uint64_t{h} * w);
    for (std::size_t j = 1; j < r.counts.size(); ++j) ASSERT_GT(r.counts[j], 0u);  // canonical
    ASSERT_EQ(rle_area(r), std::uint64_t(std::count(b.px.begin(), b.px.end(), 1)));
    ASSERT_EQ(rle_to_bbox(r), bitmap_bbox(b)) << h << "x" << w;
    ASSERT_EQ(from_string(rle_to_string(r), h, w), r);
  }
}

TEST(MaskProperty, IouMatchesBitmapCounts) {
  std::mt19937 rng(777);
  for (int i = 0; i < 3000; ++i) {
    auto [h, w] = random_size(rng);
    const Bitmap a = random_bitmap(rng, h, w), b = random_bitmap(rng, h, w);
    std::uint64_t inter = 0, uni = 0, area_a = 0;
    for (std::size_t p = 0; p < a.px.size(); ++p) {
      inter += a.px[p] && b.px[p];
      uni += a.px[p] || b.px[p];
      area_a += a.px[p];
    }
    const Rle ra = encode(a), rb = encode(b);
    const IouCounts c = rle_iou_counts(ra, rb, false);
    ASSERT_EQ(c.intersection, inter);
    ASSERT_EQ(c.union_, uni);
    ASSERT_EQ(rle_iou_counts(ra, rb, true).union_, area_a);
    ASSERT_EQ(rle_iou(ra, rb, false), inter == 0 ? 0.0 : double(inter) / double(uni));
    ASSERT_EQ(rle_iou(ra, rb, true), inter == 0 ? 0.0 : double(inter) / double(area_a));
  }
}

TEST(MaskProperty, MergeMatchesBitmapUnionAndIntersection) {
  std::mt19937 rng(4242);
  for (int i = 0; i < 2000; ++i) {
    auto [h, w] = random_size(rng);
    const int n = std::uniform_int_distribution<int>(2, 4)(rng);
    std::vector<Bitmap> bs;
    std::vector<Rle> rs;
    for (int k = 0; k < n; ++k) {
      bs.push_back(random_bitmap(rng, h, w));
      rs.push_back(encode(bs.back()));
    }
    std::vector<RleView> views(rs.begin(), rs.end());
    for (bool intersect : {false, true}) {
      Bitmap want = bs[0];
      for (int k = 1; k < n; ++k)
        for (std::size_t p = 0; p < want.px.size(); ++p)
          want.px[p] = intersect ? (want.px[p] && bs[k].px[p]) : (want.px[p] || bs[k].px[p]);
      const Rle got = rle_merge(views, intersect);
      ASSERT_EQ(got.height, h);
      ASSERT_EQ(got.width, w);
      // Merging canonical masks gives the canonical encoding (so rle_to_bbox agrees too).
      ASSERT_EQ(got, encode(want));
    }
  }
}

// ---------------------------------------------------------------- known values

TEST(MaskKnown, CompressedRleFromConformanceData) {
  // (size, counts, area, bbox) of RLE annotations in /work/shared/conformance/coco/*/gt.json,
  // whose area is the pixel count and bbox the tight mask box.
  struct Case {
    std::uint32_t h, w;
    const char* counts;
    std::uint64_t area;
    Box box;
  };
  const Case cases[] = {
      {479, 471, "Wi^63h>7L2N2N2N2N101O0O10001O0000O101O001N101N2N2N3M5Hnj1", 410, {442, 23, 25, 22}},
      {360, 640, "Pcn33o:<G3M3N2010O1O001N2N2M6CVkm2", 226, {360, 18, 13, 24}},
      {618, 337, "ii72Wc03N1N100000O3N1MhTn5", 45, {12, 575, 9, 7}},
      {427, 640, "UgU81X=4M3M03N2Nid2", 32, {627, 272, 6, 9}},
  };
  for (const Case& c : cases) {
    const Rle r = from_string(c.counts, c.h, c.w);
    EXPECT_EQ(rle_area(r), c.area) << c.counts;
    EXPECT_EQ(rle_to_bbox(r), c.box) << c.counts;
    EXPECT_EQ(rle_to_string(r), c.counts);
    const Bitmap b = decode(r);
    EXPECT_EQ(encode(b), r);
    EXPECT_EQ(bitmap_bbox(b), c.box);
  }
}

TEST(MaskKnown, UncompressedCrowdRleFromConformanceData) {
  // custom_iou_thresholds annotation 38 (iscrowd), 640 x 480.
  const std::vector<std::uint64_t> counts = {
      155688, 38,  591, 60,  573, 74,  561, 84,  553, 90,  547, 96,  543, 98,  541, 114, 527, 122,
      519,    127, 515, 129, 514, 130, 514, 128, 519, 123, 526, 116, 535, 106, 533, 108, 532, 108,
      533,    107, 530, 109, 522, 117, 516, 122, 513, 125, 512, 125, 513, 124, 515, 120, 519, 115,
      526,    107, 534, 104, 538, 100, 544, 93,  551, 84,  563, 70,  580, 51,  130336};
  Rle r;
  std::string error;
  ASSERT_TRUE(rle_from_counts(counts, 640, 480, r, error)) << error;
  EXPECT_EQ(r.counts.size(), counts.size());
  EXPECT_EQ(rle_area(r), 3524u);
  EXPECT_EQ(rle_to_bbox(r), (Box{243, 137, 34, 145}));
}

TEST(MaskKnown, BboxQuirkForRunsAcrossColumns) {
  // 4 x 3: column 0 rows 2-3 and column 1 row 0 are one run -> full height (which
  // is also the tight box: such a run covers the last row and the first).
  const Rle r{4, 3, {2, 3, 7}};
  EXPECT_EQ(rle_to_bbox(r), (Box{0, 0, 2, 4}));
  const Rle split{4, 3, {2, 2, 0, 1, 7}};  // the same pixels as two runs
  EXPECT_EQ(rle_to_bbox(split), (Box{0, 0, 2, 4}));
  // A zero-length 1-run reports the pixel before its position (rows 4..9, not 8..9):
  // the box depends on how the runs are split, as in maskApi.
  const Rle ghost{10, 1, {5, 0, 3, 2}};
  EXPECT_EQ(rle_to_bbox(ghost), (Box{0, 4, 1, 6}));
  EXPECT_EQ(rle_area(ghost), 2u);
  EXPECT_EQ(rle_to_bbox(Rle{5, 5, {25}}), Box{});
  EXPECT_EQ(rle_to_bbox(Rle{0, 0, {}}), Box{});
}

TEST(MaskKnown, EncodeEdgeCases) {
  EXPECT_EQ(rle_encode(nullptr, 0, 0), (Rle{0, 0, {0}}));
  const std::uint8_t ones[3] = {1, 7, 255};  // any nonzero byte is set
  EXPECT_EQ(rle_encode(ones, 3, 1), (Rle{3, 1, {0, 3}}));
}

TEST(MaskKnown, MergeEdgeCases) {
  EXPECT_EQ(rle_merge({}), Rle{});
  const Rle a{2, 2, {1, 2, 1}}, b{2, 2, {0, 1, 3}};
  const RleView one[] = {a};
  EXPECT_EQ(rle_merge(one), a);
  const RleView ab[] = {a, b};
  EXPECT_EQ(rle_merge(ab), (Rle{2, 2, {0, 3, 1}}));
  EXPECT_EQ(rle_merge(ab, true), (Rle{2, 2, {4}}));
  const Rle other{4, 1, {4}};
  const RleView mixed[] = {a, other};
  EXPECT_EQ(rle_merge(mixed), Rle{});  // maskApi: sizes differ -> h = w = 0, no counts
}

TEST(MaskKnown, IouPrefilterSizesAndCrowd) {
  const Rle a{4, 4, {5, 2, 9}};       // column 1 rows 1-2
  const Rle b{4, 4, {6, 3, 7}};       // column 1 rows 2-3, column 2 row 0
  EXPECT_EQ(rle_iou(a, b, false), 1.0 / 4.0);
  EXPECT_EQ(rle_iou(a, b, true), 1.0 / 2.0);  // crowd: union = detection area
  const Rle far{4, 4, {14, 2}};       // column 3 rows 2-3
  EXPECT_EQ(rle_iou(a, far, false), 0.0);
  const Rle small{2, 2, {1, 3}};      // box overlaps a's box, sizes differ
  EXPECT_EQ(rle_iou(a, small, false), -1.0);
  const Rle small_far{2, 8, {14, 2}};  // sizes differ but boxes apart: rleIou gives 0
  EXPECT_EQ(rle_iou(a, small_far, false), 0.0);
  // Counts that do not sum to h*w (never from the readers, which check): no hang,
  // the shorter mask reads as 0s.
  const Rle five{1, 5, {0, 5}}, short3{1, 5, {1, 2}};
  const IouCounts c = rle_iou_counts(five, short3, false);
  EXPECT_EQ(c.intersection, 2u);
  EXPECT_EQ(c.union_, 5u);
  const IouCounts c2 = rle_iou_counts(short3, five, false);
  EXPECT_EQ(c2.intersection, 2u);
  EXPECT_EQ(c2.union_, 5u);
  const RleView bad[] = {five, short3};
  EXPECT_EQ(rle_merge(bad), five);
  EXPECT_EQ(rle_merge(bad, true), (Rle{1, 5, {1, 2, 2}}));
  EXPECT_EQ(iou_from_counts({0, 0}), 0.0);
  EXPECT_EQ(iou_from_counts({3, 4}), 0.75);
}

// maskApi's rleIou loop runs while `ct = ca + cb > 0`: when both masks sit on an
// empty run at once, before the last pixel, it stops there. Valid RLE (counts sum to
// h*w), just not what `encode` writes. The crowd union is still rleArea(dt), all of it.
TEST(MaskKnown, IouStopsWhereBothMasksSitOnEmptyRuns) {
  const Rle dt{1, 10, {0, 5, 0, 0, 2, 3}};  // 1s at [0, 5) and [7, 10)
  const Rle gt{1, 10, {0, 5, 0, 5}};        // 1s at [0, 10)
  // pycocotools: after the 5 ones both masks turn to an empty run: i = 5, u = 5.
  const IouCounts c = rle_iou_counts(dt, gt, false);
  EXPECT_EQ(c.intersection, 5u);
  EXPECT_EQ(c.union_, 5u);
  EXPECT_EQ(rle_iou(dt, gt, false), 1.0);
  const IouCounts crowd = rle_iou_counts(dt, gt, true);
  EXPECT_EQ(crowd.intersection, 5u);
  EXPECT_EQ(crowd.union_, 8u);  // rleArea(dt), not the 5 pixels walked
  EXPECT_EQ(rle_iou(dt, gt, true), 5.0 / 8.0);
  // An empty run in one mask only changes nothing: the other keeps the loop going.
  const Rle canonical{1, 10, {0, 10}};
  const IouCounts one = rle_iou_counts(dt, canonical, false);
  EXPECT_EQ(one.intersection, 8u);
  EXPECT_EQ(one.union_, 10u);
}

// ---------------------------------------------------------------- string / counts errors

TEST(MaskString, KnownEncodings) {
  // Counts and deltas (for i > 2) in 5-bit groups with continuation and sign.
  EXPECT_EQ(rle_to_string(Rle{1, 100, {0, 100}}), "0T3");            // 100 = 4 + 3 * 32
  EXPECT_EQ(rle_to_string(Rle{1, 40, {10, 5, 20, 5}}), ":5d00");  // 20 has the sign bit: 2 chars; delta 0
  EXPECT_EQ(rle_to_string(Rle{1, 21, {10, 5, 4, 2}}), ":54M");      // delta 2 - 5 = -3 -> 'M'
  EXPECT_EQ(from_string(":54M", 1, 21), (Rle{1, 21, {10, 5, 4, 2}}));
  EXPECT_EQ(from_string("", 0, 7), (Rle{0, 7, {}}));
}

TEST(MaskString, ErrorsAreReportedNotCrashed) {
  Rle r;
  std::string error;
  EXPECT_FALSE(rle_from_string("0T3x", 1, 100, r, error));
  EXPECT_NE(error.find("outside the RLE alphabet"), std::string::npos) << error;
  EXPECT_NE(error.find("offset 3"), std::string::npos) << error;
  EXPECT_FALSE(rle_from_string(std::string_view("0T\0", 3), 1, 100, r, error));
  EXPECT_FALSE(rle_from_string("0T", 1, 100, r, error));  // 'T' has the continuation bit
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  EXPECT_FALSE(rle_from_string("0T3", 1, 120, r, error));
  EXPECT_EQ(error, "counts sum to 100, expected h*w = 120");
  EXPECT_FALSE(rle_from_string("", 2, 2, r, error));
  // A delta that makes a count negative: 10, 5, 10, then 5 + (-11).
  EXPECT_FALSE(rle_from_string(":5:E", 1, 100, r, error));
  EXPECT_NE(error.find("outside 0..2^32-1"), std::string::npos) << error;
  // 2^32 does not fit a count ('0'+0 with continuation x6, then 4 = 2^32 / 2^30).
  EXPECT_FALSE(rle_from_string("PPPPPP4", 1, 1, r, error));
  EXPECT_NE(error.find("outside 0..2^32-1"), std::string::npos) << error;
  // An endless continuation is refused, not shifted out of range.
  EXPECT_FALSE(rle_from_string(std::string(40, 'o'), 1, 1, r, error));
  // Fuzz: no input may crash; anything accepted must round-trip to the same counts.
  std::mt19937 rng(99);
  for (int i = 0; i < 3000; ++i) {
    std::string s(std::uniform_int_distribution<int>(0, 12)(rng), ' ');
    for (auto& c : s) c = static_cast<char>(std::uniform_int_distribution<int>(40, 115)(rng));
    Rle out;
    if (rle_from_string(s, 1, std::uniform_int_distribution<std::uint32_t>(0, 3000)(rng), out, error))
      EXPECT_EQ(from_string(rle_to_string(out), out.height, out.width), out);
  }
}

// rle_from_string_into decodes with a fast decoder and asks the explaining one only
// when the fast one refuses: both must accept exactly the same strings, with the
// same counts. Strings from real masks (long, mostly one-character values), then
// mutated: any byte, insertions, deletions, truncation, wrong sizes, small buffers.
TEST(MaskString, FastDecoderAcceptsWhatTheExplainedOneAccepts) {
  std::mt19937 rng(8080);
  int accepted = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::uint32_t h = 1 + rng() % 300, w = 1 + rng() % 300;
    Rle r = test::random_rle(rng, h, w, 1 + rng() % 400, rng() % 4 == 0);
    if (rng() % 8 == 0 && r.counts.size() > 3) r.counts[3] = 0xffffffffu - rng() % 3;  // long values, bad sums
    std::string text = rle_to_string(r);
    std::uint32_t th = h, tw = w;
    switch (rng() % 8) {
      case 0: break;  // valid
      case 1: if (!text.empty()) text[rng() % text.size()] = static_cast<char>(rng() % 256); break;
      case 2: if (!text.empty()) text[rng() % text.size()] = static_cast<char>(48 + rng() % 64); break;
      case 3: text.insert(rng() % (text.size() + 1), 1, static_cast<char>(48 + rng() % 64)); break;
      case 4: if (!text.empty()) text.erase(rng() % text.size(), 1); break;
      case 5: text.resize(rng() % (text.size() + 1)); break;
      case 6: tw = w + 1; break;
      default: text += std::string(1 + rng() % 20, static_cast<char>(rng() % 2 ? 'o' : '0')); break;
    }
    const std::size_t capacity = rng() % 6 == 0 ? rng() % (r.counts.size() + 2) : text.size();
    std::vector<std::uint32_t> fast(capacity + 1, 7), explained(capacity + 1, 7);
    std::string error;
    const std::size_t a = detail::rle_decode_fast(text, std::uint64_t{th} * tw, fast.data(), capacity);
    const std::size_t b = detail::rle_decode_explained(text, th, tw, explained.data(), capacity, error);
    ASSERT_EQ(a, b) << i << ": '" << text << "' " << th << "x" << tw << " capacity " << capacity << ": " << error;
    if (b == kBadRle) {
      EXPECT_FALSE(error.empty());
      ++refused;
      continue;
    }
    ++accepted;
    ASSERT_TRUE(std::equal(fast.begin(), fast.begin() + a, explained.begin())) << i;
  }
  EXPECT_GT(accepted, 1500);
  EXPECT_GT(refused, 4000);
}

TEST(MaskString, CountsValidation) {
  Rle r;
  std::string error;
  const std::vector<std::uint64_t> ok = {3, 0, 2, 1};
  ASSERT_TRUE(rle_from_counts(ok, 2, 3, r, error)) << error;
  EXPECT_EQ(r, (Rle{2, 3, {3, 0, 2, 1}}));  // runs kept as given (they matter to toBbox)
  const std::vector<std::uint64_t> short_ = {3, 2};
  EXPECT_FALSE(rle_from_counts(short_, 2, 3, r, error));
  EXPECT_EQ(error, "counts sum to 5, expected h*w = 6");
  const std::vector<std::uint64_t> huge = {std::uint64_t{1} << 32, 0};
  EXPECT_FALSE(rle_from_counts(huge, 65536, 65536, r, error));
  const std::vector<std::uint64_t> big = {0xffffffffu, 1};
  EXPECT_FALSE(rle_from_counts(big, 65536, 65536, r, error));  // h*w beyond 32-bit RLE
}

// ---------------------------------------------------------------- polygons

TEST(MaskPolygon, AxisAlignedSquare) {
  // [1,4] x [1,3] upsampled: x 5..20, y 5..15. The horizontal edges cross pixel
  // columns 1, 2, 3 at upsampled x = 7, 12, 17; y 5 -> row ceil(0.6) = 1 and
  // y 15 -> row ceil(2.6) = 3. So columns 1-3, rows 1-2.
  const double sq[] = {1, 1, 4, 1, 4, 3, 1, 3};
  const Rle r = rle_from_polygon(sq, 6, 6);
  EXPECT_EQ(r, (Rle{6, 6, {7, 2, 4, 2, 4, 2, 15}}));
  EXPECT_EQ(rle_area(r), 6u);
  EXPECT_EQ(rle_to_bbox(r), (Box{1, 1, 3, 2}));
  // rleFrBbox builds the same square from the box.
  EXPECT_EQ(rle_from_box(Box{1, 1, 3, 2}, 6, 6), r);
  // Half-pixel corners: x 3..13 crosses 7 and 12, y 3 -> row ceil(0.2) = 1, y 13 -> ceil(2.2) = 3.
  const double half[] = {0.5, 0.5, 2.5, 0.5, 2.5, 2.5, 0.5, 2.5};
  EXPECT_EQ(rle_from_polygon(half, 4, 4), (Rle{4, 4, {5, 2, 2, 2, 5}}));
}

TEST(MaskPolygon, Triangle) {
  // (0,0), (4,0), (0,4): the hypotenuse (walked right to left, slope -1) toggles
  // column X at row 3 - X; the top edge at row 0. Column 3 toggles twice at row 0
  // and stays empty: the pixels whose centres lie strictly inside.
  const double tri[] = {0, 0, 4, 0, 0, 4};
  const Rle r = rle_from_polygon(tri, 5, 5);
  EXPECT_EQ(r, (Rle{5, 5, {0, 3, 2, 2, 3, 1, 14}}));
  const Bitmap b = decode(r);
  for (std::uint32_t x = 0; x < 5; ++x)
    for (std::uint32_t y = 0; y < 5; ++y) EXPECT_EQ(b.px[x * 5 + y], x + y + 1.0 < 4.0) << x << "," << y;
}

TEST(MaskPolygon, ConformancePolygons) {
  // Expected runs from a transliteration of maskApi.c rleFrPoly run on these
  // annotations of /work/shared/conformance/coco (basic_mixed_sizes id 1, a 446 x 524
  // image; crowd_regions id 3, two parts, 479 x 471).
  const double p1[] = {425.77, 261.06, 423.63, 264.93, 421.01, 263.92, 419.45, 258.63,
                       419.86, 252.16, 422.0,  248.3,  424.62, 249.31, 426.18, 254.6};
  const Rle r1 = rle_from_polygon(p1, 446, 524);
  EXPECT_EQ(rle_to_string(r1), "kgf52f=9K4N1O00N5KR^Z1");
  EXPECT_EQ(rle_area(r1), 83u);

  const double a[] = {232.3, 39.75, 225.61, 59.11, 209.14, 64.54, 198.22, 57.83,
                      188.73, 37.73, 198.94, 25.57, 216.36, 19.01, 224.58, 24.53};
  const double b[] = {231.62, 82.4, 216.21, 103.52, 196.35, 101.14, 189.92, 82.43, 215.85, 73.74};
  const Rle ra = rle_from_polygon(a, 479, 471), rb = rle_from_polygon(b, 479, 471);
  EXPECT_EQ(rle_to_string(ra),
            "X^h22l>3L4M4L3M3M3L4M3M3M2O001N101N2O001N101O0O100O01000O0101O001N2O001N2O002M3L4K5K5K5K5K^h_3");
  EXPECT_EQ(rle_to_string(rb),
            "dnh22m>3M3L4M3M2M4M000O2O000O10000O10001N10000O10000O101OO2N1N3N1O2M2O2M2O2N2M2O2N1N3NoU`3");
  EXPECT_EQ(rle_area(ra), 1336u);
  EXPECT_EQ(rle_area(rb), 796u);
  const std::span<const double> parts[] = {a, b};
  const Rle both = rle_from_polygons(parts, 479, 471);
  const RleView views[] = {ra, rb};
  EXPECT_EQ(both, rle_merge(views));
  EXPECT_EQ(rle_area(both), 1336u + 796u);  // disjoint parts
}

TEST(MaskPolygon, DegenerateAndHostileInput) {
  const Rle empty{5, 5, {25}};
  EXPECT_EQ(rle_from_polygon({}, 5, 5), empty);
  const double one[] = {2, 2};
  EXPECT_EQ(rle_from_polygon(one, 5, 5), empty);
  const double odd[] = {1, 1, 4, 1, 4, 3, 1, 3, 99};  // the odd last value is ignored (k = n / 2)
  const double even[] = {1, 1, 4, 1, 4, 3, 1, 3};
  EXPECT_EQ(rle_from_polygon(odd, 6, 6), rle_from_polygon(even, 6, 6));
  // Two points: the segment is walked there and back, every toggle cancels.
  const double seg[] = {0.3, 0.2, 4.1, 3.7};
  EXPECT_EQ(rle_from_polygon(seg, 5, 5), empty);
  // A repeated vertex (a zero-length edge with maskApi's 0/0 slope) changes nothing.
  const double dup[] = {0, 0, 4, 0, 4, 0, 0, 4};
  const double tri[] = {0, 0, 4, 0, 0, 4};
  EXPECT_EQ(rle_from_polygon(dup, 5, 5), rle_from_polygon(tri, 5, 5));
  // NaN: nothing; huge and infinite coordinates are clamped, without huge work.
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const double with_nan[] = {0, 0, nan, 1, 3, 3};
  EXPECT_EQ(rle_from_polygon(with_nan, 5, 5), empty);
  const double cover[] = {-1e300, -1e300, inf, -1e12, 1e12, 1e12, -inf, 1e300};
  EXPECT_EQ(rle_from_polygon(cover, 5, 5), (Rle{5, 5, {0, 25}}));
  const double far[] = {-5e7, 2.5, 5e7, 2.5, 5e7, 3.5, -5e7, 3.5};  // a long thin band
  const Rle band = rle_from_polygon(far, 6, 4);
  EXPECT_EQ(rle_area(band), 4u);
  EXPECT_EQ(rle_to_bbox(band), (Box{0, 3, 4, 1}));
  // Empty images.
  EXPECT_EQ(rle_from_polygon(even, 0, 5), (Rle{0, 5, {0}}));
  EXPECT_EQ(rle_from_box(Box{0, 0, 3, 3}, 5, 0), (Rle{5, 0, {0}}));
}

/// rleFrPoly done the long way, as maskApi.c does it: every upsampled point of every
/// edge materialised, the kept ones sorted. rle_from_polygon visits only the points
/// that can be kept; this is what it must equal.
Rle polygon_the_long_way(std::span<const double> xy, std::uint32_t h, std::uint32_t w) {
  auto to_int = [](double v) {  // C's (int) on x86-64, NaN included
    return v > -2147483649.0 && v < 2147483648.0 ? static_cast<int>(v) : std::numeric_limits<int>::min();
  };
  const std::size_t k = xy.size() / 2;
  std::vector<int> x(k + 1), y(k + 1), u, v;
  for (std::size_t j = 0; j < k; ++j) x[j] = to_int(5 * xy[2 * j] + .5), y[j] = to_int(5 * xy[2 * j + 1] + .5);
  x[k] = x[0], y[k] = y[0];
  for (std::size_t j = 0; j < k; ++j) {
    int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
    const int dx = std::abs(xe - xs), dy = std::abs(ys - ye);
    const bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) std::swap(xs, xe), std::swap(ys, ye);
    const double slope = dx >= dy ? static_cast<double>(ye - ys) / dx : static_cast<double>(xe - xs) / dy;
    for (int d = 0, n = std::max(dx, dy); d <= n; ++d) {
      const int t = flip ? n - d : d;
      u.push_back(dx >= dy ? t + xs : to_int(xs + slope * t + .5));
      v.push_back(dx >= dy ? to_int(ys + slope * t + .5) : t + ys);
    }
  }
  std::vector<std::uint32_t> a;
  for (std::size_t j = 1; j < u.size(); ++j) {
    if (u[j] == u[j - 1]) continue;
    const double xd = ((u[j] < u[j - 1] ? u[j] : u[j] - 1) + .5) / 5 - .5;
    if (std::floor(xd) != xd || xd < 0 || xd > w - 1.0) continue;
    const double yd = std::ceil(std::clamp(((v[j] < v[j - 1] ? v[j] : v[j - 1]) + .5) / 5 - .5, 0.0, double(h)));
    a.push_back(static_cast<std::uint32_t>(static_cast<int>(xd) * h + static_cast<int>(yd)));
  }
  a.push_back(h * w);
  std::sort(a.begin(), a.end());
  Rle r{h, w, {}};
  std::uint32_t prev = 0;
  for (std::size_t j = 0; j < a.size(); ++j) {
    const std::uint32_t run = a[j] - prev;
    prev = a[j];
    if (j > 0 && run == 0) {  // an empty run folds the next one into the run before it
      if (++j < a.size()) r.counts.back() += a[j] - prev, prev = a[j];
      continue;
    }
    r.counts.push_back(run);
  }
  return r;
}

TEST(MaskPolygon, RandomPolygonsEqualMaskApisWalk) {
  std::mt19937 rng(77);
  for (int i = 0; i < 3000; ++i) {
    const std::uint32_t h = 1 + rng() % 300, w = 1 + rng() % 300;
    const int kind = i % 4;
    std::vector<double> xy;
    if (kind == 3) {  // a star with many spikes: dozens of toggles in one column
      const double cx = w / 2.0, cy = h / 2.0, r = 0.1 + (rng() % 1000) / 1000.0 * std::max(h, w);
      const int spikes = 20 + static_cast<int>(rng() % 100);
      for (int j = 0; j < 2 * spikes; ++j) {
        const double angle = j * 3.14159265358979 / spikes, rad = j % 2 ? r : r * 0.2;
        xy.push_back(cx + rad * std::cos(angle) * 0.05);  // narrow: nearly vertical edges
        xy.push_back(cy + rad * std::sin(angle));
      }
    } else {
      std::uniform_real_distribution<double> X(-30, w + 30.0), Y(-30, h + 30.0);
      const int n = std::uniform_int_distribution<int>(2, kind == 2 ? 60 : 12)(rng);
      for (int j = 0; j < n; ++j) {
        double px = X(rng), py = Y(rng);
        if (kind == 1 && j > 0) px = xy[xy.size() - 2] + (rng() % 7) * 0.37 - 1.1;  // steep edges
        if (rng() % 10 == 0 && j > 0) px = xy[xy.size() - 2], py = xy[xy.size() - 1];  // repeated vertex
        if (rng() % 3 == 0) px = std::round(px * 2) / 2, py = std::round(py * 2) / 2;   // on pixel edges
        xy.push_back(px);
        xy.push_back(py);
      }
    }
    ASSERT_EQ(rle_from_polygon(xy, h, w), polygon_the_long_way(xy, h, w)) << "polygon " << i;
  }
}

TEST(MaskPolygon, RandomPolygonsAreCanonicalAndInsideTheImage) {
  std::mt19937 rng(2024);
  for (int i = 0; i < 1000; ++i) {
    const std::uint32_t h = std::uniform_int_distribution<std::uint32_t>(1, 80)(rng);
    const std::uint32_t w = std::uniform_int_distribution<std::uint32_t>(1, 80)(rng);
    std::uniform_real_distribution<double> X(-20, w + 20.0), Y(-20, h + 20.0);
    std::vector<double> xy(2 * std::uniform_int_distribution<int>(3, 12)(rng));
    for (std::size_t j = 0; j < xy.size(); j += 2) xy[j] = X(rng), xy[j + 1] = Y(rng);
    const Rle r = rle_from_polygon(xy, h, w);
    std::uint64_t sum = 0;
    for (auto c : r.counts) sum += c;
    ASSERT_EQ(sum, std::uint64_t{h} * w);
    for (std::size_t j = 1; j < r.counts.size(); ++j) ASSERT_GT(r.counts[j], 0u);
    ASSERT_EQ(encode(decode(r)), r);
  }
}

// ---------------------------------------------------------------- IoU provider

TEST(MaskIouProvider, MatchesRleIouPairwise) {
  std::mt19937 rng(31337);
  GroundTruth gt;
  Detections dt;
  const std::uint32_t sizes[][2] = {{40, 60}, {33, 20}};
  for (int i = 0; i < 30; ++i) {
    const auto* s = sizes[i % 2];
    const Rle r = encode(random_bitmap(rng, s[0], s[1]));
    gt.masks.push_back(r);
    gt.iscrowd.push_back(i % 5 == 0);
    gt.ann_id.push_back(i + 1);
  }
  for (int i = 0; i < 40; ++i) {
    const auto* s = sizes[(i / 3) % 2];
    dt.masks.push_back(encode(random_bitmap(rng, s[0], s[1])));
    dt.score.push_back(1);
  }
  // Two tasks over overlapping index sets, including pairs of different sizes.
  std::vector<std::uint32_t> d1(25), g1(18), d2 = {39, 0, 7}, g2 = {29, 3};
  for (std::uint32_t i = 0; i < d1.size(); ++i) d1[i] = i;
  for (std::uint32_t i = 0; i < g1.size(); ++i) g1[i] = 29 - i;
  std::vector<double> o1(d1.size() * g1.size(), 7), o2(d2.size() * g2.size(), 7), o3;
  const IouTask tasks[] = {{d1, g1, o1.data()}, {d2, g2, o2.data()}, {{}, g2, o3.data()}};
  auto provider = make_iou_provider(gt, dt, IouType::segm);
  ASSERT_TRUE(provider);
  EXPECT_EQ(provider->device(), "cpu");
  provider->compute(tasks);
  int minus_one = 0, counted = 0;
  for (const auto& [ds, gs, out] : {std::tuple{&d1, &g1, &o1}, std::tuple{&d2, &g2, &o2}})
    for (std::size_t d = 0; d < ds->size(); ++d)
      for (std::size_t g = 0; g < gs->size(); ++g) {
        const double want = rle_iou(dt.masks[(*ds)[d]], gt.masks[(*gs)[g]], gt.iscrowd[(*gs)[g]] != 0);
        ASSERT_EQ((*out)[d * gs->size() + g], want) << d << "," << g;
        minus_one += want == -1;
        counted += want > 0;
      }
  EXPECT_GT(minus_one, 0);
  EXPECT_GT(counted, 0);

  // The batch function on its own.
  const MaskPair pairs[] = {{0, 0, 0}, {0, 0, 1}, {3, 1, 0}};
  IouCounts counts[3];
  mask_iou_counts_cpu(dt.masks, gt.masks, pairs, counts);
  for (int k = 0; k < 3; ++k) {
    const IouCounts want = rle_iou_counts(dt.masks[pairs[k].dt], gt.masks[pairs[k].gt], pairs[k].crowd);
    EXPECT_EQ(counts[k].intersection, want.intersection);
    EXPECT_EQ(counts[k].union_, want.union_);
  }
}

// The CPU backend counts plain masks (no empty runs inside) from their intervals
// and other masks with maskApi's walk; either way the counts are rleIou's.
TEST(MaskIouCountsCpu, EqualsTheWalkForEveryPair) {
  auto expect_walk_counts = [](const RleStore& dts, const RleStore& gts, std::span<const MaskPair> pairs) {
    std::vector<IouCounts> got(pairs.size(), {~0ull, ~0ull});
    mask_iou_counts_cpu(dts, gts, pairs, got.data());
    std::vector<std::uint32_t> ds, gs;
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      const IouCounts want = rle_iou_counts(dts.view(pairs[k].dt, ds), gts.view(pairs[k].gt, gs), pairs[k].crowd);
      ASSERT_EQ(got[k].intersection, want.intersection) << "pair " << k;
      ASSERT_EQ(got[k].union_, want.union_) << "pair " << k;
    }
  };
  // Random runs over whole images, empty and full masks, empty runs inside, sizes up to 4000 x 4000.
  const test::StressBatch b = test::stress_batch(99);
  expect_walk_counts(b.dts, b.gts, b.pairs);

  // Overlapping shapes as detections see them: rectangles and their unions (several
  // intervals per column), shifted a little, some masks with empty runs inserted.
  std::mt19937 rng(4242);
  const std::uint32_t h = 61, w = 47;
  auto shape = [&] {
    std::uniform_int_distribution<std::uint32_t> X(0, w), Y(0, h);
    Bitmap bm{h, w, std::vector<std::uint8_t>(std::size_t{h} * w, 0)};
    for (int r = 0, n = 1 + static_cast<int>(rng() % 3); r < n; ++r) {
      std::uint32_t x0 = X(rng), x1 = X(rng), y0 = Y(rng), y1 = Y(rng);
      if (x0 > x1) std::swap(x0, x1);
      if (y0 > y1) std::swap(y0, y1);
      for (std::uint32_t x = x0; x < x1; ++x)
        for (std::uint32_t y = y0; y < y1; ++y) bm.at(x, y) = 1;
    }
    Rle r = rle_encode(bm.px.data(), h, w);
    if (rng() % 6 == 0 && r.counts.size() > 2) {  // split a run with an empty one: not plain
      const std::size_t k = 1 + rng() % (r.counts.size() - 1);
      const std::uint32_t part = r.counts[k] / 2;
      r.counts[k] -= part;
      r.counts.insert(r.counts.begin() + static_cast<std::ptrdiff_t>(k) + 1, {0u, part});
    }
    return r;
  };
  RleStore dts, gts;
  for (int i = 0; i < 300; ++i) {
    const Rle r = shape();
    if (i % 2) dts.push_back_compressed(rle_to_string(r), h, w);
    else dts.push_back(r);
  }
  for (int i = 0; i < 60; ++i) gts.push_back(shape());
  std::vector<MaskPair> pairs;
  for (std::uint32_t d = 0; d < 300; ++d)
    for (std::uint32_t g = 0; g < 60; g += 1 + rng() % 4) pairs.push_back({d, g, std::uint8_t(rng() % 4 == 0)});
  expect_walk_counts(dts, gts, pairs);
  std::shuffle(pairs.begin(), pairs.end(), rng);  // not grouped by detection
  expect_walk_counts(dts, gts, pairs);
}

// The interval overlap both mask backends count with (detail/mask_intervals.hpp).
TEST(MaskIntervals, IntersectionEdgeCases) {
  const auto intersection = detail::interval_intersection;
  // Boundaries: 1s at [2, 5) and [7, 9) against [4, 8).
  const std::uint32_t a[] = {2, 5, 7, 9, 10}, b[] = {4, 8, 10};
  EXPECT_EQ(intersection(a, 5, b, 3), 2u);  // [4,5) + [7,8)
  EXPECT_EQ(intersection(b, 3, a, 5), 2u);
  const std::uint32_t empty[] = {10}, full[] = {0, 10};
  EXPECT_EQ(intersection(empty, 1, full, 2), 0u);
  EXPECT_EQ(intersection(full, 2, full, 2), 10u);
  EXPECT_EQ(intersection(full, 2, a, 5), 5u);
  const std::uint32_t touching[] = {5, 7, 10};  // [5, 7) starts where a's first run ends
  EXPECT_EQ(intersection(a, 5, touching, 3), 0u);
  const std::uint32_t zero_runs[] = {0, 0, 0, 3, 3, 3, 4, 9, 10};  // empty runs of 1s at 0 and 3
  EXPECT_EQ(intersection(zero_runs, 9, full, 2), 8u);               // [0,3) + [4,9)
  EXPECT_EQ(intersection(zero_runs, 9, a, 5), 4u);  // [2,3) + [4,5) + [7,9)
}

TEST(MaskIouProvider, MissingMasksAreAnError) {
  GroundTruth gt;
  Detections dt;
  gt.ann_id = {1, 2};
  gt.iscrowd = {0, 0};
  gt.masks.push_back(Rle{1, 1, {1}});  // one of two
  try {
    make_iou_provider(gt, dt, IouType::segm);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input);
    EXPECT_NE(std::string(e.what()).find("mask"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace deteval

namespace deteval {
namespace {

// maskApi.c rleToBbox as written (a division per run end), for the column-tracking version.
Box bbox_by_division(const Rle& r) {
  const std::uint32_t h = r.height, w = r.width;
  const std::size_t m = r.counts.size() / 2 * 2;
  if (m == 0 || h == 0) return {};
  std::uint32_t xs = w, ys = h, xe = 0, ye = 0, cc = 0, xp = 0;
  for (std::size_t j = 0; j < m; ++j) {
    cc += r.counts[j];
    const std::uint32_t t = cc - static_cast<std::uint32_t>(j % 2), y = t % h, x = (t - y) / h;
    if (j % 2 == 0) xp = x;
    else if (xp < x) { ys = 0; ye = h - 1; }
    xs = std::min(xs, x); xe = std::max(xe, x); ys = std::min(ys, y); ye = std::max(ye, y);
  }
  return {double(xs), double(ys), double(std::uint32_t(xe - xs + 1)), double(std::uint32_t(ye - ys + 1))};
}

TEST(RleToBbox, EqualsMaskApisDivisionsOnAdversarialRuns) {
  std::mt19937 rng(11);
  for (int round = 0; round < 20000; ++round) {
    Rle r;
    r.height = 1 + rng() % (round % 3 == 0 ? 3 : 700);
    r.width = 1 + rng() % 700;
    const std::uint32_t n = 1 + rng() % 40;
    for (std::uint32_t j = 0; j < n; ++j) {
      const std::uint32_t kind = rng() % 8;  // zero runs, 1-pixel runs, column jumps, far jumps, wraps
      r.counts.push_back(kind == 0 ? 0 : kind == 1 ? 1 : kind == 2 ? r.height : kind == 3 ? 5 * r.height + 1
                         : kind == 4 ? 0xFFFFFFF0u : rng() % (2 * r.height + 1));
    }
    ASSERT_EQ(rle_to_bbox(r), bbox_by_division(r)) << "round " << round;
  }
}

}  // namespace
}  // namespace deteval

namespace deteval {
namespace {

TEST(RleStore, SharedStringsOutliveTheirBufferAndMixWithCopiedOnes) {
  Rle a{4, 3, {1, 5, 6}}, b{4, 3, {0, 12}};
  const std::string sa = rle_to_string(a), sb = rle_to_string(b);
  RleStore copy_of_store;
  {
    auto text = std::make_shared<char[]>(sa.size() + sb.size());
    std::copy(sa.begin(), sa.end(), text.get());
    std::copy(sb.begin(), sb.end(), text.get() + sa.size());
    std::shared_ptr<const char[]> shared = text;
    RleStore store;
    store.push_back_shared(std::string_view(text.get(), sa.size()), 4, 3, shared);
    store.push_back(b);
    store.push_back_shared(std::string_view(text.get() + sa.size(), sb.size()), 4, 3, shared);
    // A string in another text: that text is kept alive too (a reader shares several buffers).
    auto other = std::make_shared<char[]>(sb.size());
    std::copy(sb.begin(), sb.end(), other.get());
    store.push_back_shared(std::string_view(other.get(), sb.size()), 4, 3, std::shared_ptr<const char[]>(other));
    EXPECT_EQ(store.compressed(3).data(), other.get());  // shared, not copied
    EXPECT_EQ(other.use_count(), 2);
    copy_of_store = store;
  }  // the texts and the original store are gone: the copy keeps both texts alive
  ASSERT_EQ(copy_of_store.size(), 4u);
  std::vector<std::uint32_t> scratch;
  const std::vector<Rle> expect = {a, b, b, b};
  for (std::size_t i = 0; i < 4; ++i) {
    const RleView v = copy_of_store.view(i, scratch);
    EXPECT_TRUE(std::equal(v.counts.begin(), v.counts.end(), expect[i].counts.begin(), expect[i].counts.end())) << i;
  }
  EXPECT_EQ(copy_of_store.compressed(0), sa);
  RleStore appended;
  for (std::size_t i = 0; i < 4; ++i) appended.append(copy_of_store, i);
  EXPECT_EQ(appended.compressed(2), sb);
  EXPECT_EQ(appended.compressed(3), sb);
}

}  // namespace
}  // namespace deteval

namespace deteval {
namespace {

// maskApi.c rleIou's loop as written; false where it would never end (counts that do
// not sum to the same total), which the library defines separately.
bool mask_api_counts(const Rle& dt, const Rle& gt, IouCounts& out) {
  const auto& A = dt.counts;
  const auto& B = gt.counts;
  std::uint64_t ca = A[0], cb = B[0], i = 0, u = 0, ct = 1, steps = 0;
  std::size_t a = 1, b = 1;
  bool va = false, vb = false;
  while (ct > 0) {
    if (++steps > 100000) return false;
    const std::uint64_t c = std::min(ca, cb);
    if (va || vb) {
      u += c;
      if (va && vb) i += c;
    }
    ct = 0;
    ca -= c;
    if (!ca && a < A.size()) { ca = A[a++]; va = !va; }
    ct += ca;
    cb -= c;
    if (!cb && b < B.size()) { cb = B[b++]; vb = !vb; }
    ct += cb;
  }
  out.intersection = i;
  out.union_ = u;
  return true;
}

TEST(RleIouCounts, EqualsMaskApisLoopWithZeroRunsAndUnevenCounts) {
  std::mt19937 rng(5);
  int compared = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::uint32_t total = 1 + rng() % 200;
    auto make = [&] {
      Rle r{total, 1, {}};
      std::uint32_t left = total;
      while (left > 0) {
        const std::uint32_t c = rng() % 4 == 0 ? 0 : 1 + rng() % std::min<std::uint32_t>(left, 40);
        r.counts.push_back(std::min(c, left));
        left -= std::min(c, left);
      }
      if (rng() % 5 == 0) r.counts.push_back(0);                                // a trailing zero run
      if (rng() % 7 == 0 && r.counts.size() > 1) r.counts.back() += 1 + rng() % 3;  // sums differ
      return r;
    };
    const Rle dt = make(), gt = make();
    IouCounts expect;
    if (!mask_api_counts(dt, gt, expect)) continue;
    ++compared;
    const IouCounts got = rle_iou_counts(dt, gt, false);
    ASSERT_EQ(got.intersection, expect.intersection) << round;
    ASSERT_EQ(got.union_, expect.union_) << round;
    EXPECT_EQ(rle_iou_counts(dt, gt, true).union_, rle_area(dt));
  }
  EXPECT_GT(compared, 15000);
}

}  // namespace
}  // namespace deteval
