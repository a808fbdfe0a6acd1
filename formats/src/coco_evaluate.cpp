// evaluate_coco: the one call from two COCO files to an evaluation.
#include "deteval/formats/coco.hpp"

namespace deteval {

CocoEvaluation evaluate_coco(const std::string& gt_path, const std::string& dt_path, const Params& params,
                             const EvalOptions& options, const CocoReadOptions& read_options) {
  CocoEvaluation out;
  out.gt = read_coco_gt(gt_path, params.iou_type, read_options);
  out.dt = read_coco_results(dt_path, out.gt, params.iou_type, &out.report, read_options);
  out.eval = evaluate(out.gt, out.dt, params, options);
  return out;
}

}  // namespace deteval
