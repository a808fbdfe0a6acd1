// Parsing of option values shared by subcommands (lists, area ranges). Throws UsageError.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deteval/params.hpp"

namespace deteval::cli {

/// "0.5,0.75" -> {0.5, 0.75}
std::vector<double> parse_number_list(const std::string& text, const std::string& option);
/// "1,10,100" -> {1, 10, 100}
std::vector<int> parse_int_list(const std::string& text, const std::string& option);
/// "1,2,3" -> ids, or "@FILE": the ids in FILE, separated by commas, spaces or newlines
std::vector<std::int64_t> parse_id_list(const std::string& text, const std::string& option);
/// "all:0:1e10,small:0:1024" -> ranges
std::vector<AreaRange> parse_area_ranges(const std::string& text, const std::string& option);

}  // namespace deteval::cli
