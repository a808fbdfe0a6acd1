// Time on the board: milliseconds since the Unix epoch, UTC; ISO-8601 in and out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace deteval::board {

/// The current time; the environment variable DETEVAL_NOW (ISO-8601) overrides it.
/// That variable is a testing hook (deadlines, daily limits); a malformed value throws UsageError.
std::int64_t now_ms();

/// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.fff…]]][Z|±HH[:MM]]`; no offset means UTC.
std::optional<std::int64_t> parse_iso8601(const std::string& text);

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds, rounded down).
std::string format_iso8601(std::int64_t ms);

}  // namespace deteval::board
