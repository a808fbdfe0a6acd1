// The board's schema and its upgrades. A board records its version in meta('schema');
// opening an older board upgrades it in place, in one transaction. The schema is written
// once, in SQLite's words; for PostgreSQL the types are mapped (for_dialect).
#include <nlohmann/json.hpp>

#include "queries.hpp"

namespace deteval::board::detail {

const char* const kSchemaVersion = "deteval-board 5";

namespace {

constexpr const char* kVersion1 = "deteval-board 1";
constexpr const char* kVersion2 = "deteval-board 2";
constexpr const char* kVersion3 = "deteval-board 3";
// Version 4 added the web service's tokens table; 4 -> 5 the work queue and the files table.
constexpr const char* kVersion4 = "deteval-board 4";

// Every table is STRICT: a wrong type is an error, not a silent conversion.
constexpr const char* kSchema = R"sql(
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE users(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  display_name TEXT
) STRICT;
CREATE TABLE tasks(
  name TEXT PRIMARY KEY,
  metric TEXT NOT NULL CHECK (metric IN ('coco-bbox', 'coco-segm', 'voc07', 'voc12')),
  public_fraction REAL NOT NULL CHECK (public_fraction > 0 AND public_fraction <= 1),
  seed INTEGER NOT NULL,
  deadline INTEGER,
  daily_limit INTEGER CHECK (daily_limit >= 0),
  max_dets_per_image INTEGER CHECK (max_dets_per_image >= 0),
  pass_score REAL,
  max_submission_bytes INTEGER NOT NULL CHECK (max_submission_bytes > 0),
  gt_sha256 TEXT NOT NULL,
  gt_file_name TEXT NOT NULL,
  images INTEGER NOT NULL,
  public_images INTEGER NOT NULL,
  annotations INTEGER NOT NULL,
  categories TEXT NOT NULL,
  revealed INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  final_picks INTEGER NOT NULL DEFAULT 2 CHECK (final_picks >= 1),
  late_until INTEGER,
  late_penalty REAL NOT NULL DEFAULT 0 CHECK (late_penalty >= 0 AND late_penalty <= 1),
  strict INTEGER NOT NULL DEFAULT 0 CHECK (strict IN (0, 1))
) STRICT;
CREATE TABLE task_images(
  task_name TEXT NOT NULL REFERENCES tasks(name),
  image_id INTEGER NOT NULL,
  public INTEGER NOT NULL CHECK (public IN (0, 1)),
  PRIMARY KEY (task_name, image_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE disqualifications(
  task_name TEXT NOT NULL REFERENCES tasks(name),
  user_id TEXT NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (task_name, user_id)
) STRICT;
)sql";

// The submissions table of version 5: a row may wait in the queue ('queued', with its
// file stored) until a worker scores it; `request_id` makes a front end's retries
// idempotent; `claimed_by`/`lease_until` say which worker holds it and until when.
constexpr const char* kSubmissions = R"sql(
CREATE TABLE submissions(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_name TEXT NOT NULL REFERENCES tasks(name),
  user_id TEXT NOT NULL REFERENCES users(id),
  submitted_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT,
  status TEXT NOT NULL CHECK (status IN ('scored', 'rejected', 'queued')),
  error TEXT NOT NULL DEFAULT '',
  detections INTEGER,
  public_score REAL,
  private_score REAL,
  public_stats TEXT,
  private_stats TEXT,
  late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
  sketch BLOB,
  request_id TEXT,
  file_name TEXT,
  claimed_by TEXT,
  lease_until INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  UNIQUE (user_id, request_id),
  CHECK (status = 'rejected' OR (sha256 IS NOT NULL AND error = '' AND (status = 'queued' OR detections IS NOT NULL)))
) STRICT;
)sql";
constexpr const char* kSubmissionIndexes = R"sql(
CREATE INDEX submissions_by_task_user ON submissions(task_name, user_id, submitted_at);
CREATE INDEX submissions_queued ON submissions(id) WHERE status = 'queued';
)sql";

// Version 5 also adds the files table (content-addressed; used when the board keeps its
// files in the database: `init --files table`).
constexpr const char* kFilesTable = R"sql(
CREATE TABLE files(
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  content BLOB NOT NULL
) STRICT;
)sql";

