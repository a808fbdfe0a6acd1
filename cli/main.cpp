// deteval: the command-line tool. Parses arguments and dispatches; main() alone
// catches exceptions and maps them to exit codes (the library's errors carry a kind,
// deteval/error.hpp; the codes are the command's and are listed here only).
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "commands.hpp"
#include "interrupt.hpp"
#include "deteval/error.hpp"
#include "deteval/runtime/memory.hpp"
#include "deteval/version.hpp"
#ifdef DETEVAL_HAVE_CUDA
#include "deteval/cuda/backend.hpp"
#endif

namespace {

/// Exit codes of the deteval command (README, "Exit codes").
enum class ExitCode : int {
  ok = 0,
  failure = 1,  ///< internal error
  usage = 2,    ///< bad command line
  input = 3,    ///< an input file is invalid
  io = 4,       ///< a file cannot be read or written
  device = 5,   ///< the requested device is not usable
  rejected = 6  ///< a leaderboard submission was refused by the task's rules
};

ExitCode exit_code(deteval::ErrorKind kind) {
  using deteval::ErrorKind;
  switch (kind) {
    case ErrorKind::input: return ExitCode::input;
    case ErrorKind::io: return ExitCode::io;
    case ErrorKind::device: return ExitCode::device;
    case ErrorKind::rejected: return ExitCode::rejected;
    case ErrorKind::usage: return ExitCode::usage;
    case ErrorKind::internal: return ExitCode::failure;
    case ErrorKind::cancelled: return ExitCode::failure;  // main() answers 128 + the signal instead
  }
  return ExitCode::failure;
}

/// The message as the command says it: a library parameter becomes its flag
/// (`public_fraction: ...` -> `--public-fraction: ...`).
std::string command_message(const deteval::Error& e) {
  if (e.parameter().empty()) return e.what();
  std::string flag = "--" + e.parameter();
  for (char& c : flag)
    if (c == '_') c = '-';
  return flag + ": " + e.message();
}

}  // namespace

int main(int argc, char** argv) {
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
#if defined(DETEVAL_HAVE_BOARD) || defined(DETEVAL_BOARD_FORWARD)
  deteval::cli::add_board_command(app);  // deteval: the hand-over to deteval-board (board_forward.cpp)
#endif
  deteval::cli::add_voc_command(app);
  deteval::cli::add_dota_command(app);
  deteval::cli::add_panoptic_command(app);
  deteval::cli::add_semantic_command(app);
  deteval::cli::add_lvis_command(app);
  try {
#ifdef DETEVAL_BOARD_FORWARD
    if (argc > 1 && std::string(argv[1]) == "board")  // the arguments as they are, to the board's program
      deteval::cli::run_board_program(std::vector<std::string>(argv, argv + argc));
#endif
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ExitCode::usage);
  } catch (const deteval::Error& e) {
    if (e.kind() == deteval::ErrorKind::cancelled && deteval::cli::stop_signal() != 0) {
      std::cerr << "\ndeteval: interrupted\n";
      return 128 + deteval::cli::stop_signal();  // 130 for Ctrl-C, 143 for SIGTERM, as a shell reports a kill
    }
    std::cerr << "deteval: error: " << command_message(e) << "\n";
    return static_cast<int>(exit_code(e.kind()));
  } catch (const std::bad_alloc&) {
    std::cerr << "deteval: error: out of memory\n";
    return static_cast<int>(ExitCode::failure);
  } catch (const std::exception& e) {
    std::cerr << "deteval: internal error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::failure);
  }
  // A signal after the last check: the work is complete and written, but asked to stop.
  if (deteval::cli::stop_signal() != 0) return 128 + deteval::cli::stop_signal();
  return 0;
}
