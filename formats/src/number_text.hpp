// Numbers as text for the text formats the converter writes (not installed).
#pragma once

#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <string>

namespace deteval::detail {

/// The shortest text that reads back as exactly `v`: "48" for integral values, "0.1",
/// "1e-07". -0 is written as "0".
inline std::string format_number(double v) {
  if (v == 0) return "0";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

/// `terms` summed exactly in decimal, as their shortest texts (format_number) read, and
/// rounded once to the nearest double. The VOC <-> COCO box mapping adds and subtracts 1
/// with it, so that 123.45 becomes 124.45 and back 123.45, not 123.45000000000002: round
/// trips are exact for every value of up to 15 significant digits. Falls back to double
/// arithmetic when the exponents are too far apart for 128-bit integers (never for pixels).
inline double decimal_sum(std::initializer_list<double> terms) {
  struct Dec {
    __int128 m = 0;
    int e = 0;
  };
  auto parse = [](double v, Dec& d) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    const char* p = buf;
    bool neg = false;
    if (p < r.ptr && *p == '-') neg = true, ++p;
    int digits = 0, frac = 0;
    bool dot = false;
    for (; p < r.ptr && *p != 'e'; ++p) {
      if (*p == '.') {
        dot = true;
        continue;
      }
      d.m = d.m * 10 + (*p - '0');
      ++digits;
      frac += dot;
    }
    d.e = -frac;
    if (p < r.ptr) d.e += std::atoi(p + 1);  // "e+20", "e-07"
    if (neg) d.m = -d.m;
    return digits <= 17;
  };
  auto pow10 = [](int n) {
    __int128 x = 1;
    while (n-- > 0) x *= 10;
    return x;
  };
  Dec acc;
  bool first = true;
  double fallback = 0;
  bool exact = true;
  for (double v : terms) {
    fallback += v;
    if (!exact) continue;
    Dec d;
    if (!parse(v, d)) {
      exact = false;
      continue;
    }
    if (first) {
      acc = d;
      first = false;
      continue;
    }
    if (d.m == 0) continue;
    if (acc.m == 0) {
      acc = d;
      continue;
    }
    // Align to the smaller exponent; |m| < 10^19 after a few sums, so up to 10^19 more is safe.
    Dec& hi = acc.e > d.e ? acc : d;
    const int lo_e = acc.e > d.e ? d.e : acc.e;
    const int shift = hi.e - lo_e;
    const __int128 limit = pow10(19);
    if (shift > 18 || hi.m >= limit || hi.m <= -limit || acc.m >= limit || acc.m <= -limit || d.m >= limit ||
        d.m <= -limit) {
      exact = false;
      continue;
    }
    hi.m *= pow10(shift);
    hi.e = lo_e;
    acc.m += d.m;
  }
  if (!exact || first) return fallback;
  // To text and back: from_chars rounds correctly.
  char buf[96];
  char* p = buf;
  __int128 m = acc.m;
  if (m < 0) *p++ = '-', m = -m;
  char digits[48];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(m % 10));
    m /= 10;
  } while (m > 0);
  while (n > 0) *p++ = digits[--n];
  *p++ = 'e';
  p = std::to_chars(p, buf + sizeof buf, acc.e).ptr;
  double out = 0;
  std::from_chars(buf, p, out);
  return out;
}

}  // namespace deteval::detail
