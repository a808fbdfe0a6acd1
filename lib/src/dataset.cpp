#include "deteval/dataset.hpp"

#include <algorithm>

namespace deteval {

namespace {
template <class T>
std::int64_t find_id(const std::vector<T>& sorted, std::int64_t id) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), id,
                             [](const T& x, std::int64_t v) { return x.id < v; });
  return it != sorted.end() && it->id == id ? it - sorted.begin() : -1;
}
}  // namespace

std::int64_t GroundTruth::image_index(std::int64_t id) const { return find_id(images, id); }
std::int64_t GroundTruth::category_index(std::int64_t id) const { return find_id(categories, id); }

}  // namespace deteval
