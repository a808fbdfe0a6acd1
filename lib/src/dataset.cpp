#include "deteval/dataset.hpp"

#include <algorithm>

#include "deteval/error.hpp"

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

void check_iou_type(const GroundTruth& gt, const Detections& dt, IouType type) {
  auto check = [type](const std::optional<IouType>& read_for, const char* what) {
    if (read_for && *read_for != type)
      throw UsageError("iou_type", std::string("the parameters ask for ") + to_string(type) + " but the " + what +
                                       " read for " + to_string(*read_for) + ": set Params::iou_type to " +
                                       to_string(*read_for) + ", or read the files for " + to_string(type));
  };
  check(gt.iou_type, "ground truth was");
  check(dt.iou_type, "detections were");
}

}  // namespace deteval
