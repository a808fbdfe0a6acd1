#include "coco_fast.hpp"

#include <simdjson.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <deque>
#include <cmath>
#include <string_view>
#include <vector>

#include "deteval/mask.hpp"
#include "limits.hpp"

namespace deteval::detail {

namespace {
namespace od = simdjson::ondemand;
#include "coco_fast_results.inc"
}  // namespace

bool fast_parse_coco_results(const simdjson::padded_string& text, const GroundTruth& gt, IouType type,
                             Detections& out, ResultsReport& report) {
  return parse(text, gt, type, out, report);
}

}  // namespace deteval::detail
