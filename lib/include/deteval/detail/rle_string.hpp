// The two decoders behind rle_from_string_into, declared for their tests: a fast one
// for valid strings and one that explains what is wrong with an invalid one. The
// fast one must accept exactly the strings the explaining one accepts, with the same
// counts (tests/mask_test.cpp checks both on mutated strings).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace deteval::detail {

/// The counts of a valid string (see rle_from_string_into), or kBadRle without a reason.
std::size_t rle_decode_fast(std::string_view s, std::uint64_t pixels, std::uint32_t* counts, std::size_t n);
/// The same with every check spelled out: kBadRle with `error` saying where and why.
std::size_t rle_decode_explained(std::string_view s, std::uint32_t height, std::uint32_t width,
                                 std::uint32_t* counts, std::size_t n, std::string& error);

}  // namespace deteval::detail
