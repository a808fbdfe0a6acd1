// Keypoints (COCO person keypoints) of many objects in one flat buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace deteval {

/// Every object has the same number of keypoints, each an (x, y, v) triple: for ground
/// truth v is the visibility flag (0 not labelled, 1 labelled but occluded, 2 visible),
/// for detections a confidence that the evaluation never reads.
class KeypointStore {
 public:
  /// Keypoints per object (17 for COCO persons); 0 while the store is empty.
  std::uint32_t per_object() const { return per_object_; }
  std::size_t size() const { return per_object_ ? xyv_.size() / (3 * std::size_t{per_object_}) : 0; }
  bool empty() const { return xyv_.empty(); }
  /// Object j's 3 * per_object() values x1, y1, v1, x2, ...
  std::span<const double> operator[](std::size_t j) const {
    const std::size_t n = 3 * std::size_t{per_object_};
    return std::span<const double>(xyv_.data() + j * n, n);
  }
  /// Appends one object; `xyv.size()` must be 3 * per_object() (the first object sets it).
  void push_back(std::span<const double> xyv) {
    if (xyv_.empty()) per_object_ = static_cast<std::uint32_t>(xyv.size() / 3);
    xyv_.insert(xyv_.end(), xyv.begin(), xyv.end());
  }
  void reserve(std::size_t objects, std::uint32_t per_object) { xyv_.reserve(objects * 3 * per_object); }
  const std::vector<double>& values() const { return xyv_; }

 private:
  std::uint32_t per_object_ = 0;
  std::vector<double> xyv_;
};

}  // namespace deteval