// The columns a version 3 or 4 submission row has, copied by the 4 -> 5 rebuild.
constexpr const char* kV3SubmissionColumns =
    "id, task_name, user_id, submitted_at, size, sha256, status, error, detections, public_score, private_score, "
    "public_stats, private_stats, late, sketch";

// Tables added by version 2 (also part of a fresh board).
constexpr const char* kVersion2Tables = R"sql(
CREATE TABLE selections(
  task_name TEXT NOT NULL REFERENCES tasks(name),
  user_id TEXT NOT NULL REFERENCES users(id),
  submission_id INTEGER NOT NULL REFERENCES submissions(id),
  selected_at INTEGER NOT NULL,
  PRIMARY KEY (task_name, user_id, submission_id)
) STRICT;
CREATE TABLE disqualification_log(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_name TEXT NOT NULL,
  user_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('disqualify', 'reinstate')),
  reason TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
)sql";

// Version 1 -> 2: final picks, late submissions, display names, stored sketches, the
// disqualification log (seeded with the current disqualifications).
constexpr const char* kUpgrade1To2 = R"sql(
ALTER TABLE users ADD COLUMN display_name TEXT;
ALTER TABLE tasks ADD COLUMN final_picks INTEGER NOT NULL DEFAULT 2 CHECK (final_picks >= 1);
ALTER TABLE tasks ADD COLUMN late_until INTEGER;
ALTER TABLE tasks ADD COLUMN late_penalty REAL NOT NULL DEFAULT 0 CHECK (late_penalty >= 0 AND late_penalty <= 1);
ALTER TABLE submissions ADD COLUMN late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1));
ALTER TABLE submissions ADD COLUMN sketch BLOB;
)sql";

// Version 2 -> 3: tasks that check submissions strictly (`task add --strict`); existing
// tasks keep accepting what the sanity checks warn about.
constexpr const char* kUpgrade2To3 = R"sql(
ALTER TABLE tasks ADD COLUMN strict INTEGER NOT NULL DEFAULT 0 CHECK (strict IN (0, 1));
)sql";

// Version 3 -> 4 (the web service, `board serve`): users' access tokens, one per user,
// stored as SHA-256 digests only (the token itself is shown once, when issued). Kept as its
// own step so another upgrade can be ordered before or after it.
constexpr const char* kUpgrade3To4 = R"sql(
CREATE TABLE tokens(
  token_sha256 TEXT PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE REFERENCES users(id),
  created_at INTEGER NOT NULL
) STRICT;
)sql";

const char* kKnownTables =
    "('meta', 'users', 'tasks', 'task_images', 'submissions', 'disqualifications', 'selections', "
    "'disqualification_log', 'tokens', 'files', 'sqlite_sequence')";

// SQLite's words -> PostgreSQL's: 64-bit integers, doubles, bytea, identity columns.
std::string for_dialect(const char* sql, sql::Dialect d) {
  std::string s = sql;
  if (d == sql::Dialect::sqlite) return s;
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  };
  replace_all("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  replace_all(" INTEGER", " BIGINT");
  replace_all(" REAL", " DOUBLE PRECISION");
  replace_all(" BLOB", " BYTEA");
  replace_all(") STRICT, WITHOUT ROWID;", ");");
  replace_all(") STRICT;", ");");
  return s;
}

void exec(sql::Db& db, const char* sql) { db.exec(for_dialect(sql, db.dialect()).c_str()); }

// The tables of the database's current schema (SQLite's main, PostgreSQL's search path)
// whose name satisfies `name_condition` (SQL on the column `name`; empty: all).
std::int64_t count_tables(sql::Db& db, const std::string& name_condition) {
  const bool sqlite = db.dialect() == sql::Dialect::sqlite;
  std::string q = sqlite ? "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                         : "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()";
  if (!name_condition.empty()) q += " AND " + std::string(sqlite ? "" : "table_") + name_condition;
  sql::Stmt s(db, q);
  s.step();
  return s.i64(0);
}

