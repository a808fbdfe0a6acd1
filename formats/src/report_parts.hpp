// Internal: pieces of the HTML report (report_html.cpp) that other reports reuse, so that
// every report looks alike (not installed).
#pragma once

#include <cstdint>
#include <string>

namespace deteval::detail {

/// The report's style sheet (inside <style>).
const char* report_css();
/// A numeric table cell shown as `shown`, exact in data-v, column name in data-col.
std::string report_num_td(double v, const std::string& col, const std::string& shown);
std::string report_int_td(std::uint64_t v, const std::string& col);
/// %.17g (NaN for non-finite values): the exact value of a data-v attribute.
std::string report_g17(double v);

}  // namespace deteval::detail
