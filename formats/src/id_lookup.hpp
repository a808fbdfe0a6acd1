// Dense indices of ids (images', categories') for readers that look one up per element.
// GroundTruth::image_index binary-searches the Image records themselves (an id, a size and
// a file name each: a cache line or more apart), which cost ~3% of a COCO-scale bbox run.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace deteval::detail {

class IdLookup {
 public:
  /// `sorted`: records with an `id`, in increasing id order (GroundTruth's images, categories).
  template <class T>
  explicit IdLookup(const std::vector<T>& sorted) {
    if (sorted.empty()) return;
    lo_ = sorted.front().id;
    const std::uint64_t span = static_cast<std::uint64_t>(sorted.back().id) - static_cast<std::uint64_t>(lo_);
    if (span < 4 * sorted.size() + 1024) {  // ids about as many as their range: a table
      dense_.assign(span + 1, -1);
      for (std::size_t i = 0; i < sorted.size(); ++i)
        dense_[static_cast<std::uint64_t>(sorted[i].id) - static_cast<std::uint64_t>(lo_)] = static_cast<std::int32_t>(i);
    } else {  // sparse: the ids alone, searched
      ids_.reserve(sorted.size());
      for (const T& x : sorted) ids_.push_back(x.id);
    }
  }
  /// The id's index, or -1 when there is none (as GroundTruth::image_index).
  std::int64_t operator()(std::int64_t id) const {
    if (!dense_.empty()) {
      const std::uint64_t at = static_cast<std::uint64_t>(id) - static_cast<std::uint64_t>(lo_);
      return id >= lo_ && at < dense_.size() ? dense_[at] : -1;
    }
    const auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
    return it != ids_.end() && *it == id ? it - ids_.begin() : -1;
  }

 private:
  std::int64_t lo_ = 0;
  std::vector<std::int32_t> dense_;
  std::vector<std::int64_t> ids_;
};

}  // namespace deteval::detail
