// Helpers for the line-based text formats (VOC image sets and detection files, YOLO
// labels) and for parallel file reading with deterministic errors (not installed).
#pragma once

#include <tbb/parallel_for.h>

#include <charconv>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace deteval::detail {

inline std::string line_at(std::size_t n) { return "line " + std::to_string(n); }

inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

/// A token for a message: quoted, non-printable bytes escaped, long ones cut.
inline std::string quote(std::string_view t) {
  constexpr std::size_t kMax = 60;
  std::string out = "'";
  for (std::size_t i = 0; i < t.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(t[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  if (t.size() > kMax) out += "...";
  return out + "'";
}

/// A decimal number as Python's float() reads it (an optional '+' included). False when
/// the whole token is not one number; the caller checks finiteness.
inline bool parse_double(std::string_view t, double& out) {
  if (!t.empty() && t.front() == '+') {
    t.remove_prefix(1);
    if (!t.empty() && t.front() == '-') return false;  // "+-1"
  }
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out, std::chars_format::general);
  return ec == std::errc() && p == t.data() + t.size();
}

inline bool parse_int(std::string_view t, long long& out) {
  if (!t.empty() && t.front() == '+') {
    t.remove_prefix(1);
    if (!t.empty() && t.front() == '-') return false;
  }
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && p == t.data() + t.size();
}

template <class F>
inline void for_each_line(std::string_view text, F&& f) {
  std::size_t n = 0, pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    f(++n, text.substr(pos, end - pos));
    pos = end + 1;
  }
}

// Splits on runs of spaces and tabs; returns the number of fields (may exceed N).
template <std::size_t N>
inline std::size_t split(std::string_view line, std::string_view (&out)[N]) {
  std::size_t n = 0, i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i == line.size()) break;
    const std::size_t b = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (n < N) out[n] = line.substr(b, i - b);
    ++n;
  }
  return n;
}

/// Runs f(i) for i in [0, n) in parallel; rethrows the exception of the lowest i, so
/// that which error is reported does not depend on scheduling.
template <class F>
inline void parallel_for_first_error(std::size_t n, F&& f) {
  std::vector<std::exception_ptr> errors(n);
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) {
    try {
      f(i);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace deteval::detail
