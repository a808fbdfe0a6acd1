// Fuzz target: the COCO results reader (parse_coco_results) against a small fixed ground
// truth, for every IoU type; accepted results are evaluated and summarised. For bbox and
// segm the simdjson fast path, when it accepts a file, must give exactly what the DOM
// reader gives (the fast path's promise).
#include <string_view>
#include <vector>

#include "coco_fast.hpp"
#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"
#include "deteval/summary.hpp"
#include "fuzz.hpp"

using namespace deteval;

namespace {

// The images and categories of fixtures/coco/basic_mixed_sizes (whose results files, and
// others with image ids 1..8, are seeds), tiny images, and one annotation of each kind.
const char* kGt = R"({"images":[{"id":1,"width":524,"height":446},{"id":2,"width":480,"height":640},
{"id":3,"width":524,"height":460},{"id":4,"width":300,"height":400},{"id":5,"width":454,"height":591},
{"id":6,"width":640,"height":427},{"id":7,"width":375,"height":500},{"id":8,"width":640,"height":360},
{"id":9,"width":1,"height":1},{"id":10,"width":8,"height":8},{"id":11,"width":5,"height":3}],
"categories":[{"id":1,"name":"person"},{"id":2,"name":"car"},{"id":3,"name":"dog"}],
"annotations":[
{"id":1,"image_id":1,"category_id":1,"bbox":[10,10,50,40],"area":2000,"iscrowd":0,
 "segmentation":[[10,10,60,10,60,50,10,50]],"poly":[10,10,60,10,60,50,10,50],"rbox":[35,30,50,40,0.3]},
{"id":2,"image_id":10,"category_id":2,"bbox":[1,1,4,4],"iscrowd":1,
 "segmentation":{"size":[8,8],"counts":[9,4,4,4,4,4,4,4,4,4,19]},"poly":[1,1,5,1,3,5],"rbox":[3,3,4,4,1]},
{"id":3,"image_id":9,"category_id":3,"bbox":[0,0,1,1],
 "segmentation":{"size":[1,1],"counts":"01"},"poly":[0,0,1,0,1,1,0,1],"rbox":[0.5,0.5,1,1,0]}]})";

struct Fixed {
  GroundTruth gt[4];
  Fixed() {
    for (IouType t : {IouType::bbox, IouType::segm, IouType::rotated, IouType::polygon}) {
#if !DETEVAL_FUZZ_MASKS
      if (t == IouType::segm) continue;
#endif
      gt[static_cast<int>(t)] = parse_coco_gt(kGt, "gt.json", t);
    }
  }
};

void expect_same(const Detections& a, const Detections& b) {
  FUZZ_CHECK(a.image == b.image);
  FUZZ_CHECK(a.category == b.category);
  // Bitwise: NaN never gets this far (scores and boxes must be finite).
  FUZZ_CHECK(a.score == b.score);
  FUZZ_CHECK(a.box == b.box);
  FUZZ_CHECK(a.area == b.area);
  FUZZ_CHECK(a.masks.size() == b.masks.size());
  std::vector<std::uint32_t> sa, sb;
  for (std::size_t i = 0; i < a.masks.size(); ++i) {
    const RleView x = a.masks.view(i, sa), y = b.masks.view(i, sb);  // compressed ones decoded
    FUZZ_CHECK(x.height == y.height && x.width == y.width);
    FUZZ_CHECK(std::equal(x.counts.begin(), x.counts.end(), y.counts.begin(), y.counts.end()));
  }
}

void run(std::string_view text, const GroundTruth& gt, IouType type) {
  ResultsReport report;
  Detections dt;
  if (!fuzz::refused_or_ok([&] { dt = parse_coco_results(text, "dt.json", gt, type, &report); })) return;
  FUZZ_CHECK(dt.image.size() == dt.size() && dt.category.size() == dt.size() && dt.box.size() == dt.size() &&
             dt.area.size() == dt.size());
  FUZZ_CHECK(dt.masks.size() == (type == IouType::segm ? dt.size() : 0));
  std::vector<std::uint32_t> scratch;
  for (std::size_t j = 0; j < dt.masks.size(); ++j) {  // every mask, compressed or not, is h x w
    const RleView m = dt.masks.view(j, scratch);
    std::uint64_t sum = 0;
    for (std::uint32_t c : m.counts) sum += c;
    FUZZ_CHECK(sum == std::uint64_t{m.height} * m.width);
  }
  for (std::size_t j = 0; j < dt.size(); ++j) FUZZ_CHECK(dt.image[j] < gt.images.size() && dt.category[j] < gt.categories.size());
  if (type == IouType::bbox || type == IouType::segm) {
    ResultsReport r2;
    Detections fast;
    // Cut into 1 to 4 parts, so that the fuzzer also aims cuts at strings and nested values.
    detail::JsonBuffer buffer(text);
    const bool taken = detail::fast_parse_coco_results(buffer, gt, type, fast, r2, 1 + text.size() % 4);
    if (!taken) FUZZ_CHECK(buffer.view() == text);  // declined: the text is back as it was
    if (taken) {
      Detections dom;
      FUZZ_CHECK(fuzz::refused_or_ok([&] { dom = detail::parse_results_dom(text, "dt.json", gt, type, &report); }));
      expect_same(fast, dom);
      FUZZ_CHECK(report.dropped_unknown_category == r2.dropped_unknown_category);
    }
  }
  if (dt.size() > 200) return;  // evaluation cost, not the reader's
  if (type == IouType::segm && !DETEVAL_FUZZ_SEGM_EVAL) return;  // no mask IoU provider in this build
  Params params;
  params.iou_type = type;
  const Evaluation e = evaluate(gt, dt, params);
  (void)summarize(e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixed fixed;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
#if !DETEVAL_FUZZ_MASKS
  // Until the mask library is linked, inputs that would rasterise or decode a mask are skipped.
  if (text.find("segmentation") != text.npos || text.find("\\u") != text.npos) return 0;
#endif
  for (IouType t : {IouType::bbox, IouType::segm, IouType::rotated, IouType::polygon}) {
#if !DETEVAL_FUZZ_MASKS
    if (t == IouType::segm) continue;
#endif
    run(text, fixed.gt[static_cast<int>(t)], t);
  }
  return 0;
}
