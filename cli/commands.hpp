// One function per subcommand: it registers its options on `app` and a callback
// that runs it. Callbacks throw deteval::Error (formats/error.hpp) on failure;
// main() alone catches and maps to exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace deteval::cli {

/// `deteval board`'s line in the help, for the command and deteval's hand-over to it.
inline constexpr const char* kBoardDescription = "Competition scorer: tasks, submissions, leaderboards, grades";

void add_coco_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_board_command(CLI::App& app);
void add_voc_command(CLI::App& app);
void add_dota_command(CLI::App& app);
void add_panoptic_command(CLI::App& app);
void add_semantic_command(CLI::App& app);
void add_lvis_command(CLI::App& app);

/// Replaces the process by deteval-board with `args` (argv, from the program's name on);
/// throws Error (io) when it cannot (board_forward.cpp).
void run_board_program(const std::vector<std::string>& args);

}  // namespace deteval::cli
