// One function per subcommand: it registers its options on `app` and a callback
// that runs it. Callbacks throw deteval::Error (formats/error.hpp) on failure;
// main() alone catches and maps to exit codes.
#pragma once

#include <CLI/CLI.hpp>

namespace deteval::cli {

void add_coco_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_board_command(CLI::App& app);
void add_voc_command(CLI::App& app);
void add_dota_command(CLI::App& app);
void add_panoptic_command(CLI::App& app);
void add_semantic_command(CLI::App& app);
void add_lvis_command(CLI::App& app);

}  // namespace deteval::cli
