// Internals shared by the board's source files: the schema, reading rows back, and
// the few lookups every operation starts with.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "deteval/board/board.hpp"
#include "deteval/params.hpp"
#include "deteval/formats/error.hpp"
#include "db.hpp"
#include "store.hpp"

namespace deteval::board::detail {

inline constexpr std::int64_t kDayMs = 24 * 3600 * 1000;

/// Creates the current schema in an empty database, or upgrades an older board's, in one
/// transaction. Throws UsageError for a foreign database.
void prepare_schema(sql::Db& db, const std::string& db_path);
/// The schema version the database holds ("" when none).
std::string schema_version(sql::Db& db);
extern const char* const kSchemaVersion;

IouType iou_type_of(Metric m);
/// The task's ground truth from the store. Any problem here is the organizer's, never
/// the participant's: it is reported as an internal failure (exit 1), not a rejection.
GroundTruth load_gt(store::Files& files, const Task& t);

std::optional<Task> find_task(sql::Db& db, const std::string& name);
std::optional<UserRecord> find_user(sql::Db& db, const std::string& id);
/// Throws UsageError when there is no such user.
UserRecord require_user(sql::Db& db, const std::string& id);
/// The reason a user is disqualified from a task, if they are.
std::optional<std::string> disqualification(sql::Db& db, const std::string& task, const std::string& user);

/// A refusal by the rules: exit code 6, a message fit for the participant.
inline RejectedError refusal(const std::string& message) { return RejectedError(message); }

/// One scored submission as the standings read it.
struct ScoredRow {
  std::int64_t id = 0, submitted_at = 0;
  std::string user, name;  ///< name: display name, else the registered name
  std::optional<double> public_score, private_score;
};

/// The task's scored submissions of users not disqualified from it, by user, oldest first.
std::map<std::string, std::vector<ScoredRow>> scored_by_user(sql::Db& db, const std::string& task);
/// The user's selected final picks (empty: none made), ascending.
std::vector<std::int64_t> selection(sql::Db& db, const std::string& task, const std::string& user);
/// The rows that count as final picks: the selection, else the best `k` public scores.
std::vector<const ScoredRow*> final_rows(const std::vector<ScoredRow>& rows, const std::vector<std::int64_t>& selected,
                                         int k);

/// Scored submissions of a user to a task in the 24 h before `now`, and the oldest one's time.
std::pair<std::int64_t, std::int64_t> scored_in_window(sql::Db& db, const std::string& task, const std::string& user,
                                                       std::int64_t now);

}  // namespace deteval::board::detail
