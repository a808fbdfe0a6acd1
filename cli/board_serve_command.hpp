// `deteval board serve` (the web service) and `deteval board token` (a user's access token).
#pragma once

#include <CLI/CLI.hpp>

namespace deteval::cli {

/// Adds `serve` and `token` under the `board` command.
void add_board_serve_commands(CLI::App& board);

}  // namespace deteval::cli
