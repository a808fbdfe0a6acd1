// `deteval board ...` as the deteval program runs it: by running deteval-board, the same
// program with the board's commands, installed beside it. The board's libraries (libpq
// with Kerberos, LDAP and TLS, an HTTP server) made every other command spend ~16 ms of
// its start loading them (bench/RESULTS.md, "Start-up").
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "commands.hpp"
#include "deteval/error.hpp"

namespace deteval::cli {

namespace {

namespace fs = std::filesystem;

fs::path board_program() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = self.parent_path() / "deteval-board";
    if (::access(beside.c_str(), X_OK) == 0) return beside;
  }
  throw Error(ErrorKind::io, "board: the board's program, deteval-board, is not installed beside " +
                                 (ec ? std::string("deteval") : self.string()) +
                                 " (it is built with the board, DETEVAL_BUILD_BOARD)");
}

}  // namespace

void run_board_program(const std::vector<std::string>& args) {
  const fs::path program = board_program();
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(program.c_str(), argv.data());  // returns only on failure
  throw Error(ErrorKind::io, "board: cannot run " + program.string() + ": " + std::strerror(errno));
}

// Listed in `deteval --help` like the other commands; main() hands `deteval board ...`
// to the board's program before parsing, so this callback serves only other spellings.
void add_board_command(CLI::App& app) {
  CLI::App* board = app.add_subcommand("board", kBoardDescription);
  board->prefix_command();  // every argument after `board` is the board program's
  board->set_help_flag();   // `board --help` included
  board->callback([board] {
    std::vector<std::string> args{"deteval", "board"};
    for (const std::string& a : board->remaining()) args.push_back(a);
    run_board_program(args);
  });
}

}  // namespace deteval::cli
