// The board tests run against both storage backends: SQLite (board_test, board_rules_test)
// and PostgreSQL (board_pg_test, board_rules_pg_test: the same sources compiled with
// DETEVAL_BOARD_TEST_PG). The PostgreSQL server is the ctest fixture `postgres`
// (tests/pg_server.sh); each test gets its own schema on it, dropped afterwards.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace deteval::test {

#ifdef DETEVAL_BOARD_TEST_PG
inline constexpr bool kBoardOnPostgres = true;
#else
inline constexpr bool kBoardOnPostgres = false;
#endif

/// The fixture's server (`postgresql://deteval@127.0.0.1:PORT`), or "" with `why` set.
inline std::string postgres_server(std::string& why) {
  const std::filesystem::path state = DETEVAL_PG_STATE;
  if (std::filesystem::exists(state / "skip")) {
    why = "PostgreSQL tests skipped: " + slurp(state / "skip");
    return "";
  }
  std::string uri = slurp(state / "uri");
  while (!uri.empty() && (uri.back() == '\n' || uri.back() == ' ')) uri.pop_back();
  if (uri.empty()) why = "no PostgreSQL test server: run through ctest (fixture `postgres`, tests/pg_server.sh)";
  return uri;
}

/// Runs one statement without parameters on PostgreSQL; the error message, "" when it worked.
inline std::string pg_exec(const std::string& uri, const std::string& sql) {
  PGconn* c = PQconnectdb(uri.c_str());
  std::string err;
  if (PQstatus(c) != CONNECTION_OK) {
    err = PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) err = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  return err;
}

/// A board's place for one test: `dir/board.db` (SQLite), or a fresh schema on the test
/// server, selected through the URI (`options=-csearch_path=...`) and dropped at the end.
class BoardPlace {
 public:
  /// Empty locator() with skip_reason() set when PostgreSQL is wanted but absent.
  explicit BoardPlace(const std::filesystem::path& dir, bool postgres = kBoardOnPostgres) : dir_(dir) {
    if (!postgres) {
      locator_ = (dir / "board.db").string();
      return;
    }
    const std::string server = postgres_server(why_);
    if (server.empty()) return;
    static std::atomic<int> counter{0};
    schema_ = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(std::rand() % 100000);
    admin_ = server + "/postgres";
    const std::string err = pg_exec(admin_, "CREATE SCHEMA " + schema_);
    if (!err.empty()) {
      why_ = "cannot create a schema on the test server: " + err;
      return;
    }
    locator_ = admin_ + "?options=-csearch_path%3D" + schema_;
  }
  ~BoardPlace() {
    if (!schema_.empty()) pg_exec(admin_, "DROP SCHEMA " + schema_ + " CASCADE");
  }
  BoardPlace(const BoardPlace&) = delete;
  BoardPlace& operator=(const BoardPlace&) = delete;

  const std::string& locator() const { return locator_; }
  const std::string& skip_reason() const { return why_; }
  bool postgres() const { return !schema_.empty(); }
  /// The folder of the board's files on both backends (PostgreSQL boards are made with
  /// `--files` there, so tests can look at the stored files alike).
  std::filesystem::path files_dir() const { return dir_ / "board.db.files"; }
  /// What `board init` needs beyond --db.
  std::string init_args() const { return postgres() ? " --files " + q(files_dir()) : ""; }
  /// Board::init's `files` argument.
  std::string init_files() const { return postgres() ? files_dir().string() : ""; }

 private:
  static std::string q(const std::filesystem::path& p) { return "'" + p.string() + "'"; }
  std::filesystem::path dir_;
  std::string locator_, why_, schema_, admin_;
};

/// Reads a board's tables as text (NULL as "NULL"), on either backend.
class Sql {
 public:
  explicit Sql(const std::string& locator) {
    if (locator.rfind("postgresql://", 0) == 0) {
      pg_ = PQconnectdb(locator.c_str());
      EXPECT_EQ(PQstatus(pg_), CONNECTION_OK) << PQerrorMessage(pg_);
    } else {
      sqlite3_open_v2(locator.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
    }
  }
  explicit Sql(const std::filesystem::path& p) : Sql(p.string()) {}
  ~Sql() {
    sqlite3_close(db_);
    if (pg_) PQfinish(pg_);
  }
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;

  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    if (pg_) {
      PGresult* r = PQexec(pg_, sql.c_str());
      EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQresultErrorMessage(r) << sql;
      for (int i = 0; i < PQntuples(r); ++i) {
        std::vector<std::string> row;
        for (int c = 0; c < PQnfields(r); ++c) row.push_back(PQgetisnull(r, i, c) ? "NULL" : PQgetvalue(r, i, c));
        out.push_back(row);
      }
      PQclear(r);
      return out;
    }
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    while (s && sqlite3_step(s) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const auto* t = sqlite3_column_text(s, c);
        row.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
      }
      out.push_back(row);
    }
    sqlite3_finalize(s);
    return out;
  }
  std::string one(const std::string& sql) {
    auto r = rows(sql);
    return r.empty() || r[0].empty() ? "" : r[0][0];
  }
  /// The database is intact: SQLite's integrity and foreign-key checks (PostgreSQL
  /// enforces both on every statement).
  bool intact() { return pg_ || (one("PRAGMA integrity_check") == "ok" && rows("PRAGMA foreign_key_check").empty()); }

 private:
  sqlite3* db_ = nullptr;
  PGconn* pg_ = nullptr;
};

}  // namespace deteval::test
