// A leaderboard from C++: creates a board, adds a task, registers two participants,
// scores their submissions and prints the public leaderboard.
// Usage: tiny_board WORK_DIR gt.json submission_a.json submission_b.json
#include <deteval/board/board.hpp>
#include <deteval/board/render.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) try {
  if (argc < 5) return std::fprintf(stderr, "usage: %s WORK_DIR gt.json a.json b.json\n", argv[0]), 2;
  namespace board = deteval::board;
  const std::string db = std::string(argv[1]) + "/board.db";
  board::Board::init(db);
  board::Board b(db);  // on the system clock (board::Clock: any other)
  board::TaskRules rules;
  rules.name = "demo";
  rules.metric = board::Metric::coco_bbox;
  rules.public_fraction = 1;  // every image on the public board
  b.add_task(rules, argv[2]);
  for (int i = 0; i < 2; ++i) {
    const std::string user = i == 0 ? "alice" : "bob";
    b.register_user({user, user, std::nullopt}, false);
    const board::SubmissionResult r = b.submit("demo", user, argv[3 + i], "submission.json");
    std::printf("%s: %s\n", user.c_str(), r.status.c_str());
  }
  std::printf("%s", board::render_leaderboard(b.leaderboard("demo", board::Split::public_split, false),
                                              board::Format::text)
                        .c_str());
} catch (const deteval::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
