// Binary masks as run-length encodings: the operations of `pycocotools.mask`,
// with the same results bit for bit (rasterisation, boxes, areas, IoU).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "deteval/box.hpp"
#include "deteval/rle.hpp"

namespace deteval {

/// Encodes a column-major bitmap of h*w bytes (nonzero = set) (pycocotools `encode`).
Rle rle_encode(const std::uint8_t* bitmap, std::uint32_t height, std::uint32_t width);

/// Decodes into h*w bytes, column-major, 0 or 1 (pycocotools `decode`).
void rle_decode(RleView rle, std::uint8_t* bitmap);

/// Number of set pixels (pycocotools `area`).
std::uint64_t rle_area(RleView rle);

/// Tight box [x, y, w, h] (pycocotools `toBbox`); [0, 0, 0, 0] for an empty mask.
Box rle_to_bbox(RleView rle);

/// Union (or intersection) of masks of one size (pycocotools `merge`).
Rle rle_merge(std::span<const RleView> rles, bool intersect = false);

/// IoU as pycocotools' rleIou: 0 unless the masks' boxes overlap; with `crowd`
/// the union is the detection's area; -1 when the sizes differ.
double rle_iou(RleView dt, RleView gt, bool crowd);

/// Integer counts behind one IoU: what GPU and CPU backends both produce, so that
/// the division happens in one place (`iou_from_counts`).
struct IouCounts {
  std::uint64_t intersection = 0;
  std::uint64_t union_ = 0;  ///< the detection's area for crowds
};
/// Counts of two masks of the same size (no box prefilter).
IouCounts rle_iou_counts(RleView dt, RleView gt, bool crowd);
/// pycocotools' final step: i == 0 gives 0, else i / u.
inline double iou_from_counts(IouCounts c) {
  return c.intersection == 0 ? 0.0 : static_cast<double>(c.intersection) / static_cast<double>(c.union_);
}

/// COCO's compressed RLE string (`counts` as a string), both ways.
std::string rle_to_string(RleView rle);
/// Decodes a compressed string for an h x w mask. False (with `error` saying why) on
/// characters outside the alphabet, a truncated value, a count outside 0..2^32-1, or
/// counts not summing to h*w (which must fit 32 bits). Runs are kept as written.
bool rle_from_string(std::string_view counts, std::uint32_t height, std::uint32_t width, Rle& out,
                     std::string& error);
/// The number of counts a compressed string holds (valid strings only).
std::size_t rle_string_length(std::string_view counts);
/// Sentinel of `rle_from_string_into`: the string does not decode.
inline constexpr std::size_t kBadRle = static_cast<std::size_t>(-1);
/// `rle_from_string` into a caller's buffer of `capacity` values, so that many masks can be
/// decoded without allocating. A string holds at most one value per character, so
/// `counts.size()` always suffices (`rle_string_length(counts)` exactly). Returns the number
/// of values written, or kBadRle with `error` saying why.
std::size_t rle_from_string_into(std::string_view counts, std::uint32_t height, std::uint32_t width,
                                 std::uint32_t* out, std::size_t capacity, std::string& error);
/// An uncompressed RLE (`counts` as a list). False when counts do not sum to h*w.
bool rle_from_counts(std::span<const std::uint64_t> counts, std::uint32_t height, std::uint32_t width, Rle& out,
                     std::string& error);

/// Rasterises one polygon [x0, y0, x1, y1, ...] exactly as pycocotools' `frPoly`
/// (n / 2 points; fewer than 3 give what maskApi gives, usually nothing). Where
/// maskApi's integer arithmetic would overflow, coordinates are clamped to +-2e8;
/// a NaN coordinate gives an empty mask. h * w must fit COCO RLE's 32-bit counts
/// (else the result has no counts); h or w 0 gives counts {0}.
Rle rle_from_polygon(std::span<const double> xy, std::uint32_t height, std::uint32_t width);
/// The union of several polygons (COCO's multi-part objects), as `frPyObjects` + `merge`.
/// Note: pycocotools' frPyObjects raises when the first polygon has at most 4 numbers
/// (it takes 4 as a box list); here every polygon is rasterised as a polygon.
/// No polygons give an empty mask.
Rle rle_from_polygons(std::span<const std::span<const double>> polygons, std::uint32_t height,
                      std::uint32_t width);
/// A box as a mask (pycocotools `frBbox`).
Rle rle_from_box(const Box& box, std::uint32_t height, std::uint32_t width);

}  // namespace deteval
