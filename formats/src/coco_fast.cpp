#include "coco_fast.hpp"

#include <simdjson.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <string_view>
#include <vector>

#include "deteval/mask.hpp"
#include "json_split.hpp"
#include "limits.hpp"

namespace deteval::detail {

namespace {
namespace od = simdjson::ondemand;
#include "coco_fast_results.inc"
}  // namespace

bool fast_parse_coco_results(JsonBuffer& text, const GroundTruth& gt, IouType type, Detections& out,
                             ResultsReport& report, std::size_t parts, AreaFrom area_from, bool keep_unknown) {
  return parse(text, gt, type, out, report, parts, area_from, keep_unknown);
}

}  // namespace deteval::detail
