// Fuzz target: what a competition board does with a student's submission: read it as COCO
// results against the task's ground truth, split it, and score both parts with every metric
// (COCO AP, VOC07, VOC12 through to_voc). The board's operator-side text inputs (deadline,
// grade scale, metric name) are fed the same bytes.
#include <string>
#include <string_view>

#include "score.hpp"
#include "deteval/board/board.hpp"
#include "deteval/board/time.hpp"
#include "deteval/formats/coco.hpp"
#include "fuzz.hpp"

using namespace deteval;

namespace {

// A small task: images of several sizes, every kind of annotation (crowd, tiny, large).
const char* kGt = R"({"images":[{"id":1,"width":64,"height":48},{"id":2,"width":100,"height":100},
{"id":3,"width":8,"height":8},{"id":4,"width":1,"height":1},{"id":5,"width":640,"height":480}],
"categories":[{"id":1,"name":"person"},{"id":2,"name":"car"},{"id":3,"name":"dog"}],
"annotations":[
{"id":1,"image_id":1,"category_id":1,"bbox":[10,10,20,20],"area":400,"segmentation":[[10,10,30,10,30,30,10,30]]},
{"id":2,"image_id":2,"category_id":2,"bbox":[0,0,100,100],"iscrowd":1,"segmentation":{"size":[100,100],"counts":[0,10000]}},
{"id":3,"image_id":3,"category_id":3,"bbox":[1,1,2,2],"segmentation":[[1,1,3,1,3,3,1,3]]},
{"id":4,"image_id":5,"category_id":1,"bbox":[100,100,200,150],"segmentation":[[100,100,300,100,300,250]]},
{"id":5,"image_id":5,"category_id":1,"bbox":[110,90,200,150],"segmentation":[[110,90,310,90,310,240,110,240]]}]})";

struct Task {
  GroundTruth gt[2];  // bbox, segm
  std::vector<std::uint8_t> keep[2];
  Task() {
    gt[0] = parse_coco_gt(kGt, "gt.json", IouType::bbox);
    gt[1] = parse_coco_gt(kGt, "gt.json", IouType::segm);
    const std::vector<std::uint8_t> pub = board::compute_split(gt[0], 0.5, 42);
    keep[0] = pub;
    keep[1] = pub;
    for (auto& k : keep[1]) k = !k;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Task task;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (size <= 256) {
    const std::string s(text);
    (void)board::parse_iso8601(s);
    fuzz::refused_or_ok([&] { (void)board::parse_metric(s); });
    fuzz::refused_or_ok([&] {
      for (const auto& level : board::parse_grade_scale(s)) FUZZ_CHECK(!level.label.empty());
    });
  }
  for (int t = 0; t < 2; ++t) {
    const IouType type = t ? IouType::segm : IouType::bbox;
    Detections dt;
    if (!fuzz::refused_or_ok([&] { dt = parse_coco_results(text, "submission.json", task.gt[t], type); })) continue;
    if (dt.size() > 500) continue;  // scoring cost, not the reader's
    for (const auto& keep : task.keep) {
      for (auto kind : {board::ScoreKind::coco, board::ScoreKind::voc07, board::ScoreKind::voc12}) {
        if (t == 1 && kind != board::ScoreKind::coco) continue;  // VOC metrics score boxes
        const board::SplitScore s = board::score_split(task.gt[t], dt, keep, type, kind);
        if (s.score) FUZZ_CHECK(*s.score >= -1.0 && *s.score <= 1.0);
      }
    }
  }
  return 0;
}
