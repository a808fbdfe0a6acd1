// The board's database layer: one small interface (prepared statements with bound
// parameters only, transactions) over two backends, SQLite (embedded, the default) and
// PostgreSQL (libpq, for boards shared by many hosts). The board's SQL is written once,
// with `?` placeholders and the subset both engines read alike; the backends translate
// placeholders and map types. Errors are deteval::Error (exit code io) naming the database.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deteval::board::sql {

enum class Dialect { sqlite, postgres };

/// A parameter or a column value, typed as the board stores it.
struct Value {
  enum class Kind { null, i64, f64, text, blob } kind = Kind::null;
  std::int64_t i = 0;
  double f = 0;
  std::string s;  ///< text or blob bytes
  bool operator==(const Value&) const = default;
};

/// One prepared statement of a backend: runs with the given parameters on the first step.
class Cursor {
 public:
  virtual ~Cursor() = default;
  /// The first call after construction or reset() executes; true while a row is available.
  virtual bool step(const std::vector<Value>& params) = 0;
  virtual void reset() = 0;
  virtual int columns() const = 0;
  virtual Value value(int col) const = 0;
};

/// What a transaction is for. `write` transactions are serialized across every process
/// of the board (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock),
/// so a count and the insert it decides are atomic. `read` is one consistent snapshot.
/// `claim` takes queue rows: PostgreSQL row locks (FOR UPDATE SKIP LOCKED) with no
/// global lock; SQLite has no row locks, so there it is a write transaction.
enum class TxKind { read, write, claim };

class Db {
 public:
  virtual ~Db() = default;
  virtual Dialect dialect() const = 0;
  virtual std::unique_ptr<Cursor> prepare(const char* sql) = 0;
  /// One or more statements without parameters or rows.
  virtual void exec(const char* sql) = 0;
  virtual void begin(TxKind kind) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  [[noreturn]] void fail(const std::string& what) const;
  /// The database as messages name it: the SQLite path, or the URI without a password.
  const std::string& path() const { return name_; }

 protected:
  std::string name_;
};

/// True for `postgresql://...` and `postgres://...` (libpq URIs).
bool is_postgres_uri(const std::string& locator);
/// `postgresql://...` opens PostgreSQL; `sqlite:PATH` or any other text an SQLite file
/// (`create`: created when missing). Throws IoError when it cannot connect or open.
std::unique_ptr<Db> open(const std::string& locator, bool create);
/// The SQLite path of a locator that is not a PostgreSQL URI (`sqlite:` removed).
std::string sqlite_path(const std::string& locator);

class Stmt {
 public:
  Stmt(Db& db, const char* sql) : cur_(db.prepare(sql)) {}
  Stmt(Db& db, const std::string& sql) : Stmt(db, sql.c_str()) {}

  // Parameters are 1-based, as in SQLite.
  Stmt& bind(int i, std::int64_t v) { return set(i, {Value::Kind::i64, v, 0, {}}); }
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, double v) { return set(i, {Value::Kind::f64, 0, v, {}}); }
  Stmt& bind(int i, std::string_view v) { return set(i, {Value::Kind::text, 0, 0, std::string(v)}); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind_null(int i) { return set(i, {}); }
  Stmt& bind_blob(int i, std::string_view v) { return set(i, {Value::Kind::blob, 0, 0, std::string(v)}); }
  Stmt& bind_value(int i, const Value& v) { return set(i, v); }
  template <class T>
  Stmt& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }

  /// Steps once: true when a row is available, false when done.
  bool step() { return cur_->step(params_); }
  /// Steps to completion (for statements without rows).
  void run() {
    while (step()) {
    }
  }
  /// Runs a statement that yields at most one row (`... RETURNING id`) to completion
  /// (SQLite cannot commit while one is unfinished): its first column, or none.
  std::optional<std::int64_t> run_returning() {
    std::optional<std::int64_t> v;
    if (step()) v = i64(0);
    run();
    return v;
  }
  /// Ready to run again with new parameters.
  void reset() {
    cur_->reset();
    params_.clear();
  }

  int columns() const { return cur_->columns(); }
  Value value(int col) const { return cur_->value(col); }
  bool is_null(int col) const { return value(col).kind == Value::Kind::null; }
  std::int64_t i64(int col) const;
  double f64(int col) const;
  std::string text(int col) const { return value(col).s; }
  std::string blob(int col) const { return value(col).s; }
  std::optional<std::int64_t> opt_i64(int col) const {
    return is_null(col) ? std::nullopt : std::optional<std::int64_t>(i64(col));
  }
  std::optional<double> opt_f64(int col) const {
    return is_null(col) ? std::nullopt : std::optional<double>(f64(col));
  }
  std::optional<std::string> opt_text(int col) const {
    return is_null(col) ? std::nullopt : std::optional<std::string>(text(col));
  }

 private:
  Stmt& set(int i, Value v) {
    if (params_.size() < static_cast<std::size_t>(i)) params_.resize(static_cast<std::size_t>(i));
    params_[static_cast<std::size_t>(i - 1)] = std::move(v);
    return *this;
  }
  std::unique_ptr<Cursor> cur_;
  std::vector<Value> params_;
};

/// begin(kind) ... commit(); rolls back unless committed.
class Transaction {
 public:
  Transaction(Db& db, TxKind kind) : db_(db) { db_.begin(kind); }
  Transaction(Db& db, bool write) : Transaction(db, write ? TxKind::write : TxKind::read) {}
  ~Transaction() {
    if (open_) db_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.commit();
    open_ = false;
  }

 private:
  Db& db_;
  bool open_ = true;
};

}  // namespace deteval::board::sql
