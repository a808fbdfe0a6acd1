// Warnings about the inputs (formats/coco_checks.hpp and the like): printed on stderr
// as `deteval: warning: ...`, or with --strict turned into one error (exit 3) before
// anything is written.
#pragma once

#include <string>
#include <vector>

namespace deteval::cli {

/// Prints each warning, or with `strict` throws an InputError listing them all.
void report_warnings(const std::vector<std::string>& warnings, bool strict);

}  // namespace deteval::cli
