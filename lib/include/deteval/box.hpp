// Axis-aligned boxes in COCO's [x, y, width, height] convention, and their IoU.
#pragma once

#include <cstdint>
#include <span>

namespace deteval {

/// A box as COCO writes it: top-left corner and size, in pixels.
struct Box {
  double x = 0, y = 0, w = 0, h = 0;

  /// w * h, as pycocotools computes a result's area (negative for negative sizes).
  double area() const { return w * h; }
  friend bool operator==(const Box&, const Box&) = default;
};

/// IoU of one detection box with one ground-truth box, exactly as pycocotools'
/// `bbIou` computes it. With `crowd`, the union is the detection's area alone
/// (COCO's rule for `iscrowd` regions). Non-overlapping boxes give 0.
double box_iou(const Box& dt, const Box& gt, bool crowd);

/// IoU of every detection with every ground truth: out[d * gts.size() + g].
/// `crowd` holds one flag per ground truth (may be empty: no crowds).
void box_iou(std::span<const Box> dts, std::span<const Box> gts,
             std::span<const std::uint8_t> crowd, double* out);

}  // namespace deteval
