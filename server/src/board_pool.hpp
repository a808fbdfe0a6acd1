// Connections to the board, reused: the request threads' and the database queue's.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "deteval/board/board.hpp"

namespace deteval::server {

/// Connections to the board for request threads: one Board per concurrent request, reused.
class BoardPool {
 public:
  BoardPool(std::string db, board::Clock clock) : db_(std::move(db)), clock_(std::move(clock)) {}
  class Lease {
   public:
    Lease(BoardPool& p, std::unique_ptr<board::Board> b) : pool_(p), board_(std::move(b)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (board_) pool_.put(std::move(board_));
    }
    board::Board* operator->() { return board_.get(); }
    board::Board& operator*() { return *board_; }

   private:
    BoardPool& pool_;
    std::unique_ptr<board::Board> board_;
  };
  Lease get();

 private:
  void put(std::unique_ptr<board::Board> b);
  std::string db_;
  board::Clock clock_;
  std::mutex m_;
  std::vector<std::unique_ptr<board::Board>> free_;
};

}  // namespace deteval::server
