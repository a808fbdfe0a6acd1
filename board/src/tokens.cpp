// Users' access tokens for the web service: 32 random bytes from the kernel, shown once as
// hex; the board stores only their SHA-256 (a stolen database yields no usable token).
// Tokens are high-entropy, so a fast hash suffices (no password stretching needed).
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "deteval/board/board.hpp"
#include "deteval/board/secret.hpp"
#include "deteval/board/sha256.hpp"
#include "deteval/formats/error.hpp"
#include "queries.hpp"

namespace deteval::board {

using namespace detail;

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  for (std::size_t got = 0; got < bytes;) {
    const ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("cannot draw a random token: ") + std::strerror(errno), ExitCode::failure);
    }
    got += static_cast<std::size_t>(n);
  }
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) (hex += digits[c >> 4]) += digits[c & 15];
  return hex;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string Board::issue_token(const std::string& user) {
  sql::Transaction tx(*db_, true);
  require_user(*db_, user);
  const std::string token = "dtv_" + random_hex(32);
  sql::Stmt del(*db_, "DELETE FROM tokens WHERE user_id = ?");
  del.bind(1, user).run();
  sql::Stmt ins(*db_, "INSERT INTO tokens(token_sha256, user_id, created_at) VALUES (?, ?, ?)");
  ins.bind(1, sha256_hex(token)).bind(2, user).bind(3, now()).run();
  tx.commit();
  return token;
}

std::optional<std::string> Board::token_user(const std::string& token) {
  // The lookup by digest can only leak timing about digests, which reveal nothing of the
  // token; the final comparison is constant-time anyway.
  const std::string digest = sha256_hex(token);
  sql::Stmt s(*db_, "SELECT token_sha256, user_id FROM tokens WHERE token_sha256 = ?");
  s.bind(1, digest);
  if (!s.step() || !equal_constant_time(s.text(0), digest)) return std::nullopt;
  return s.text(1);
}

}  // namespace deteval::board