// Version 4 -> 5 (SQLite): a CHECK constraint changes, which SQLite can only do by
// rebuilding the table (its documented procedure; foreign keys are off meanwhile).
void rebuild_submissions_v5(sql::Db& db) {
  std::string create = kSubmissions;
  const std::string name = "CREATE TABLE submissions(";
  create.replace(create.find(name), name.size(), "CREATE TABLE submissions_v5(");
  db.exec(create.c_str());
  db.exec((std::string("INSERT INTO submissions_v5(") + kV3SubmissionColumns + ") SELECT " + kV3SubmissionColumns +
           " FROM submissions ORDER BY id").c_str());
  db.exec("DROP TABLE submissions");
  db.exec("ALTER TABLE submissions_v5 RENAME TO submissions");
  db.exec(kSubmissionIndexes);
}

}  // namespace

std::string schema_version(sql::Db& db) {
  // Probe the catalog first: on PostgreSQL a failed statement would abort the transaction.
  if (count_tables(db, "name = 'meta'") == 0) return "";
  sql::Stmt s(db, "SELECT value FROM meta WHERE key = 'schema'");
  if (s.step()) return s.text(0);
  return "";
}

void create_or_migrate(sql::Db& db, const std::string& db_path) {
  const std::string version = schema_version(db);
  if (version == kSchemaVersion) return;
  // A foreign database must not silently become half a board.
  if (count_tables(db, std::string("name NOT IN ") + kKnownTables) != 0)
    throw UsageError(db_path + ": is a database of something else, not a deteval board");
  if (version.empty()) {
    if (count_tables(db, "") != 0) throw UsageError(db_path + ": not a deteval board");
    exec(db, kSchema);
    exec(db, kSubmissions);
    exec(db, kSubmissionIndexes);
    exec(db, kVersion2Tables);
    exec(db, kUpgrade3To4);
    exec(db, kFilesTable);
    sql::Stmt meta(db, "INSERT INTO meta(key, value) VALUES ('schema', ?)");
    meta.bind(1, kSchemaVersion).run();
    return;
  }
  if (db.dialect() != sql::Dialect::sqlite ||
      (version != kVersion1 && version != kVersion2 && version != kVersion3 && version != kVersion4))
    throw UsageError(db_path + ": a deteval board of another version (" + version + "); this build reads " +
                     kVersion1 + " to " + kSchemaVersion);
  if (version == kVersion1) {
    db.exec(kUpgrade1To2);
    db.exec(kVersion2Tables);
    db.exec("INSERT INTO disqualification_log(task_name, user_id, action, reason, at) "
            "SELECT task_name, user_id, 'disqualify', reason, at FROM disqualifications ORDER BY at");
  }
  if (version == kVersion1 || version == kVersion2) db.exec(kUpgrade2To3);
  if (version != kVersion4) db.exec(kUpgrade3To4);
  rebuild_submissions_v5(db);
  if (count_tables(db, "name = 'files'") == 0) db.exec(kFilesTable);
  sql::Stmt meta(db, "UPDATE meta SET value = ? WHERE key = 'schema'");
  meta.bind(1, kSchemaVersion).run();
}

void prepare_schema(sql::Db& db, const std::string& db_path) {
  const bool sqlite = db.dialect() == sql::Dialect::sqlite;
  // The SQLite rebuild needs foreign keys off, which only takes effect outside a transaction.
  if (sqlite) db.exec("PRAGMA foreign_keys = OFF");
  {
    sql::Transaction tx(db, true);
    create_or_migrate(db, db_path);
    if (sqlite) {
      sql::Stmt fk(db, "PRAGMA foreign_key_check");
      if (fk.step()) throw Error(db_path + ": upgrade would break a reference between tables", ExitCode::failure);
    }
    tx.commit();
  }
  if (sqlite) db.exec("PRAGMA foreign_keys = ON");
}

}  // namespace deteval::board::detail
