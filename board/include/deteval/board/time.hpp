// Time on the board: milliseconds since the Unix epoch, UTC; ISO-8601 in and out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace deteval::board {

/// The system clock, in milliseconds since the epoch (what the CLI gives the board).
std::int64_t system_now_ms();

/// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.fff…]]][Z|±HH[:MM]]`; no offset means UTC.
std::optional<std::int64_t> parse_iso8601(const std::string& text);

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds, rounded down).
std::string format_iso8601(std::int64_t ms);

}  // namespace deteval::board
