// Internal helpers for reading JSON with located errors (not installed).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "limits.hpp"

namespace deteval::detail {

using nlohmann::json;

// kMaxJsonDepth: the deepest nesting allowed before parsing (COCO needs 5): refusing deeper
// input up front bounds the parser's memory and time on hostile files.

/// Parses `text` (the content of `file`); throws InputError with line and column
/// for syntax errors, empty input or nesting deeper than kMaxJsonDepth.
json parse_json(std::string_view text, const std::string& file);

/// "an object", "an array", "a string", "a number", "true", "null", ...: what was found.
std::string describe(const json& v);

/// A JSON path: `images[3].id`.
std::string path_key(const std::string& base, std::string_view key);
std::string path_index(const std::string& base, std::size_t i);

/// Integer ids: JSON integers, or floats with an integral value (Python writes 1.0
/// for some ids); anything else throws InputError naming the path.
std::int64_t get_id(const json& v, const std::string& file, const std::string& path);
/// A finite number.
double get_number(const json& v, const std::string& file, const std::string& path);
/// 0/1/true/false.
bool get_flag(const json& v, const std::string& file, const std::string& path);

}  // namespace deteval::detail
