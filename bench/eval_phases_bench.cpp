// The evaluation's phases (cells, IoU, matching, accumulation) without the reading:
// both files are read once, then `evaluate` runs `repeats` times and the best time of
// each phase is printed. For work on one phase, where end-to-end runs are too noisy.
//
//   eval_phases_bench GT.json RESULTS.json bbox|segm [repeats] [threads]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "deteval/evaluate.hpp"
#include "deteval/formats/coco.hpp"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s GT.json RESULTS.json bbox|segm [repeats] [threads]\n", argv[0]);
    return 2;
  }
  using namespace deteval;
  const IouType type = std::string(argv[3]) == "segm" ? IouType::segm : IouType::bbox;
  const int repeats = argc > 4 ? std::atoi(argv[4]) : 5;
  EvalOptions options;
  options.threads = argc > 5 ? std::atoi(argv[5]) : 0;
  options.device = Device::cpu;
  const GroundTruth gt = read_coco_gt(argv[1], type);
  const Detections dt = read_coco_results(argv[2], gt, type);
  Params params;
  params.iou_type = type;
  EvalTimings best{1e30, 1e30, 1e30, 1e30};
  for (int i = 0; i < repeats; ++i) {
    const Evaluation e = evaluate(gt, dt, params, options);
    best.cells = std::min(best.cells, e.timings.cells);
    best.iou = std::min(best.iou, e.timings.iou);
    best.matching = std::min(best.matching, e.timings.matching);
    best.accumulation = std::min(best.accumulation, e.timings.accumulation);
  }
  std::printf("best of %d (s): cells %.4f | iou %.4f | matching %.4f | accumulation %.4f\n", repeats, best.cells,
              best.iou, best.matching, best.accumulation);
}
