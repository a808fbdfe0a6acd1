#include "sqlite.hpp"

#include "deteval/formats/error.hpp"

namespace deteval::board::sql {

namespace {
// Long enough for a queue of writers: each write transaction is one short insert.
constexpr int kBusyTimeoutMs = 60000;
}  // namespace

Db::Db(const std::string& path, bool create) : path_(path) {
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw IoError::cannot_read(path, msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  exec("PRAGMA foreign_keys = ON");
}

Db::~Db() { sqlite3_close_v2(db_); }

void Db::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    fail(msg);
  }
}

void Db::fail(const std::string& what) const { throw IoError::failed(path_, "database error: " + what); }

Stmt::Stmt(Db& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK) db.fail(sqlite3_errmsg(db.handle()));
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

#define DETEVAL_BIND(call) \
  if ((call) != SQLITE_OK) db_.fail(sqlite3_errmsg(db_.handle())); \
  return *this

Stmt& Stmt::bind(int i, std::int64_t v) { DETEVAL_BIND(sqlite3_bind_int64(stmt_, i, v)); }
Stmt& Stmt::bind(int i, double v) { DETEVAL_BIND(sqlite3_bind_double(stmt_, i, v)); }
Stmt& Stmt::bind(int i, std::string_view v) {
  DETEVAL_BIND(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}
Stmt& Stmt::bind_null(int i) { DETEVAL_BIND(sqlite3_bind_null(stmt_, i)); }
Stmt& Stmt::bind_blob(int i, std::string_view v) {
  DETEVAL_BIND(sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT));
}
#undef DETEVAL_BIND

bool Stmt::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail(sqlite3_errmsg(db_.handle()));
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::int64_t Stmt::i64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::f64(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}
std::string Stmt::blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}
std::optional<std::int64_t> Stmt::opt_i64(int col) const {
  return is_null(col) ? std::nullopt : std::optional<std::int64_t>(i64(col));
}
std::optional<double> Stmt::opt_f64(int col) const {
  return is_null(col) ? std::nullopt : std::optional<double>(f64(col));
}
std::optional<std::string> Stmt::opt_text(int col) const {
  return is_null(col) ? std::nullopt : std::optional<std::string>(text(col));
}

Transaction::Transaction(Db& db, bool write) : db_(db) { db_.exec(write ? "BEGIN IMMEDIATE" : "BEGIN"); }

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace deteval::board::sql
