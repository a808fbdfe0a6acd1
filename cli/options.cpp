#include "options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "deteval/formats/error.hpp"
#include "deteval/formats/file.hpp"

namespace deteval::cli {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) out.push_back(item);
  if (!text.empty() && text.back() == sep) out.emplace_back();
  return out;
}

double to_number(const std::string& s, const std::string& option) {
  if (s.empty()) throw UsageError(option + ": expected a number, got an empty value");
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || !std::isfinite(v))
    throw UsageError(option + ": expected a number, got '" + s + "'");
  return v;
}

}  // namespace

std::vector<double> parse_number_list(const std::string& text, const std::string& option) {
  std::vector<double> out;
  for (const auto& s : split(text, ',')) out.push_back(to_number(s, option));
  if (out.empty()) throw UsageError(option + ": expected a comma-separated list of numbers");
  return out;
}

std::vector<int> parse_int_list(const std::string& text, const std::string& option) {
  std::vector<int> out;
  for (const auto& s : split(text, ',')) {
    const double v = to_number(s, option);
    if (v != std::floor(v) || v < 1 || v > 1e9) throw UsageError(option + ": expected positive integers, got '" + s + "'");
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) throw UsageError(option + ": expected a comma-separated list of integers");
  return out;
}

std::vector<std::int64_t> parse_id_list(const std::string& text, const std::string& option) {
  std::string list = text;
  std::string source = option;
  if (!text.empty() && text[0] == '@') {
    source = option + " " + text;
    list = read_file(text.substr(1));
    for (char& c : list)
      if (c == '\n' || c == '\r' || c == '\t' || c == ' ') c = ',';
  }
  std::vector<std::int64_t> out;
  const bool from_file = source != option;
  for (const auto& s : split(list, ',')) {
    if (s.empty() && from_file) continue;  // runs of separators in a file
    if (s.empty()) throw UsageError(source + ": expected integer ids separated by commas, got an empty value");
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (*end != '\0' || errno == ERANGE) throw UsageError(source + ": expected an integer id, got '" + s + "'");
    out.push_back(v);
  }
  if (out.empty()) throw UsageError(source + ": expected at least one id");
  return out;
}

std::vector<AreaRange> parse_area_ranges(const std::string& text, const std::string& option) {
  std::vector<AreaRange> out;
  for (const auto& item : split(text, ',')) {
    auto parts = split(item, ':');
    if (parts.size() != 3 || parts[0].empty())
      throw UsageError(option + ": expected label:lo:hi, got '" + item + "'");
    out.push_back({parts[0], to_number(parts[1], option), to_number(parts[2], option)});
  }
  if (out.empty()) throw UsageError(option + ": expected label:lo:hi[,label:lo:hi...]");
  return out;
}

}  // namespace deteval::cli
