// AdminUsers: the people allowed to act (retry, edit, discard) through a
// program's HTTP API and its command line. Every action is authenticated, and
// the authenticated name is what the audit trail records as "who".
//
// The users file (admin.users_file), one user per line; '#' starts a comment:
//   alice:pbkdf2-sha256:200000:<salt, 32 hex>:<hash, 64 hex>
// Passwords are never stored: PBKDF2-HMAC-SHA256 (OpenSSL), 16-byte random
// salt. `<program> hash-password NAME` reads a password on stdin and prints
// the line to add (make_password_line()).
// Requests authenticate with HTTP Basic (RFC 7617) over the program's HTTPS
// (or a loopback bind). A verified password is remembered as its SHA-256 for
// a minute, so repeated calls do not run the slow hash every time. More than
// 20 failed checks within a second are refused without hashing until the second
// has passed (a flood of wrong passwords cannot keep the server busy).
// Thread-safety: an AdminUsers may be used from many threads at once.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "platform/core/clock.h"
#include "platform/core/status.h"
#include "platform/http/http.h"

namespace sb {

class AdminUsers {
 public:
  // Parses a users file's text. InvalidArgument naming the line and what is
  // wrong with it (never echoing a hash). An empty text gives no users.
  static Result<std::shared_ptr<AdminUsers>> parse(std::string_view text);
  // Reads and parses the file; InvalidArgument naming the path when unreadable.
  static Result<std::shared_ptr<AdminUsers>> load(const std::string& path);

  // The user name when `name`/`password` match a line; nullopt otherwise.
  std::optional<std::string> check(const std::string& name, const std::string& password) const;
  // The user named by the request's "Authorization: Basic ..." header, or
  // nullopt with *why set ("no credentials", "unknown user or wrong password",
  // "malformed Authorization header").
  std::optional<std::string> authenticate(const HttpRequest& req, std::string* why = nullptr) const;
  size_t size() const { return users_.size(); }
  bool empty() const { return users_.empty(); }

 private:
  struct User {
    uint32_t iterations = 0;
    std::string salt;  // raw bytes
    std::string hash;  // raw 32 bytes
  };
  std::optional<std::string> check_slowly(const std::string& name, const std::string& password) const;
  static constexpr int64_t kFailureWindowMs = 1000;
  static constexpr size_t kMaxFailuresPerWindow = 20;  // beyond it, refused without hashing for the rest of the second
  std::map<std::string, User> users_;
  mutable std::mutex mu_;
  mutable std::deque<int64_t> failures_;  // mono ms of recent failed checks
  mutable std::map<std::string, std::pair<std::string, int64_t>> verified_;  // name -> sha256(password), mono ms
};

// Constant-time equality of two secrets (tokens, cookies), so a secret cannot
// be guessed byte by byte from response times. False when either is empty.
bool same_secret(std::string_view a, std::string_view b);

// A users-file line for `name` with a fresh random salt. InvalidArgument when
// the name is empty or holds ':' or whitespace, or the password is shorter than 8.
Result<std::string> make_password_line(const std::string& name, const std::string& password,
                                       uint32_t iterations = 200'000);

// The Authorization header value for HTTP Basic: "Basic base64(name:password)".
std::string basic_authorization(const std::string& name, const std::string& password);

// 401 with `WWW-Authenticate: Basic realm="stockbridge"` and the reason as JSON.
HttpResponse unauthorized(std::string_view why);

}  // namespace sb
