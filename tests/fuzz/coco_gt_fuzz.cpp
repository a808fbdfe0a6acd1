// Fuzz target: the COCO ground-truth reader (parse_coco_gt), for every IoU type; the simdjson
// fast path and the DOM reader must agree.
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "coco_fast.hpp"
#include "deteval/formats/coco.hpp"
#include "fuzz.hpp"

using namespace deteval;

namespace {

void check(const GroundTruth& gt, IouType type) {
  const std::size_t n = gt.size();
  FUZZ_CHECK(gt.image.size() == n && gt.category.size() == n && gt.box.size() == n && gt.area.size() == n &&
             gt.iscrowd.size() == n);
  FUZZ_CHECK(gt.masks.size() == (type == IouType::segm ? n : 0));
  FUZZ_CHECK(gt.shapes.size() == (type == IouType::rotated || type == IouType::polygon ? n : 0));
  for (std::size_t j = 0; j < n; ++j) {
    FUZZ_CHECK(gt.image[j] < gt.images.size());
    FUZZ_CHECK(gt.category[j] < gt.categories.size());
  }
  for (std::size_t i = 1; i < gt.images.size(); ++i) FUZZ_CHECK(gt.images[i - 1].id < gt.images[i].id);
  for (std::size_t i = 1; i < gt.categories.size(); ++i) FUZZ_CHECK(gt.categories[i - 1].id < gt.categories[i].id);
  std::vector<std::uint32_t> scratch;
  for (std::size_t j = 0; j < gt.masks.size(); ++j) {
    const Image& im = gt.images[gt.image[j]];
    const RleView m = gt.masks.view(j, scratch);
    FUZZ_CHECK(m.height == static_cast<std::uint32_t>(im.height));
    FUZZ_CHECK(m.width == static_cast<std::uint32_t>(im.width));
    std::uint64_t sum = 0;
    for (std::uint32_t c : m.counts) sum += c;
    FUZZ_CHECK(sum == std::uint64_t(im.height) * std::uint64_t(im.width));
  }
}

// The simdjson fast path (bbox, segm), when it accepts a file, must give what the DOM reader
// gives: anything it declines is read again by the DOM reader, which explains what is wrong.
void check_fast_equals_dom(std::string_view text, IouType type) {
  GroundTruth fast;
  if (!detail::fast_parse_coco_gt(simdjson::padded_string(text), type, fast)) return;
  GroundTruth dom;
  FUZZ_CHECK(fuzz::refused_or_ok([&] { dom = detail::parse_gt_dom(text, "gt.json", type, {}); }));
  FUZZ_CHECK(fast.images.size() == dom.images.size() && fast.categories.size() == dom.categories.size());
  for (std::size_t i = 0; i < fast.images.size(); ++i)
    FUZZ_CHECK(fast.images[i].id == dom.images[i].id && fast.images[i].width == dom.images[i].width &&
               fast.images[i].height == dom.images[i].height && fast.images[i].file_name == dom.images[i].file_name);
  for (std::size_t i = 0; i < fast.categories.size(); ++i)
    FUZZ_CHECK(fast.categories[i].id == dom.categories[i].id && fast.categories[i].name == dom.categories[i].name);
  FUZZ_CHECK(fast.ann_id == dom.ann_id && fast.image == dom.image && fast.category == dom.category);
  FUZZ_CHECK(fast.box == dom.box && fast.area == dom.area && fast.iscrowd == dom.iscrowd);
  FUZZ_CHECK(fast.masks.size() == dom.masks.size());
  std::vector<std::uint32_t> sa, sb;
  for (std::size_t j = 0; j < fast.masks.size(); ++j) {
    const RleView a = fast.masks.view(j, sa), b = dom.masks.view(j, sb);
    FUZZ_CHECK(std::equal(a.counts.begin(), a.counts.end(), b.counts.begin(), b.counts.end()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (IouType type : {IouType::bbox, IouType::polygon, IouType::rotated}) {
    CocoReadOptions opt;
    opt.degrees = size % 2;
    fuzz::refused_or_ok([&] { check(parse_coco_gt(text, "gt.json", type, opt), type); });
  }
  check_fast_equals_dom(text, IouType::bbox);
#if DETEVAL_FUZZ_MASKS
  fuzz::refused_or_ok([&] { check(parse_coco_gt(text, "gt.json", IouType::segm), IouType::segm); });
  check_fast_equals_dom(text, IouType::segm);
#endif
  return 0;
}
