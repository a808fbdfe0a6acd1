#include "deteval/board/migrate.hpp"

#include <cstdio>
#include <set>

#include "deteval/board/board.hpp"
#include "deteval/board/sha256.hpp"
#include "deteval/formats/error.hpp"
#include "db.hpp"
#include "queries.hpp"
#include "store.hpp"

namespace deteval::board {

namespace {

struct TableSpec {
  const char* name;
  const char* columns;
  const char* order;
};

// Parents before children (foreign keys); every column of schema version 5.
constexpr TableSpec kTables[] = {
    {"users", "id, name, registered_at, display_name", "id"},
    {"tokens", "token_sha256, user_id, created_at", "token_sha256"},
    {"tasks",
     "name, metric, public_fraction, seed, deadline, daily_limit, max_dets_per_image, pass_score, "
     "max_submission_bytes, gt_sha256, gt_file_name, images, public_images, annotations, categories, revealed, "
     "created_at, final_picks, late_until, late_penalty, strict",
     "name"},
    {"task_images", "task_name, image_id, public", "task_name, image_id"},
    {"submissions",
     "id, task_name, user_id, submitted_at, size, sha256, status, error, detections, public_score, private_score, "
     "public_stats, private_stats, late, sketch, request_id, file_name, claimed_by, lease_until, attempts",
     "id"},
    {"selections", "task_name, user_id, submission_id, selected_at", "task_name, user_id, submission_id"},
    {"disqualifications", "task_name, user_id, reason, at", "task_name, user_id"},
    {"disqualification_log", "id, task_name, user_id, action, reason, at", "id"},
};

std::string select_all(const TableSpec& t) {
  return std::string("SELECT ") + t.columns + " FROM " + t.name + " ORDER BY " + t.order;
}

// A value as bytes that do not depend on the backend: its kind, then its text.
void canonical(std::string& out, const sql::Value& v) {
  char buf[40];
  switch (v.kind) {
    case sql::Value::Kind::null: out += "N;"; return;
    case sql::Value::Kind::i64: out += "I" + std::to_string(v.i) + ";"; return;
    case sql::Value::Kind::f64: std::snprintf(buf, sizeof buf, "F%.17g;", v.f); out += buf; return;
    case sql::Value::Kind::text:
    case sql::Value::Kind::blob:  // the same bytes whether a backend calls them text or blob
      out += "S" + std::to_string(v.s.size()) + ":" + v.s + ";";
      return;
  }
}

std::vector<TableDigest> digest(sql::Db& db) {
  sql::Transaction tx(db, false);
  std::vector<TableDigest> out;
  for (const TableSpec& t : kTables) {
    TableDigest d;
    d.table = t.name;
    std::string all;
    sql::Stmt s(db, select_all(t));
    while (s.step()) {
      for (int c = 0; c < s.columns(); ++c) canonical(all, s.value(c));
      all += "\n";
      ++d.rows;
    }
    d.sha256 = sha256_hex(all);
    out.push_back(std::move(d));
  }
  return out;
}

std::set<std::string> referenced_files(sql::Db& db) {
  std::set<std::string> out;
  sql::Stmt s(db, "SELECT gt_sha256 FROM tasks UNION SELECT sha256 FROM submissions WHERE sha256 IS NOT NULL");
  while (s.step()) out.insert(s.text(0));
  return out;
}

std::unique_ptr<store::Files> files_of(sql::Db& db, const std::string& locator) {
  const std::string dir = Board(locator).store_dir();
  return dir.empty() ? store::table(db) : store::folder(dir);
}

}  // namespace

std::vector<TableDigest> board_digest(const std::string& locator) {
  Board{locator};  // a board, at the current schema
  const auto db = sql::open(locator, false);
  return digest(*db);
}

MigrationReport migrate_board(const std::string& from, const std::string& to, const std::string& files) {
  MigrationReport r;
  r.from = from;
  r.to = to;
  Board{from};  // upgrades an older board first
  const auto src = sql::open(from, false);
  Board::init(to, files);
  const auto dst = sql::open(to, false);
  for (const TableSpec& t : kTables) {
    sql::Stmt s(*dst, std::string("SELECT count(*) FROM ") + t.name);
    s.step();
    if (s.i64(0) != 0)
      throw UsageError(to + ": already holds a board (table " + t.name + " is not empty); migrate needs an empty one");
  }
  const auto src_files = files_of(*src, from);
  const auto dst_files = files_of(*dst, to);
  {
    sql::Transaction read(*src, false);
    sql::Transaction write(*dst, true);
    for (const std::string& sha : referenced_files(*src)) {  // files first: safe before a row names them
      const std::string content = src_files->get(sha);
      dst_files->put(sha, content);
      ++r.files;
      r.file_bytes += static_cast<std::int64_t>(content.size());
    }
    for (const TableSpec& t : kTables) {
      std::string placeholders;
      sql::Stmt s(*src, select_all(t));
      std::unique_ptr<sql::Stmt> ins;
      while (s.step()) {
        if (!ins) {
          for (int c = 0; c < s.columns(); ++c) placeholders += c ? ", ?" : "?";
          ins = std::make_unique<sql::Stmt>(*dst, std::string("INSERT INTO ") + t.name + "(" + t.columns +
                                                      ") VALUES (" + placeholders + ")");
        }
        ins->reset();
        for (int c = 0; c < s.columns(); ++c) ins->bind_value(c + 1, s.value(c));
        ins->run();
      }
    }
    if (dst->dialect() == sql::Dialect::postgres)  // explicit ids do not move the identity sequences
      for (const char* t : {"submissions", "disqualification_log"})
        dst->exec((std::string("SELECT setval(pg_get_serial_sequence('") + t + "', 'id'), coalesce(max(id), 0) + 1, "
                   "false) FROM " + t).c_str());
    write.commit();
  }
  r.tables = digest(*src);
  const auto copied = digest(*dst);
  for (std::size_t i = 0; i < r.tables.size(); ++i)
    if (!(r.tables[i] == copied[i]))
      throw Error(to + ": table " + r.tables[i].table + " differs from the source after the copy (" +
                      std::to_string(copied[i].rows) + " rows, expected " + std::to_string(r.tables[i].rows) + ")",
                  ExitCode::failure);
  for (const std::string& sha : referenced_files(*dst)) dst_files->get(sha);  // throws when missing or altered
  return r;
}

std::string migration_text(const MigrationReport& r) {
  std::string out = "migrated " + r.from + " -> " + r.to + "\n";
  for (const TableDigest& t : r.tables)
    out += "  " + t.table + ": " + std::to_string(t.rows) + " rows, sha256 " + t.sha256.substr(0, 16) + " (equal)\n";
  out += "  files: " + std::to_string(r.files) + " (" + std::to_string(r.file_bytes) + " bytes, digests verified)\n";
  return out;
}

}  // namespace deteval::board
