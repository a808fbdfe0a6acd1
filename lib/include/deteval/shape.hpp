// Planar shapes (rotated boxes as their 4 corners, simple polygons) for geometric IoU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace deteval {

/// A polygon as its vertices x0, y0, x1, y1, ... (not closed: the first vertex is not repeated).
using PolygonView = std::span<const double>;

/// Many polygons in one flat buffer: no allocation per shape.
class ShapeStore {
 public:
  std::size_t size() const { return offset_.size() - 1; }
  bool empty() const { return size() == 0; }
  void push_back(PolygonView xy) {
    xy_.insert(xy_.end(), xy.begin(), xy.end());
    offset_.push_back(xy_.size());
  }
  PolygonView operator[](std::size_t i) const {
    return PolygonView(xy_.data() + offset_[i], offset_[i + 1] - offset_[i]);
  }
  void clear() { xy_.clear(); offset_.assign(1, 0); }

 private:
  std::vector<double> xy_;
  std::vector<std::uint64_t> offset_{0};
};

}  // namespace deteval
