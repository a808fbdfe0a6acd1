// What the board commands print: text for people, JSON/CSV/HTML for programs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deteval/board/board.hpp"

namespace deteval::board {

enum class Format { text, csv, json, html };
/// "text", "csv", "json", "html"; throws UsageError naming `option` otherwise.
Format parse_format(const std::string& text, const std::string& option);

/// {"submission_id", "status", "public_score", "error"}: one line.
std::string submission_json(const SubmissionResult& r);
std::string submission_text(const SubmissionResult& r);

/// `check`: the submission object plus best_public_score, rank, remaining_today,
/// next_submission_at, open and final_picks.
std::string status_json(const UserStatus& s);
std::string status_text(const UserStatus& s);
/// `history`: {"task", "user", "submissions": [{"submission_id", "submitted_at", "status",
/// "public_score", "error", "late", "selected"}]}.
std::string history_json(const std::string& task, const std::string& user, const std::vector<HistoryEntry>& h);
std::string history_text(const std::vector<HistoryEntry>& h);
/// `select --json`: {"task", "user", "final_picks"}.
std::string selection_json(const std::string& task, const std::string& user, const std::vector<std::int64_t>& ids);

enum class ImagesFormat { coco, txt };
/// COCO JSON with "images" (id, file_name, width, height) and "categories" (id, name)
/// only; txt: one "id<TAB>file_name<TAB>width<TAB>height" line per image.
std::string render_test_images(const TestImages& t, ImagesFormat f);

std::string render_leaderboard(const Leaderboard& lb, Format f);

/// A task's rules. `organizer` adds what participants must not see (the split seed,
/// and the public image ids when given).
std::string task_json(const Task& t, std::int64_t now, bool organizer,
                      const std::vector<std::int64_t>* public_image_ids = nullptr);
std::string task_text(const Task& t, std::int64_t now, bool organizer);
std::string tasks_json(const std::vector<Task>& tasks, std::int64_t now);
std::string tasks_text(const std::vector<Task>& tasks, std::int64_t now);

std::string render_suspicious(const std::string& task, const std::vector<SuspiciousPair>& pairs, Format f);
std::string render_grades(const Grades& g, Format f);

/// CSV field: quoted when needed; a leading = + - @ is neutralised with a quote (formula injection).
std::string csv_field(const std::string& s);
/// deteval::html_escape (formats/report.hpp), kept here for the board's callers.
std::string html_escape(const std::string& s);

}  // namespace deteval::board
