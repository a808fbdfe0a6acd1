// Secrets for the web service: random tokens and their comparison.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace deteval::board {

/// `bytes` random bytes from the kernel (getrandom), as lower-case hex. Throws Error.
std::string random_hex(std::size_t bytes);

/// Whether `a == b`, in time that depends only on the lengths (not on where they differ).
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace deteval::board
