#include "json_split.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace deteval::detail {

namespace {

bool space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

ArraySplit::ArraySplit(JsonBuffer& buffer, std::size_t parts) : buffer_(buffer) {
  char* s = buffer.data();
  const std::size_t n = buffer.size();
  parts_.push_back({0, n});
  if (parts < 2) return;
  std::size_t first = 0;
  while (first < n && space(s[first])) ++first;
  std::size_t last = n;  // one past the closing `]`
  while (last > first && space(s[last - 1])) --last;
  if (last - first < 2 || s[first] != '[' || s[last - 1] != ']') return;

  std::size_t from = first + 1, shift = 0;
  for (std::size_t i = 1; i < parts; ++i) {
    std::size_t c = std::max(from, n / parts * i);
    bool found = false;
    std::size_t open = 0;
    while (c + 1 < last) {
      const void* hit = std::memchr(s + c, '}', last - 1 - c);
      if (!hit) break;
      c = static_cast<std::size_t>(static_cast<const char*>(hit) - s);
      std::size_t q = c + 1;
      while (q < last && space(s[q])) ++q;
      if (q < last && s[q] == ',') {
        ++q;
        while (q < last && space(s[q])) ++q;
        if (q < last && s[q] == '{') {
          found = true;
          open = q;
          break;
        }
      }
      ++c;
    }
    if (!found) break;
    const std::size_t need = open - c - 1 >= 2 ? 0 : 1;  // bytes missing for `]` and `[`
    if (shift + need > JsonBuffer::kSlack) break;
    shift += need;
    cuts_.push_back({c, open, shift, std::string(s + c + 1, s + open)});
    from = open + 1;
  }
  if (cuts_.empty()) return;

  // Move the parts right, the last first, so that nothing is overwritten before it moved.
  for (std::size_t j = cuts_.size(); j-- > 0;) {
    const Cut& cut = cuts_[j];
    const std::size_t end = j + 1 < cuts_.size() ? cuts_[j + 1].close + 1 : n;
    if (cut.shift) std::memmove(s + cut.open + cut.shift, s + cut.open, end - cut.open);
  }
  parts_.clear();
  std::size_t begin = 0;
  for (std::size_t j = 0; j < cuts_.size(); ++j) {
    const std::size_t before = j ? cuts_[j - 1].shift : 0;
    s[cuts_[j].close + before + 1] = ']';
    parts_.push_back({begin, cuts_[j].close + before + 2});
    begin = cuts_[j].open + cuts_[j].shift - 1;
    s[begin] = '[';
  }
  parts_.push_back({begin, n + cuts_.back().shift});
}

void ArraySplit::restore() {
  char* s = buffer_.data();
  const std::size_t n = buffer_.size();
  for (std::size_t j = 0; j < cuts_.size(); ++j) {
    const Cut& cut = cuts_[j];
    const std::size_t end = j + 1 < cuts_.size() ? cuts_[j + 1].close + 1 : n;
    if (cut.shift) std::memmove(s + cut.open, s + cut.open + cut.shift, end - cut.open);
  }
  for (const Cut& cut : cuts_) std::memcpy(s + cut.close + 1, cut.gap.data(), cut.gap.size());
  cuts_.clear();
  parts_.assign(1, {0, n});
}

void JsonBuffer::discard_after(std::size_t keep) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(data_.get());
  const std::uintptr_t from = (begin + keep + page - 1) / page * page, end = (begin + capacity()) / page * page;
  if (end > from) ::madvise(reinterpret_cast<void*>(from), end - from, MADV_DONTNEED);  // advice: failure is harmless
}

}  // namespace deteval::detail
