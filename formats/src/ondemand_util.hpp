// Helpers of the simdjson On-Demand fast paths. On-Demand checks only what is read (a
// skipped value is passed over by its brackets alone, its numbers never parsed), so these
// read values in full, and decline (false) what the DOM readers must explain or read
// differently: a fast path built on them accepts exactly the documents the DOM reader does.
#pragma once

#include <simdjson.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "limits.hpp"

namespace deteval::detail {

/// One field of an object being iterated: its key and its value. A key without escapes is
/// its text in the file (the parser's first stage has checked its characters); one with
/// escapes is unescaped, its escapes checked ("image\u005fid" is image_id, as the DOM
/// reader reads it). Plain keys are not copied into the parser's string buffer, which
/// would otherwise grow (fresh memory) with every key of the file.
inline bool json_field(simdjson::simdjson_result<simdjson::ondemand::field>& r, std::string_view& key,
                       simdjson::ondemand::value& value) {
  simdjson::ondemand::field f;
  if (std::move(r).get(f)) return false;
  const char* raw = f.key().raw();
  const char* end = raw;
  while (*end != '"' && *end != '\\') ++end;
  if (*end == '"')
    key = std::string_view(raw, static_cast<std::size_t>(end - raw));
  else if (f.unescaped_key().get(key))
    return false;
  value = std::move(f.value());
  return true;
}

/// A finite number.
inline bool json_finite(simdjson::ondemand::value v, double& out) {
  return v.get_double().get(out) == simdjson::SUCCESS && std::isfinite(out);
}

/// A box's numbers: false unless `v` is an array of at most 4 finite numbers; `n`: how many.
inline bool json_box_numbers(simdjson::ondemand::value v, double (&x)[4], std::size_t& n) {
  simdjson::ondemand::array a;
  if (v.get_array().get(a)) return false;
  n = 0;
  for (auto e : a) {
    simdjson::ondemand::value ev;
    if (n == 4 || e.get(ev) || !json_finite(ev, x[n])) return false;
    ++n;
  }
  return true;
}

/// true/false or the integers 0/1, as get_flag takes them.
inline bool json_flag(simdjson::ondemand::value v, bool& out) {
  simdjson::ondemand::json_type t;
  if (v.type().get(t)) return false;
  if (t == simdjson::ondemand::json_type::boolean) return v.get_bool().get(out) == simdjson::SUCCESS;
  std::int64_t i;
  if (t != simdjson::ondemand::json_type::number || v.get_int64().get(i) || (i != 0 && i != 1)) return false;
  out = i == 1;
  return true;
}

/// `v` read in full (numbers parsed, strings and keys unescaped, literals checked), for a
/// value the reader does not use. `depth`: the value's nesting level less one (a field of
/// the root object has depth 1): containers at depth >= kMaxJsonDepth are deeper than the
/// DOM reader accepts (it explains).
inline bool validate_json(simdjson::ondemand::value v, std::size_t depth) {
  namespace od = simdjson::ondemand;
  od::json_type t;
  if (v.type().get(t)) return false;
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (depth >= kMaxJsonDepth || v.get_object().get(o)) return false;
      for (auto f : o) {
        std::string_view k;
        od::value fv;
        if (!json_field(f, k, fv) || !validate_json(fv, depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::array: {
      od::array a;
      if (depth >= kMaxJsonDepth || v.get_array().get(a)) return false;
      for (auto e : a) {
        od::value ev;
        if (e.get(ev) || !validate_json(ev, depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::number: {
      double d;
      return v.get_double().get(d) == simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s) == simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b) == simdjson::SUCCESS;
    }
    case od::json_type::null: {
      bool n = false;
      return v.is_null().get(n) == simdjson::SUCCESS && n;
    }
  }
  return false;
}

/// The keys of one object, for readers that decline objects with a key repeated (the DOM
/// reader keeps the last of repeated keys): false for a repeat, or for more keys than it
/// checks cheaply. The views must live as long as the set (On-Demand's unescaped keys
/// live as long as the parser's document).
class KeySet {
 public:
  bool insert(std::string_view key) {
    if (n_ == kMaxKeys) return false;
    for (std::size_t i = 0; i < n_; ++i)
      if (seen_[i] == key) return false;
    seen_[n_++] = key;
    return true;
  }

 private:
  static constexpr std::size_t kMaxKeys = 64;
  std::string_view seen_[kMaxKeys];
  std::size_t n_ = 0;
};

}  // namespace deteval::detail
