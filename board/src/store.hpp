// The content-addressed file store beside the database: `<dir>/<h0h1>/<sha256>`.
// Names are hex digests only, so no user-supplied text ever becomes a path.
#pragma once

#include <string>
#include <string_view>

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

}  // namespace deteval::board::store
