#include "json_util.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "deteval/formats/error.hpp"

namespace deteval::detail {

namespace {

std::string line_col(std::string_view text, std::size_t byte) {
  if (byte > text.size()) byte = text.size();
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < byte; ++i) {
    if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

// Nesting depth of arrays/objects outside strings; stops early once past the limit.
std::size_t check_depth(std::string_view text, std::size_t limit, std::size_t& where) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) { where = i; return depth; }
    } else if (c == ']' || c == '}') {
      if (depth) --depth;
    }
  }
  return 0;
}

}  // namespace

// NaN and Infinity are what Python's json.dump writes for non-finite floats; JSON has no
// such literals. `byte` is where the parser stopped, inside or just after the literal.
static std::string non_json_number_hint(std::string_view text, std::size_t byte) {
  std::size_t begin = std::min(byte, text.size());
  while (begin > 0 && std::string_view("NaInfity-").find(text[begin - 1]) != std::string_view::npos) --begin;
  const std::string_view rest = text.substr(begin);
  if (!rest.starts_with("NaN") && !rest.starts_with("Infinity") && !rest.starts_with("-Infinity")) return "";
  return " (NaN and Infinity are not JSON; Python's json.dump writes them for non-finite floats: replace them "
         "with finite numbers, or pass allow_nan=False to find where they come from)";
}

json parse_json(std::string_view text, const std::string& file) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) throw InputError::whole(file, "expected JSON, got an empty file");
  std::size_t where = 0;
  if (check_depth(text, kMaxJsonDepth, where))
    throw InputError::at(file, line_col(text, where),
                         "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line..: "
    std::string what = e.what();
    std::size_t colon = what.find(": ", what.find("parse error"));
    std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
    if (detail.size() > 200) detail = detail.substr(0, 200) + "...";
    const std::size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    throw InputError::at(file, line_col(text, byte), "invalid JSON: " + detail + non_json_number_hint(text, byte));
  } catch (const json::out_of_range& e) {
    // A number beyond double's range (1e999): nlohmann gives no position, only the token.
    std::string what = e.what();
    const std::size_t open = what.find('\''), close = what.rfind('\'');
    const std::string token = open != std::string::npos && close > open ? what.substr(open + 1, close - open - 1) : "";
    const std::size_t at = token.empty() ? std::string_view::npos : text.find(token);
    const std::string where = at == std::string_view::npos ? "(number)" : line_col(text, at);
    throw InputError::at(file, where, "expected a finite number, got " + (token.empty() ? "an overflowing number" : token));
  } catch (const json::exception& e) {  // nothing else is documented for parse; never an internal error
    throw InputError::whole(file, std::string("invalid JSON: ") + e.what());
  }
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array of " + std::to_string(v.size());
    case json::value_t::string: {
      std::string s = v.get_ref<const std::string&>();
      if (s.size() > 40) s = s.substr(0, 40) + "...";
      return "the string \"" + s + "\"";
    }
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::null: return "null";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return v.dump();
    default: return "an unsupported value";
  }
}

std::string path_key(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}

std::string path_index(const std::string& base, std::size_t i) { return base + "[" + std::to_string(i) + "]"; }

std::int64_t get_id(const json& v, const std::string& file, const std::string& path) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      throw InputError::expected(file, path, "an integer id below 2^63", describe(v));
    return v.get<std::int64_t>();
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15)
      return static_cast<std::int64_t>(d);
  }
  throw InputError::expected(file, path, "an integer id", describe(v));
}

double get_number(const json& v, const std::string& file, const std::string& path) {
  if (!v.is_number()) throw InputError::expected(file, path, "a number", describe(v));
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw InputError::expected(file, path, "a finite number", describe(v));
  return d;
}

bool get_flag(const json& v, const std::string& file, const std::string& path) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer() && (v.get<std::int64_t>() == 0 || v.get<std::int64_t>() == 1))
    return v.get<std::int64_t>() == 1;
  throw InputError::expected(file, path, "0 or 1", describe(v));
}

}  // namespace deteval::detail
