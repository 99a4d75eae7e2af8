#include "platform/http/admin_auth.h"

#include <fstream>
#include <sstream>
#include <vector>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace sb {
namespace {

constexpr char kScheme[] = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr size_t kMinPassword = 8;
// Fewer rounds make a stolen users file cheap to attack; more make every
// uncached request (and every unknown-user guess) stall a core for seconds.
constexpr uint32_t kMinIterations = 1'000;
constexpr uint32_t kMaxIterations = 10'000'000;
constexpr int64_t kVerifiedForMs = 60'000;

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Exactly `bytes` bytes of hex, or false.
bool from_hex(std::string_view hex, size_t bytes, std::string* out) {
  if (hex.size() != bytes * 2) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    *out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Why `name` cannot be a user name, or "" when it can. A leading '#' would
// make its line a comment.
std::string name_problem(std::string_view name) {
  if (name.empty()) return "the user name is empty";
  if (name.front() == '#') return "the user name may not start with '#'";
  for (char c : name) {
    if (c == ':') return "the user name may not contain ':'";
    if (is_space(c)) return "the user name may not contain whitespace";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "the user name may not contain control characters";
  }
  return "";
}

std::string pbkdf2(const std::string& password, const std::string& salt, uint32_t iterations) {
  std::string out(kHashBytes, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                    static_cast<int>(iterations), EVP_sha256(), static_cast<int>(out.size()),
                    reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string sha256(const std::string& s) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

bool same_bytes(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// RFC 4648 base64 with padding; false on anything else.
bool base64_decode(std::string_view in, std::string* out) {
  if (in.empty() || in.size() % 4 != 0) return false;
  for (char c : in) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                    c == '/' || c == '=';
    if (!ok) return false;
  }
  size_t pad = 0;
  while (pad < 2 && in[in.size() - 1 - pad] == '=') ++pad;
  if (in.substr(0, in.size() - pad).find('=') != std::string_view::npos) return false;
  std::string buf(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0 || static_cast<size_t>(n) < pad) return false;
  buf.resize(static_cast<size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  *out = std::move(buf);
  return true;
}

Status line_error(size_t line, const std::string& what) {
  return Status::InvalidArgument("admin users: line " + std::to_string(line) + ": " + what);
}

}  // namespace

Result<std::shared_ptr<AdminUsers>> AdminUsers::parse(std::string_view text) {
  auto users = std::make_shared<AdminUsers>();
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    // '#' starts a comment at the start of a line or after whitespace; a
    // name cannot hold whitespace, so a '#' inside a name is not a comment.
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || is_space(line[i - 1]))) {
        line = line.substr(0, i);
        break;
      }
    }
    line = trim(line);
    if (line.empty()) continue;

    std::vector<std::string_view> fields;
    while (true) {
      const size_t colon = line.find(':');
      fields.push_back(line.substr(0, colon));
      if (colon == std::string_view::npos) break;
      line.remove_prefix(colon + 1);
    }
    if (fields.size() != 5) {
      return line_error(line_no, "expected NAME:pbkdf2-sha256:ITERATIONS:SALT:HASH (" + std::to_string(fields.size()) +
                                     " fields found; make one with hash-password)");
    }
    const std::string name(fields[0]);
    if (std::string why = name_problem(name); !why.empty()) return line_error(line_no, why);
    if (fields[1] != kScheme) {
      return line_error(line_no, "user '" + name + "': the scheme must be " + kScheme);
    }
    uint64_t iterations = 0;
    bool digits = !fields[2].empty() && fields[2].size() <= 9;
    for (char c : fields[2]) {
      if (c < '0' || c > '9') digits = false;
      else iterations = iterations * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!digits || iterations < kMinIterations || iterations > kMaxIterations) {
      return line_error(line_no, "user '" + name + "': the iteration count must be a number from " +
                                     std::to_string(kMinIterations) + " to " + std::to_string(kMaxIterations));
    }
    User user;
    user.iterations = static_cast<uint32_t>(iterations);
    if (!from_hex(fields[3], kSaltBytes, &user.salt)) {
      return line_error(line_no, "user '" + name + "': the salt must be 32 hex digits");
    }
    if (!from_hex(fields[4], kHashBytes, &user.hash)) {
      return line_error(line_no, "user '" + name + "': the hash must be 64 hex digits");
    }
    if (!users->users_.emplace(name, std::move(user)).second) {
      return line_error(line_no, "user '" + name + "' is listed twice");
    }
  }
  return users;
}

