// The PostgreSQL backend of the board's database layer (db.hpp), over plain libpq: the
// board needs parameterised statements, rows and transactions, nothing libpqxx would add.
// Statements go out with PQexecParams (text parameters with explicit types, blobs in
// binary), results come back as text and are typed by their column's type.
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
constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kFloat4 = 700,
              kFloat8 = 701, kNumeric = 1700;

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

std::string unhex_bytea(const char* text, std::size_t len) {
  std::string out;
  if (len < 2 || text[0] != '\\' || text[1] != 'x') {  // escape format (bytea_output = escape)
    std::size_t n = 0;
    unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &n);
    if (raw) out.assign(reinterpret_cast<const char*>(raw), n), PQfreemem(raw);
    return out;
  }
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  out.resize((len - 2) / 2);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(nib(text[2 + 2 * i]) << 4 | nib(text[3 + 2 * i]));
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
    const char* t = PQgetvalue(res_, row_, col);
    const auto len = static_cast<std::size_t>(PQgetlength(res_, row_, col));
    switch (PQftype(res_, col)) {
      case kBool: v.kind = Value::Kind::i64, v.i = t[0] == 't'; break;
      case kInt2: case kInt4: case kInt8: v.kind = Value::Kind::i64, v.i = std::strtoll(t, nullptr, 10); break;
      case kFloat4: case kFloat8: case kNumeric: v.kind = Value::Kind::f64, v.f = std::strtod(t, nullptr); break;
      case kBytea: v.kind = Value::Kind::blob, v.s = unhex_bytea(t, len); break;
      default: v.kind = Value::Kind::text, v.s.assign(t, len);
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
    // Exact doubles back as text (the default since PostgreSQL 12; set for older servers).
    exec("SET extra_float_digits = 3; SET client_encoding = 'UTF8'");
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
                                  lengths.data(), formats.data(), 0));
  }
  ++row_;
  return row_ < PQntuples(res_);
}

}  // namespace

std::unique_ptr<Db> open_postgres(const std::string& uri) { return std::make_unique<PgDb>(uri); }

}  // namespace deteval::board::sql
