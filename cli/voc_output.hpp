// What `deteval voc` and `deteval dota` share: the --classes list and the per-class table.
#pragma once

#include <string>
#include <vector>

#include "deteval/voc.hpp"

namespace deteval::cli {

/// "a,b,c" -> {"a", "b", "c"}; throws UsageError on empty items.
std::vector<std::string> parse_class_list(const std::string& text);

/// One row per class (npos, TP, FP, 11-point AP, area AP; `-` without ground truth), then
/// both mAPs, on stdout.
void print_voc_table(const VocResult& result, const std::vector<std::string>& class_names);

}  // namespace deteval::cli
