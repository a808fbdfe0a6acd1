// Bulk registration input: a CSV file of users, one per line: id,name[,display_name].
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "deteval/board/board.hpp"

namespace deteval::board {

/// RFC 4180 fields (quotes, doubled quotes, CRLF or LF). A first line `id,name[,display_name]`
/// is a header and skipped; blank lines are skipped. Throws InputError naming `file` and
/// the line for a wrong field count, an invalid id or name, or a repeated id.
std::vector<UserRecord> parse_users_csv(std::string_view text, const std::string& file);

}  // namespace deteval::board
