// The PostgreSQL backend of the board's database layer (db.hpp), over plain libpq: the
// board needs parameterised statements, rows and transactions, nothing libpqxx would add.
// Statements go out with PQexecParams (text parameters with explicit types, blobs in
// binary), results come back in binary and are typed by their column's type.
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "db.hpp"
#include "deteval/formats/error.hpp"

namespace deteval::board::sql {

namespace {

// Every write transaction of every process takes this lock (pg_advisory_xact_lock), so
// writes are serialized as SQLite's BEGIN IMMEDIATE serializes them: a daily-limit count
// and the row it admits are one atomic step. Write transactions are short (scoring runs
// outside them), so the lock is held for milliseconds.
constexpr const char* kBeginWrite = "BEGIN; SELECT pg_advisory_xact_lock(4242001)";

// OIDs of the built-in types (pg_type.h), for parameters and result columns.
constexpr Oid kBool = 16, kBytea = 17, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25,
              kFloat4 = 700, kFloat8 = 701, kUnknown = 705, kBpchar = 1042, kVarchar = 1043;

// `postgresql://user:secret@host/db` -> `postgresql://user@host/db` for messages.
std::string without_password(const std::string& uri) {
  const auto scheme = uri.find("://");
  const auto at = uri.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return uri;
  const auto colon = uri.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon) + uri.substr(at);
}

// The board's SQL uses `?`; libpq numbers its parameters ($1, $2, ...). Quoted text is
// copied as is.
std::string number_placeholders(const char* sql) {
  std::string out;
  int n = 0;
  bool quoted = false;
  for (const char* p = sql; *p; ++p) {
    if (*p == '\'') quoted = !quoted;
    if (*p == '?' && !quoted) {
      out += '$' + std::to_string(++n);
    } else {
      out += *p;
    }
  }
  return out;
}

class PgDb;

class PgCursor final : public Cursor {
 public:
  PgCursor(PgDb& db, const char* sql) : db_(db), sql_(number_placeholders(sql)) {}
  ~PgCursor() override { PQclear(res_); }
  bool step(const std::vector<Value>& params) override;
  void reset() override {
    PQclear(res_);
    res_ = nullptr;
    row_ = -1;
  }
  int columns() const override { return res_ ? PQnfields(res_) : 0; }
  Value value(int col) const override {
    Value v;
    if (!res_ || row_ < 0 || PQgetisnull(res_, row_, col)) return v;
    // Results come in binary: no text to parse, and bytea arrives as its bytes.
    const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(res_, row_, col));
    const auto len = static_cast<std::size_t>(PQgetlength(res_, row_, col));
    auto be = [&](std::size_t n) {
      std::uint64_t x = 0;
      for (std::size_t i = 0; i < n; ++i) x = x << 8 | p[i];
      return x;
    };
    switch (PQftype(res_, col)) {
      case kBool: v.kind = Value::Kind::i64, v.i = p[0] != 0; break;
      case kInt2: v.kind = Value::Kind::i64, v.i = static_cast<std::int16_t>(be(2)); break;
      case kInt4: v.kind = Value::Kind::i64, v.i = static_cast<std::int32_t>(be(4)); break;
      case kInt8: v.kind = Value::Kind::i64, v.i = static_cast<std::int64_t>(be(8)); break;
      case kFloat4: {
        const auto bits = static_cast<std::uint32_t>(be(4));
        float f;
        std::memcpy(&f, &bits, 4);
        v.kind = Value::Kind::f64, v.f = f;
        break;
      }
      case kFloat8: {
        const std::uint64_t bits = be(8);
        v.kind = Value::Kind::f64;
        std::memcpy(&v.f, &bits, 8);
        break;
      }
      case kBytea: v.kind = Value::Kind::blob, v.s.assign(reinterpret_cast<const char*>(p), len); break;
      case kText: case kVarchar: case kBpchar: case kName: case kUnknown:
        v.kind = Value::Kind::text, v.s.assign(reinterpret_cast<const char*>(p), len);
        break;
      default:  // the board's SQL yields none of the others (numeric, dates, ...)
        throw Error("PostgreSQL: column " + std::to_string(col + 1) + " has a type the board does not read (OID " +
                        std::to_string(PQftype(res_, col)) + ")",
                    ExitCode::failure);
    }
    return v;
  }

 private:
  PgDb& db_;
  std::string sql_;
  PGresult* res_ = nullptr;
  int row_ = -1;
};

class PgDb final : public Db {
 public:
  explicit PgDb(const std::string& uri) {
    name_ = without_password(uri);
    conn_ = PQconnectdb(uri.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      PQfinish(conn_);
      conn_ = nullptr;
      throw IoError::cannot_read(name_, "cannot connect to PostgreSQL: " + msg);
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // NOTICEs are not errors
    exec("SET client_encoding = 'UTF8'");
  }
  ~PgDb() override { PQfinish(conn_); }
  Dialect dialect() const override { return Dialect::postgres; }
  std::unique_ptr<Cursor> prepare(const char* sql) override { return std::make_unique<PgCursor>(*this, sql); }
  void exec(const char* sql) override { check(PQexec(conn_, sql)); }
  void begin(TxKind kind) override {
    exec(kind == TxKind::write ? kBeginWrite : kind == TxKind::read ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN");
  }
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override { PQclear(PQexec(conn_, "ROLLBACK")); }
  PGconn* conn() { return conn_; }

  /// Takes ownership of `res`; throws on an error result, else returns it.
  PGresult* check(PGresult* res) {
    const auto st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
    std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
    PQclear(res);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    fail(msg);
  }

 private:
  PGconn* conn_ = nullptr;
};

bool PgCursor::step(const std::vector<Value>& params) {
  if (!res_) {
    const std::size_t n = params.size();
    std::vector<Oid> types(n, 0);
    std::vector<std::string> texts(n);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0), formats(n, 0);
    for (std::size_t k = 0; k < n; ++k) {
      const Value& v = params[k];
      switch (v.kind) {
        case Value::Kind::null: continue;
        case Value::Kind::i64: types[k] = kInt8, texts[k] = std::to_string(v.i); break;
        case Value::Kind::f64: {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.17g", v.f);
          types[k] = kFloat8, texts[k] = buf;
          break;
        }
        case Value::Kind::text: types[k] = kText, texts[k] = v.s; break;
        case Value::Kind::blob: types[k] = kBytea, formats[k] = 1, texts[k] = v.s; break;
      }
      values[k] = texts[k].data();
      lengths[k] = static_cast<int>(texts[k].size());
    }
    res_ = db_.check(PQexecParams(db_.conn(), sql_.c_str(), static_cast<int>(n), types.data(), values.data(),
                                  lengths.data(), formats.data(), 1));
  }
  ++row_;
  return row_ < PQntuples(res_);
}

}  // namespace

std::unique_ptr<Db> open_postgres(const std::string& uri) { return std::make_unique<PgDb>(uri); }

}  // namespace deteval::board::sql
