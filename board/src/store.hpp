// Where a board keeps submitted files and ground truths, content-addressed by SHA-256:
// a folder (`<dir>/<h0h1>/<sha256>`, the default; on shared storage for many hosts) or
// the database's `files` table (`init --files table`: nothing to share but the database).
// Names are hex digests only, so no user-supplied text ever becomes a path.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace deteval::board::sql {
class Db;
}

namespace deteval::board::store {

/// Creates the store folder (and its parent's entry) durably.
void init(const std::string& dir);

std::string blob_path(const std::string& dir, const std::string& sha256);

/// Stores `content` under `sha256` (its digest): written to a temporary file in the
/// target folder, fsynced, renamed into place, folder fsynced. Idempotent; safe when
/// several processes store the same content at once. Throws IoError.
void put(const std::string& dir, const std::string& sha256, std::string_view content);

/// Reads a stored file back and checks its digest (IoError when missing or altered).
std::string get(const std::string& dir, const std::string& sha256);

/// A board's file store: put is idempotent and durable before it returns; get checks the digest.
class Files {
 public:
  virtual ~Files() = default;
  virtual void put(const std::string& sha256, std::string_view content) = 0;
  virtual std::string get(const std::string& sha256) = 0;
  /// The folder, or "" for the database's table.
  virtual std::string dir() const = 0;
};

std::unique_ptr<Files> folder(const std::string& dir);
/// The `files` table of `db` (which must outlive the store): one row per content,
/// inserted once (a second put of the same digest changes nothing).
std::unique_ptr<Files> table(sql::Db& db);

}  // namespace deteval::board::store
