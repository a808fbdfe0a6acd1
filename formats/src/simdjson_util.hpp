// Helpers of the simdjson fast paths (COCO ground truth, panoptic JSON): each declines
// (false) what the nlohmann reader must explain or read differently.
#pragma once

#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <string_view>

namespace deteval::detail {

/// A finite number.
inline bool finite(simdjson::dom::element v, double& out) {
  return v.get_double().get(out) == simdjson::SUCCESS && std::isfinite(out);
}

/// true/false or 0/1, as get_flag takes them.
inline bool flag(simdjson::dom::element v, bool& out) {
  if (v.get_bool().get(out) == simdjson::SUCCESS) return true;
  std::int64_t i;
  if (v.get_int64().get(i) || (i != 0 && i != 1)) return false;
  out = i == 1;
  return true;
}

/// simdjson's obj["key"] finds the first of repeated keys where the DOM reader (nlohmann)
/// keeps the last: objects read by key with a key repeated (or too many keys to check
/// cheaply) are left to the DOM reader.
inline bool has_repeated_keys(simdjson::dom::object o) {
  constexpr std::size_t kMaxKeys = 64;
  std::string_view seen[kMaxKeys];
  std::size_t n = 0;
  for (simdjson::dom::key_value_pair f : o) {
    if (n == kMaxKeys) return true;
    for (std::size_t i = 0; i < n; ++i)
      if (seen[i] == f.key) return true;
    seen[n++] = f.key;
  }
  return false;
}

}  // namespace deteval::detail
