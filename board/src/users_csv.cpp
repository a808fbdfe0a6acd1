#include "deteval/board/users_csv.hpp"

#include <set>

#include "deteval/formats/error.hpp"

namespace deteval::board {

namespace {

// The fields of one record starting at `pos`; advances past its line end. `line` counts
// physical lines (a quoted field may span several).
std::vector<std::string> read_record(std::string_view text, std::size_t& pos, std::size_t& line, const std::string& file) {
  std::vector<std::string> fields(1);
  const std::size_t start_line = line;
  bool quoted = false, was_quoted = false;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') fields.back() += '"', ++pos;
        else quoted = false;
      } else {
        if (c == '\n') ++line;
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '\n') {
      ++line;
      break;
    } else if (c == '\r' && pos < text.size() && text[pos] == '\n') {
      continue;
    } else {
      if (was_quoted) throw InputError::at(file, "line " + std::to_string(line), "expected ',' after a quoted field");
      fields.back() += c;
    }
  }
  if (quoted) throw InputError::at(file, "line " + std::to_string(start_line), "unterminated quoted field");
  return fields;
}

}  // namespace

std::vector<UserRecord> parse_users_csv(std::string_view text, const std::string& file) {
  std::vector<UserRecord> users;
  std::set<std::string> seen;
  std::size_t pos = 0, line = 1;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // a spreadsheet's byte-order mark
  bool first = true;
  while (pos < text.size()) {
    const std::size_t at = line;
    const auto f = read_record(text, pos, line, file);
    const std::string where = "line " + std::to_string(at);
    if (f.size() == 1 && f[0].empty()) continue;
    if (first && f.size() >= 2 && f[0] == "id" && f[1] == "name") {
      first = false;
      continue;
    }
    first = false;
    if (f.size() < 2 || f.size() > 3)
      throw InputError::at(file, where, "expected id,name[,display_name], got " + std::to_string(f.size()) + " field" +
                                            (f.size() == 1 ? "" : "s"));
    UserRecord u{f[0], f[1], std::nullopt};
    if (f.size() == 3 && !f[2].empty()) u.display_name = f[2];
    try {
      check_label(u.id, "id");
      check_label(u.name, "name");
      if (u.display_name) check_label(*u.display_name, "display_name");
    } catch (const UsageError& e) {
      throw InputError::at(file, where, e.what());
    }
    if (!seen.insert(u.id).second) throw InputError::at(file, where, "id '" + u.id + "' appears twice");
    users.push_back(std::move(u));
  }
  if (users.empty()) throw InputError::whole(file, "expected at least one user");
  return users;
}

}  // namespace deteval::board
