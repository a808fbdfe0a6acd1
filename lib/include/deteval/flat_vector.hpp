// A std::vector for large result arrays that the parallel stage filling them writes first.
#pragma once

#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace deteval {

/// std::allocator, except that `resize` leaves new elements default-initialised (numbers:
/// not zeroed). Zeroing 100 MB on one thread before several threads overwrite it costs
/// more than the writes: the pages are first touched by whoever fills them.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

  template <class U>
  void construct(U* p) noexcept(noexcept(::new (static_cast<void*>(p)) U)) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// A vector whose `resize` does not initialise numbers (every element must then be written).
template <class T>
using FlatVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace deteval
