// The board's schema and its upgrades. A board records its version in meta('schema');
// opening an older board upgrades it in place, in one transaction.
#include <nlohmann/json.hpp>

#include "queries.hpp"

namespace deteval::board::detail {

const char* const kSchemaVersion = "deteval-board 4";

namespace {

constexpr const char* kVersion1 = "deteval-board 1";
constexpr const char* kVersion2 = "deteval-board 2";
constexpr const char* kVersion3 = "deteval-board 3";

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
CREATE TABLE submissions(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_name TEXT NOT NULL REFERENCES tasks(name),
  user_id TEXT NOT NULL REFERENCES users(id),
  submitted_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT,
  status TEXT NOT NULL CHECK (status IN ('scored', 'rejected')),
  error TEXT NOT NULL DEFAULT '',
  detections INTEGER,
  public_score REAL,
  private_score REAL,
  public_stats TEXT,
  private_stats TEXT,
  late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
  sketch BLOB,
  CHECK (status = 'rejected' OR (sha256 IS NOT NULL AND detections IS NOT NULL AND error = ''))
) STRICT;
CREATE INDEX submissions_by_task_user ON submissions(task_name, user_id, submitted_at);
CREATE TABLE disqualifications(
  task_name TEXT NOT NULL REFERENCES tasks(name),
  user_id TEXT NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (task_name, user_id)
) STRICT;
)sql";

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
    "'disqualification_log', 'tokens', 'sqlite_sequence')";

}  // namespace

std::string schema_version(sql::Db& db) {
  try {
    sql::Stmt s(db, "SELECT value FROM meta WHERE key = 'schema'");
    if (s.step()) return s.text(0);
  } catch (const Error&) {  // no meta table
  }
  return "";
}

void create_or_migrate(sql::Db& db, const std::string& db_path) {
  const std::string version = schema_version(db);
  if (version == kSchemaVersion) return;
  {
    // A foreign SQLite file must not silently become half a board.
    sql::Stmt s(db, (std::string("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT IN ") +
                     kKnownTables).c_str());
    s.step();
    if (s.i64(0) != 0) throw UsageError(db_path + ": is an SQLite database of something else, not a deteval board");
  }
  if (version.empty()) {
    sql::Stmt any(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
    any.step();
    if (any.i64(0) != 0) throw UsageError(db_path + ": not a deteval board");
    db.exec(kSchema);
    db.exec(kVersion2Tables);
    db.exec(kUpgrade3To4);
    sql::Stmt meta(db, "INSERT INTO meta(key, value) VALUES ('schema', ?)");
    meta.bind(1, kSchemaVersion).run();
    return;
  }
  if (version != kVersion1 && version != kVersion2 && version != kVersion3)
    throw UsageError(db_path + ": a deteval board of another version (" + version + "); this build reads " +
                     kVersion1 + " to " + kSchemaVersion);
  if (version == kVersion1) {
    db.exec(kUpgrade1To2);
    db.exec(kVersion2Tables);
    db.exec("INSERT INTO disqualification_log(task_name, user_id, action, reason, at) "
            "SELECT task_name, user_id, 'disqualify', reason, at FROM disqualifications ORDER BY at");
  }
  if (version != kVersion3) db.exec(kUpgrade2To3);
  db.exec(kUpgrade3To4);
  sql::Stmt meta(db, "UPDATE meta SET value = ? WHERE key = 'schema'");
  meta.bind(1, kSchemaVersion).run();
}

}  // namespace deteval::board::detail
