#include "auth.h"

#include <chrono>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "netsuite_error.h"

namespace sb::erpsim {
namespace {

constexpr int64_t kTimestampWindowS = 5 * 60;  // NetSuite refuses signatures older or newer than this
constexpr int64_t kNonceMemoryS = 10 * 60;     // a nonce may not come back within this

bool starts_with_scheme(const std::string& header, const std::string& scheme) {
  if (header.size() <= scheme.size()) return false;
  // The scheme is case-insensitive (RFC 9110); what follows is not.
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(scheme[i])))
      return false;
  return true;
}

class BearerAuthenticator : public Authenticator {
 public:
  explicit BearerAuthenticator(std::string token) : token_(std::move(token)) {}
  bool admits(const SimRequest& request) const override {
    if (token_.empty()) return true;
    const std::string header = request.header("authorization");
    const std::string scheme = "Bearer ";
    return starts_with_scheme(header, scheme) && header.substr(scheme.size()) == token_;
  }

 private:
  std::string token_;
};

// Nonces seen in the last kNonceMemoryS seconds, oldest first.
class NonceMemory {
 public:
  // False when the nonce was seen within the window; otherwise remembers it.
  bool first_use(const std::string& nonce, int64_t now_s) {
    std::lock_guard lock(mu_);
    while (!order_.empty() && order_.front().first <= now_s - kNonceMemoryS) {
      seen_.erase(order_.front().second);
      order_.pop_front();
    }
    if (!seen_.insert(nonce).second) return false;
    order_.emplace_back(now_s, nonce);
    return true;
  }

 private:
  std::mutex mu_;
  std::unordered_set<std::string> seen_;
  std::deque<std::pair<int64_t, std::string>> order_;
};

class TbaAuthenticator : public Authenticator {
 public:
  TbaAuthenticator(OAuth1Credentials credentials, WallSeconds now_s)
      : credentials_(std::move(credentials)), now_s_(std::move(now_s)) {}

  bool admits(const SimRequest& request) const override {
    const std::string header = request.header("authorization");
    if (!starts_with_scheme(header, "OAuth ")) return false;
    Result<OAuth1Header> parsed = parse_oauth1_header(header);
    if (!parsed.ok()) return false;
    if (!verify_oauth1(*parsed, credentials_, request.method, addressed_url(request)).ok()) return false;
    const std::string& ts = parsed->param("oauth_timestamp");
    char* end = nullptr;
    const long long timestamp = std::strtoll(ts.c_str(), &end, 10);
    if (ts.empty() || *end != '\0') return false;
    const int64_t now = now_s_();
    if (timestamp < now - kTimestampWindowS || timestamp > now + kTimestampWindowS) return false;
    // Spent last, so a forged or stale request cannot use up a client's nonce.
    return nonces_.first_use(parsed->param("oauth_nonce"), now);
  }

 private:
  OAuth1Credentials credentials_;
  WallSeconds now_s_;
  mutable NonceMemory nonces_;
};

class EitherAuthenticator : public Authenticator {
 public:
  explicit EitherAuthenticator(std::vector<std::unique_ptr<Authenticator>> any) : any_(std::move(any)) {}
  bool admits(const SimRequest& request) const override {
    for (const auto& a : any_)
      if (a->admits(request)) return true;
    return false;
  }

 private:
  std::vector<std::unique_ptr<Authenticator>> any_;
};

// One owned elsewhere (the token issuer, which also serves the token endpoint).
class BorrowedAuthenticator : public Authenticator {
 public:
  explicit BorrowedAuthenticator(const Authenticator& other) : other_(other) {}
  bool admits(const SimRequest& request) const override { return other_.admits(request); }

 private:
  const Authenticator& other_;
};

int64_t system_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::unique_ptr<Authenticator> make_bearer_authenticator(const std::string& token) {
  return std::make_unique<BearerAuthenticator>(token);
}

std::unique_ptr<Authenticator> make_tba_authenticator(OAuth1Credentials credentials, WallSeconds now_s) {
  if (!now_s) now_s = system_seconds;
  return std::make_unique<TbaAuthenticator>(std::move(credentials), std::move(now_s));
}

std::unique_ptr<Authenticator> make_authenticator(const SimOptions& options, WallSeconds now_s,
                                                  const Authenticator* oauth2) {
  if (options.tba_consumer_key.empty() && !oauth2) return make_bearer_authenticator(options.bearer);
  std::vector<std::unique_ptr<Authenticator>> any;
  if (!options.tba_consumer_key.empty()) {
    any.push_back(make_tba_authenticator({options.tba_consumer_key, options.tba_consumer_secret, options.tba_token,
                                          options.tba_token_secret, options.account},
                                         std::move(now_s)));
  }
  if (!options.bearer.empty()) any.push_back(make_bearer_authenticator(options.bearer));
  if (oauth2) any.push_back(std::make_unique<BorrowedAuthenticator>(*oauth2));
  return std::make_unique<EitherAuthenticator>(std::move(any));
}

std::string addressed_url(const SimRequest& request) {
  std::string url = "http://" + request.host + request.path;
  char sep = '?';
  for (const auto& [name, value] : request.query) {
    url += sep;
    url += oauth1_encode(name) + "=" + oauth1_encode(value);
    sep = '&';
  }
  return url;
}

SimResponse invalid_login() {
  SimResponse response = netsuite_error(
      401, error_code::kInvalidLogin,
      "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > "
      "Users/Roles > User Management > View Login Audit Trail.");
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

}  // namespace sb::erpsim
