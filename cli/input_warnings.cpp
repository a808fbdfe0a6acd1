#include "input_warnings.hpp"

#include <iostream>

#include "deteval/formats/error.hpp"

namespace deteval::cli {

void report_warnings(const std::vector<std::string>& warnings, bool strict) {
  if (warnings.empty()) return;
  if (!strict) {
    for (const auto& w : warnings) std::cerr << "deteval: warning: " << w << "\n";
    return;
  }
  // One line each, as main() prints the last: "deteval: error: ...".
  std::string all;
  for (std::size_t i = 0; i < warnings.size(); ++i)
    all += (i ? "\ndeteval: error: " : "") + warnings[i] + " (an error with --strict)";
  throw Error(ErrorKind::input, all);
}

}  // namespace deteval::cli
