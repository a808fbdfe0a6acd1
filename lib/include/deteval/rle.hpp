// Run-length encoded binary masks, as COCO stores them.
//
// A mask of height h and width w is read in column-major order (down each column,
// then the next column to the right); `counts` alternates runs of 0s and 1s and
// always starts with a (possibly empty) run of 0s. The counts sum to h * w.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
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

/// Many RLEs in flat buffers: no allocation per mask. A mask is held either as runs
/// (4 bytes each) or, from `push_back_compressed`, as COCO's compressed string (about
/// one byte per run), which is decoded on use: 500,000 detection masks take ~110 MB
/// instead of ~400 MB. Compressed strings are copied into the store, or, from
/// `push_back_shared`, left where they are in texts the store keeps alive (a reader's
/// buffers: no copy at all).
class RleStore {
 public:
  std::size_t size() const { return height_.size(); }
  bool empty() const { return height_.empty(); }
  void reserve(std::size_t masks, std::size_t runs) {
    height_.reserve(masks); width_.reserve(masks); begin_.reserve(masks); length_.reserve(masks);
    compressed_.reserve(masks); counts_.reserve(runs);
  }
  void push_back(RleView r) {
    add(r.height, r.width, counts_.size(), r.counts.size(), kRuns);
    counts_.insert(counts_.end(), r.counts.begin(), r.counts.end());
  }
  /// Keeps a COCO compressed string as it is; the caller has checked that it decodes
  /// (`rle_from_string`) to an h x w mask.
  void push_back_compressed(std::string_view coco, std::uint32_t height, std::uint32_t width) {
    add(height, width, bytes_.size(), coco.size(), kOwn);
    bytes_.insert(bytes_.end(), coco.begin(), coco.end());
  }
  /// Like `push_back_compressed` for a string lying inside `text`, which the store keeps
  /// alive (with any other text it shares) instead of copying the string.
  void push_back_shared(std::string_view coco, std::uint32_t height, std::uint32_t width,
                        const std::shared_ptr<const char[]>& text) {
    share(text);
    add(height, width, reinterpret_cast<std::uintptr_t>(coco.data()), coco.size(), kShared);
  }
  /// Copies mask `i` of `other` in whatever form it is held.
  void append(const RleStore& other, std::size_t i) {
    if (other.compressed_[i] == kShared) {  // still shared, not copied: other's texts kept alive
      // Usually ours already begin with other's (taken at the first append): no search then.
      if (texts_.size() < other.texts_.size() || !std::equal(other.texts_.begin(), other.texts_.end(), texts_.begin()))
        for (const auto& text : other.texts_) share(text);
      add(other.height(i), other.width(i), other.begin_[i], other.length_[i], kShared);
    } else if (other.is_compressed(i)) {
      push_back_compressed(other.compressed(i), other.height(i), other.width(i));
    } else {
      push_back(other[i]);
    }
  }
  bool is_compressed(std::size_t i) const { return compressed_[i] != 0; }
  std::uint32_t height(std::size_t i) const { return height_[i]; }
  std::uint32_t width(std::size_t i) const { return width_[i]; }
  /// A mask held as runs (see `view` for any mask).
  RleView operator[](std::size_t i) const {
    assert(!is_compressed(i));
    return {height_[i], width_[i], std::span<const std::uint32_t>(counts_.data() + begin_[i], length_[i])};
  }
  /// Any mask: compressed ones are decoded into `scratch` (valid until its next use).
  RleView view(std::size_t i, std::vector<std::uint32_t>& scratch) const;
  /// The compressed string of a mask held compressed.
  std::string_view compressed(std::size_t i) const {
    const char* at = compressed_[i] == kShared ? reinterpret_cast<const char*>(begin_[i]) : bytes_.data() + begin_[i];
    return {at, length_[i]};
  }
  void clear() { *this = RleStore(); }

 private:
  static constexpr std::uint8_t kRuns = 0, kOwn = 1, kShared = 2;  // where a mask is held
  // Keeps `text` alive with the store. Readers add masks text by text, so the search from
  // the back stops at once; a store shares a few texts (a reader's buffers), not thousands.
  void share(const std::shared_ptr<const char[]>& text) {
    for (auto it = texts_.rbegin(); it != texts_.rend(); ++it)
      if (*it == text) return;
    texts_.push_back(text);
  }
  void add(std::uint32_t h, std::uint32_t w, std::size_t begin, std::size_t length, std::uint8_t compressed) {
    height_.push_back(h);
    width_.push_back(w);
    begin_.push_back(begin);
    length_.push_back(static_cast<std::uint32_t>(length));
    compressed_.push_back(compressed);
  }
  std::vector<std::uint32_t> height_, width_, length_;
  std::vector<std::uint64_t> begin_;  // kRuns: into counts_; kOwn: into bytes_; kShared: the address
  std::vector<std::uint8_t> compressed_;
  std::vector<std::uint32_t> counts_;
  std::vector<char> bytes_;
  std::vector<std::shared_ptr<const char[]>> texts_;  // what kShared masks point into
};

}  // namespace deteval
