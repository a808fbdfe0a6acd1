// Cutting one large JSON array into arrays that parse independently, so that the
// results reader can parse a 200 MB file on every core.
//
// A cut goes between two elements, at `}` `,` `{` (whitespace allowed around the comma):
// the part before it gets a `]` and the part after it a `[`, written into the bytes
// between the two elements. When those are fewer than two ("},{" in compact files) the
// rest of the text is shifted one byte to the right into the buffer's slack. A cut found
// inside a string or a nested value only makes a part fail to parse (its quotes or
// brackets do not balance; for On-Demand this holds because the results reader consumes
// or validates every value it meets); the reader then puts the text back and parses it
// whole.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace deteval::detail {

/// A JSON text the reader may modify, with simdjson's padding and some slack after it.
class JsonBuffer {
 public:
  static constexpr std::size_t kSlack = 256;  // at most this many shifted cuts

  explicit JsonBuffer(std::size_t size)
      : data_(std::make_shared_for_overwrite<char[]>(size + kSlack + simdjson::SIMDJSON_PADDING)), size_(size) {
    std::memset(data_.get() + size, 0, kSlack + simdjson::SIMDJSON_PADDING);  // defined bytes for SIMD loads
  }
  explicit JsonBuffer(std::string_view text) : JsonBuffer(text.size()) {
    if (!text.empty()) std::memcpy(data_.get(), text.data(), text.size());
  }

  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return size_ + kSlack + simdjson::SIMDJSON_PADDING; }
  std::string_view view() const { return {data_.get(), size_}; }
  /// The bytes, for keeping views into them (RleStore::push_back_shared) past the buffer.
  std::shared_ptr<const char[]> shared() const { return data_; }
  /// Gives the memory after the first `keep` bytes back to the system (they read as 0s
  /// afterwards): a reader that moved what it keeps to the front stops paying for the rest.
  void discard_after(std::size_t keep);

 private:
  std::shared_ptr<char[]> data_;
  std::size_t size_;
};

/// The buffer's top-level array cut into at most `parts` arrays (one, the whole text,
/// when it is not an array or has no place to cut). The parts are valid only while the
/// split lives; `restore` puts the original text back.
class ArraySplit {
 public:
  ArraySplit(JsonBuffer& buffer, std::size_t parts);

  std::size_t size() const { return parts_.size(); }
  /// Part i's text; the buffer's bytes after it are readable padding.
  const char* data(std::size_t i) const { return buffer_.data() + parts_[i].begin; }
  std::size_t length(std::size_t i) const { return parts_[i].end - parts_[i].begin; }
  std::size_t capacity(std::size_t i) const { return buffer_.capacity() - parts_[i].begin; }

  void restore();

 private:
  struct Cut {
    std::size_t close, open;  // the `}` ending one element and the `{` starting the next
    std::size_t shift;        // how far the text from `open` on has moved right
    std::string gap;          // the original bytes between them
  };
  struct Part {
    std::size_t begin, end;
  };
  JsonBuffer& buffer_;
  std::vector<Cut> cuts_;
  std::vector<Part> parts_;
};

}  // namespace deteval::detail
