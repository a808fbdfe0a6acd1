// `deteval board migrate`: a whole board copied into an empty database (SQLite ->
// PostgreSQL when a course outgrows one machine, or back), then verified.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace deteval::board {

/// One table's rows and a SHA-256 over their values (rows by key, each value with its type).
struct TableDigest {
  std::string table;
  std::int64_t rows = 0;
  std::string sha256;
  bool operator==(const TableDigest&) const = default;
};

struct MigrationReport {
  std::string from, to;
  std::vector<TableDigest> tables;  ///< as verified on both sides
  std::int64_t files = 0, file_bytes = 0;
};

/// Copies users, tasks, splits, submissions (ids kept, queued ones included), final picks,
/// disqualifications, their log, and every stored file that a task or submission names,
/// into `to` (created when needed; it must hold no board data). One transaction on `to`;
/// then both boards' table digests must be equal and every file must read back with its
/// digest, else Error. `files`: where the copy keeps its files (Board::init's option).
MigrationReport migrate_board(const std::string& from, const std::string& to, const std::string& files = "");

/// The digests of a board's tables, in migration order (what migrate compares).
std::vector<TableDigest> board_digest(const std::string& db);

std::string migration_text(const MigrationReport& r);

}  // namespace deteval::board
