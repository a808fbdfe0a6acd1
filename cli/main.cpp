// deteval: the command-line tool. Parses arguments and dispatches; `main` alone
// catches exceptions and maps them to exit codes.
#include <CLI/CLI.hpp>

#include <iostream>

#include "deteval/formats/error.hpp"
#include "deteval/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"deteval: object detection and instance segmentation evaluation"};
  app.set_version_flag("--version", std::string("deteval ") + deteval::version());
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : static_cast<int>(deteval::ExitCode::usage);
  }
  return 0;
}
