// The part of --analyze's text that COCO and VOC/DOTA print alike: the operating point
// at the score threshold, the best F1, and the error breakdown.
#pragma once

#include <string>

#include "deteval/analysis.hpp"

namespace deteval::cli {

/// "%.3f" of a value, or "-" where it is undefined (NaN, or pycocotools' -1 marker).
std::string value3(double v);
/// "%+.3f" of a change, or "-" where it is undefined (NaN).
std::string delta3(double v);

/// Prints the counts at the score threshold, the best-F1 point and the error table.
/// `metric` names what dAP is measured in ("AP50", "area mAP") and `metric_value` the
/// label of its value ("AP50 = 0.512", "mAP area = 0.498").
void print_operating_point_and_errors(const Analysis& a, const std::string& metric, const std::string& metric_value);

}  // namespace deteval::cli
