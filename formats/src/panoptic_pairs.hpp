// A panoptic image's (GT id, prediction id) pixel counts straight from its two PNG files
// (internal to formats/; panoptic_reader.cpp evaluates with them).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "deteval/formats/png.hpp"
#include "deteval/panoptic.hpp"

namespace deteval::detail {

/// Throws InputError (`path: PNG header: expected an 8-bit RGB or RGBA image ..., got 8-bit
/// grey`) unless `png` is a panoptic map.
void expect_panoptic_png(const PngImage& png, const std::string& path);

/// Reads PNG pairs one after another, keeping its buffers (one per thread).
///
/// The PNGs' scanlines are inflated (png_fast.hpp) and walked row by row, both images at
/// once: each row is unfiltered only where its filter needs it (no filter: the inflated bytes
/// themselves), split into runs of equal pixels, and the two rows' runs are merged into runs
/// of (GT id, pred id) pairs; a row pair equal to the one above only repeats the previous
/// runs. No id array is built. Files that path declines are decoded by libpng (decode_png),
/// which reports what is wrong with them.
class PanopticPairReader {
 public:
  PanopticPairReader();
  ~PanopticPairReader();
  PanopticPairReader(PanopticPairReader&&) noexcept;
  PanopticPairReader& operator=(PanopticPairReader&&) noexcept;

  struct Sizes {
    int gt_width = 0, gt_height = 0, pred_width = 0, pred_height = 0;
    bool same() const { return gt_width == pred_width && gt_height == pred_height; }
  };

  /// Reads the GT PNG, then the prediction's. Throws IoError when the file cannot be read
  /// and InputError when it is not a PNG, or not an 8-bit RGB or RGBA one (`path: PNG header:
  /// ...`).
  void read_gt(const std::string& path);
  void read_pred(const std::string& path);

  /// Counts the pairs of the two PNGs read, ascending by (gt, pred), each once (what
  /// panoptic_match_pairs takes). Maps of different sizes: (0, pred id) over the prediction's
  /// pixels.
  const std::vector<PanopticPairCount>& count(Sizes& sizes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deteval::detail
