// Run-length encoded binary masks, as COCO stores them.
//
// A mask of height h and width w is read in column-major order (down each column,
// then the next column to the right); `counts` alternates runs of 0s and 1s and
// always starts with a (possibly empty) run of 0s. The counts sum to h * w.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace deteval {

/// A non-owning view of one RLE.
struct RleView {
  std::uint32_t height = 0, width = 0;
  std::span<const std::uint32_t> counts;
};

/// One RLE that owns its runs.
struct Rle {
  std::uint32_t height = 0, width = 0;
  std::vector<std::uint32_t> counts;

  RleView view() const { return {height, width, counts}; }
  operator RleView() const { return view(); }
  friend bool operator==(const Rle&, const Rle&) = default;
};

/// Many RLEs in one flat buffer: no allocation per mask.
class RleStore {
 public:
  std::size_t size() const { return height_.size(); }
  bool empty() const { return height_.empty(); }
  void reserve(std::size_t masks, std::size_t runs) {
    height_.reserve(masks); width_.reserve(masks); offset_.reserve(masks + 1); counts_.reserve(runs);
  }
  void push_back(RleView r) {
    height_.push_back(r.height);
    width_.push_back(r.width);
    counts_.insert(counts_.end(), r.counts.begin(), r.counts.end());
    offset_.push_back(counts_.size());
  }
  RleView operator[](std::size_t i) const {
    return {height_[i], width_[i],
            std::span<const std::uint32_t>(counts_.data() + offset_[i], offset_[i + 1] - offset_[i])};
  }
  void clear() { height_.clear(); width_.clear(); counts_.clear(); offset_.assign(1, 0); }
  /// All runs back to back; mask i holds runs [offsets()[i], offsets()[i+1]).
  std::span<const std::uint32_t> runs() const { return counts_; }
  std::span<const std::uint64_t> offsets() const { return offset_; }

 private:
  std::vector<std::uint32_t> height_, width_;
  std::vector<std::uint64_t> offset_{0};
  std::vector<std::uint32_t> counts_;
};

}  // namespace deteval
