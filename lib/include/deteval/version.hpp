#pragma once

namespace deteval {
/// The library's version, e.g. "0.1.0".
const char* version();
}  // namespace deteval
