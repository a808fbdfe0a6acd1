// The SQLite backend of the board's database layer (db.hpp), and what both backends share.
#include <sqlite3.h>

#include <cstdlib>

#include "db.hpp"
#include "deteval/formats/error.hpp"

namespace deteval::board::sql {

namespace {

// Long enough for a queue of writers: each write transaction is one short insert.
constexpr int kBusyTimeoutMs = 60000;

class SqliteDb;

class SqliteCursor final : public Cursor {
 public:
  SqliteCursor(SqliteDb& db, sqlite3* h, const char* sql);
  ~SqliteCursor() override { sqlite3_finalize(stmt_); }
  bool step(const std::vector<Value>& params) override;
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    started_ = false;
  }
  int columns() const override { return sqlite3_column_count(stmt_); }
  Value value(int col) const override {
    Value v;
    switch (sqlite3_column_type(stmt_, col)) {
      case SQLITE_NULL: break;
      case SQLITE_INTEGER: v.kind = Value::Kind::i64, v.i = sqlite3_column_int64(stmt_, col); break;
      case SQLITE_FLOAT: v.kind = Value::Kind::f64, v.f = sqlite3_column_double(stmt_, col); break;
      case SQLITE_BLOB: {
        v.kind = Value::Kind::blob;
        const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
        if (p) v.s.assign(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
        break;
      }
      default: {
        v.kind = Value::Kind::text;
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
        if (p) v.s.assign(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
      }
    }
    return v;
  }

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool started_ = false;
};

class SqliteDb final : public Db {
 public:
  SqliteDb(const std::string& path, bool create) {
    name_ = path;
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
  ~SqliteDb() override { sqlite3_close_v2(db_); }
  Dialect dialect() const override { return Dialect::sqlite; }
  std::unique_ptr<Cursor> prepare(const char* sql) override { return std::make_unique<SqliteCursor>(*this, db_, sql); }
  void exec(const char* sql) override {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      fail(msg);
    }
  }
  void begin(TxKind kind) override { exec(kind == TxKind::read ? "BEGIN" : "BEGIN IMMEDIATE"); }
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
  [[noreturn]] void fail_here() const { fail(sqlite3_errmsg(db_)); }

 private:
  sqlite3* db_ = nullptr;
};

SqliteCursor::SqliteCursor(SqliteDb& db, sqlite3* h, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(h, sql, -1, &stmt_, nullptr) != SQLITE_OK) db.fail_here();
}

bool SqliteCursor::step(const std::vector<Value>& params) {
  if (!started_) {
    started_ = true;
    for (std::size_t k = 0; k < params.size(); ++k) {
      const Value& v = params[k];
      const int i = static_cast<int>(k + 1);
      int rc = SQLITE_OK;
      switch (v.kind) {
        case Value::Kind::null: rc = sqlite3_bind_null(stmt_, i); break;
        case Value::Kind::i64: rc = sqlite3_bind_int64(stmt_, i, v.i); break;
        case Value::Kind::f64: rc = sqlite3_bind_double(stmt_, i, v.f); break;
        case Value::Kind::text:
          rc = sqlite3_bind_text64(stmt_, i, v.s.data(), v.s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
          break;
        case Value::Kind::blob: rc = sqlite3_bind_blob64(stmt_, i, v.s.data(), v.s.size(), SQLITE_TRANSIENT); break;
      }
      if (rc != SQLITE_OK) db_.fail_here();
    }
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail_here();
}

}  // namespace

void Db::fail(const std::string& what) const { throw Error(name_ + ": database error: " + what, ExitCode::io); }

std::int64_t Stmt::i64(int col) const {
  const Value v = value(col);
  switch (v.kind) {
    case Value::Kind::i64: return v.i;
    case Value::Kind::f64: return static_cast<std::int64_t>(v.f);
    case Value::Kind::text: return v.s == "t" ? 1 : v.s == "f" ? 0 : std::strtoll(v.s.c_str(), nullptr, 10);
    default: return 0;
  }
}

double Stmt::f64(int col) const {
  const Value v = value(col);
  switch (v.kind) {
    case Value::Kind::i64: return static_cast<double>(v.i);
    case Value::Kind::f64: return v.f;
    case Value::Kind::text: return std::strtod(v.s.c_str(), nullptr);
    default: return 0;
  }
}

bool is_postgres_uri(const std::string& locator) {
  return locator.rfind("postgresql://", 0) == 0 || locator.rfind("postgres://", 0) == 0;
}

std::string sqlite_path(const std::string& locator) {
  return locator.rfind("sqlite:", 0) == 0 ? locator.substr(7) : locator;
}

std::unique_ptr<Db> open_postgres(const std::string& uri);  // postgres.cpp

std::unique_ptr<Db> open(const std::string& locator, bool create) {
  if (is_postgres_uri(locator)) return open_postgres(locator);
  return std::make_unique<SqliteDb>(sqlite_path(locator), create);
}

}  // namespace deteval::board::sql