Result<std::shared_ptr<AdminUsers>> AdminUsers::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read the admin users file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::InvalidArgument("cannot read the admin users file " + path);
  Result<std::shared_ptr<AdminUsers>> users = parse(ss.str());
  if (!users.ok()) return Status::InvalidArgument(path + ": " + users.status().message());
  return users;
}

std::optional<std::string> AdminUsers::check(const std::string& name, const std::string& password) const {
  // Many wrong passwords at once (guessing, or a flood meant to keep the server
  // busy hashing): refuse fast for a moment rather than run the slow hash for each.
  const int64_t started = SystemClock::instance().mono_ms();
  {
    std::lock_guard lock(mu_);
    while (!failures_.empty() && started - failures_.front() > kFailureWindowMs) failures_.pop_front();
    if (failures_.size() >= kMaxFailuresPerWindow) return std::nullopt;
  }
  std::optional<std::string> who = check_slowly(name, password);
  if (!who) {
    std::lock_guard lock(mu_);
    failures_.push_back(started);
  }
  return who;
}

std::optional<std::string> AdminUsers::check_slowly(const std::string& name, const std::string& password) const {
  const auto it = users_.find(name);
  if (it == users_.end()) {
    // The same slow hash as for a real user, so answer times do not tell
    // which names exist.
    static const std::string kDummySalt(kSaltBytes, 'x');
    (void)pbkdf2(password, kDummySalt, 200'000);
    return std::nullopt;
  }
  const User& user = it->second;
  const std::string digest = sha256(password);
  const int64_t now = SystemClock::instance().mono_ms();
  {
    std::lock_guard lock(mu_);
    const auto v = verified_.find(name);
    if (v != verified_.end() && now - v->second.second < kVerifiedForMs && same_bytes(v->second.first, digest)) {
      return name;
    }
  }
  // Outside the lock: the slow hash must not hold up other users' requests.
  if (!same_bytes(pbkdf2(password, user.salt, user.iterations), user.hash)) return std::nullopt;
  std::lock_guard lock(mu_);
  verified_[name] = {digest, now};
  return name;
}

std::optional<std::string> AdminUsers::authenticate(const HttpRequest& req, std::string* why) const {
  auto fail = [&](const char* reason) -> std::optional<std::string> {
    if (why) *why = reason;
    return std::nullopt;
  };
  const std::string value = req.header("Authorization");
  const std::string_view header = trim(value);
  if (header.empty()) return fail("no credentials");
  const size_t space = header.find(' ');
  if (space == std::string_view::npos || space != 5 || strncasecmp(header.data(), "Basic", 5) != 0) {
    return fail("malformed Authorization header");
  }
  std::string decoded;
  if (!base64_decode(trim(header.substr(space + 1)), &decoded)) return fail("malformed Authorization header");
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) {
    OPENSSL_cleanse(decoded.data(), decoded.size());
    return fail("malformed Authorization header");
  }
  const std::string name = decoded.substr(0, colon);
  std::string password = decoded.substr(colon + 1);
  OPENSSL_cleanse(decoded.data(), decoded.size());
  std::optional<std::string> user = check(name, password);
  OPENSSL_cleanse(password.data(), password.size());
  if (!user) return fail("unknown user or wrong password");
  return user;
}

Result<std::string> make_password_line(const std::string& name, const std::string& password, uint32_t iterations) {
  if (std::string why = name_problem(name); !why.empty()) return Status::InvalidArgument(why);
  if (password.size() < kMinPassword) {
    return Status::InvalidArgument("the password must be at least " + std::to_string(kMinPassword) + " characters");
  }
  if (iterations < kMinIterations || iterations > kMaxIterations) {
    return Status::InvalidArgument("the iteration count must be from " + std::to_string(kMinIterations) + " to " +
                                   std::to_string(kMaxIterations));
  }
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1) {
    return Status::Internal("the system random generator failed; no salt");
  }
  const std::string hash = pbkdf2(password, salt, iterations);
  return name + ":" + kScheme + ":" + std::to_string(iterations) + ":" + to_hex(salt) + ":" + to_hex(hash);
}

HttpResponse unauthorized(std::string_view why) {
  HttpResponse r = HttpResponse::error(401, why);
  r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"stockbridge\"");
  return r;
}

std::string basic_authorization(const std::string& name, const std::string& password) {
  const std::string in = name + ":" + password;
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return "Basic " + out;
}

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace sb
