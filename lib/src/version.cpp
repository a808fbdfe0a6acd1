#include "deteval/version.hpp"

namespace deteval {
const char* version() { return DETEVAL_VERSION_STRING; }
}  // namespace deteval
