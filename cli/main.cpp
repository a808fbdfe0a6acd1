// deteval: the command-line tool. Parses arguments and dispatches; main() alone
// catches exceptions and maps them to exit codes (formats/error.hpp, ExitCode).
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <new>
#include <string>

#include "commands.hpp"
#include "deteval/runtime/memory.hpp"
#include "deteval/formats/error.hpp"
#include "deteval/version.hpp"
#ifdef DETEVAL_HAVE_CUDA
#include "deteval/cuda/backend.hpp"
#endif

int main(int argc, char** argv) {
  using deteval::ExitCode;
  deteval::runtime::tune_memory();  // before the first large buffer
#ifdef DETEVAL_HAVE_CUDA
  deteval::cuda::register_backend();  // explicit: a static library's initialisers may be dropped
#endif
  CLI::App app{"deteval: object detection and instance segmentation evaluation"};
  app.set_version_flag("--version", std::string("deteval ") + deteval::version());
  app.require_subcommand(1);
  deteval::cli::add_coco_command(app);
  deteval::cli::add_convert_command(app);
  deteval::cli::add_info_command(app);
  deteval::cli::add_board_command(app);
  deteval::cli::add_voc_command(app);
  deteval::cli::add_dota_command(app);
  deteval::cli::add_panoptic_command(app);
  deteval::cli::add_semantic_command(app);
  deteval::cli::add_lvis_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ExitCode::usage);
  } catch (const deteval::Error& e) {
    std::cerr << "deteval: error: " << e.what() << "\n";
    return static_cast<int>(e.exit_code());
  } catch (const std::bad_alloc&) {
    std::cerr << "deteval: error: out of memory\n";
    return static_cast<int>(ExitCode::failure);
  } catch (const std::exception& e) {
    std::cerr << "deteval: internal error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::failure);
  }
  return 0;
}
