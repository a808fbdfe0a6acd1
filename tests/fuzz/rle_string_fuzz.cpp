// Fuzz target: COCO's compressed RLE string codec. The fast and the explaining decoder
// accept the same strings with the same counts. Decode (rle_from_string), then
// re-encode (rle_to_string) and decode again: the same runs. Whatever decodes is a valid
// mask of the size asked for (counts sum to h*w), and what it decodes to is bounded.
//
// Input: 2 bytes of height selector, 2 of width selector, then the string.
#include <algorithm>
#include <string>
#include <vector>

#include "deteval/detail/rle_string.hpp"
#include "deteval/mask.hpp"
#include "fuzz.hpp"

using namespace deteval;

namespace {

// Mostly small masks (decodable to a bitmap), sometimes the sizes at the 32-bit edge.
std::uint32_t pick_size(std::uint16_t sel) {
  switch (sel >> 13) {
    case 7: {
      static const std::uint32_t edge[] = {0, 1, 65535, 65536, 100000, 1000000, 4294967295u, 2147483648u};
      return edge[sel & 7];
    }
    case 6: return sel & 0x1fff;  // up to 8191
    default: return (sel & 0x3f) + 1;  // 1..64
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Bytes in(data, size);
  const std::uint32_t h = pick_size(in.take<std::uint16_t>()), w = pick_size(in.take<std::uint16_t>());
  const std::string_view s = in.rest();
  std::string error;
  {
    std::vector<std::uint32_t> fast(s.size()), explained(s.size());
    const std::size_t a = detail::rle_decode_fast(s, std::uint64_t{h} * w, fast.data(), fast.size());
    const std::size_t b = detail::rle_decode_explained(s, h, w, explained.data(), explained.size(), error);
    FUZZ_CHECK(a == b);
    FUZZ_CHECK(b == kBadRle || std::equal(fast.begin(), fast.begin() + b, explained.begin()));
    error.clear();
  }
  Rle rle;
  if (!rle_from_string(s, h, w, rle, error)) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  const std::uint64_t n = std::uint64_t{h} * w;
  FUZZ_CHECK(n < (std::uint64_t{1} << 32));
  FUZZ_CHECK(rle.height == h && rle.width == w);
  std::uint64_t sum = 0;
  for (std::uint32_t c : rle.counts) sum += c;
  FUZZ_CHECK(sum == n);
  FUZZ_CHECK(rle_area(rle) <= n);

  // Re-encode, decode: the same runs; the canonical string is a fixed point.
  const std::string again = rle_to_string(rle);
  Rle back;
  FUZZ_CHECK(rle_from_string(again, h, w, back, error));
  FUZZ_CHECK(back.counts == rle.counts);
  FUZZ_CHECK(rle_to_string(back) == again);

  // The box lies inside the image (or is empty), for canonical runs. With empty runs after
  // the first (never written by pycocotools or rle_to_string of a bitmap) toBbox's arithmetic,
  // which rle_to_bbox keeps, can wrap around or step past the last column: a meaningless box,
  // the same as pycocotools gives, but no crash.
  const Box b = rle_to_bbox(rle);
  const bool empty_runs = std::find(rle.counts.begin() + (rle.counts.empty() ? 0 : 1), rle.counts.end(), 0u) !=
                          rle.counts.end();
  if (rle_area(rle) > 0 && !empty_runs) FUZZ_CHECK(b.x >= 0 && b.y >= 0 && b.x + b.w <= w && b.y + b.h <= h);

  // Small masks: the bitmap, encoded again, gives the same pixels and area.
  if (n <= (1u << 16)) {
    std::vector<std::uint8_t> bits(n), bits2(n);
    rle_decode(rle, bits.data());
    const Rle canon = rle_encode(bits.data(), h, w);
    FUZZ_CHECK(rle_area(canon) == rle_area(rle));
    rle_decode(canon, bits2.data());
    FUZZ_CHECK(bits == bits2);
    // rle_iou prefilters with rle_to_bbox, so the same caveat applies.
    if (!empty_runs) FUZZ_CHECK(rle_iou(rle, canon, false) == (rle_area(rle) ? 1.0 : 0.0));
  }
  return 0;
}
