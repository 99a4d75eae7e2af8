// OAuth 2.0 client-credentials tokens for the simulated tenant.
// Tokens expire after a configurable lifetime (on the injected Clock, so tests
// can step past expiry) and can all be revoked at once, as a person logging in
// with the integration's account would end its session.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>

#include "platform/core/clock.h"
#include "platform/http/http.h"

namespace sb::clarus_sim {

struct OAuthSettings {
  std::string client_id = "stockbridge";
  std::string client_secret = "secret";
  std::string subdomain = "stockbridge";
  int64_t token_ttl_s = 3600;
};

class OAuthServer {
 public:
  OAuthServer(OAuthSettings settings, const Clock& clock, uint64_t seed);

  // POST /oauth/token (form or JSON body): 200 {access_token, token_type, expires_in}
  // or 400 unsupported_grant_type / 401 invalid_client.
  HttpResponse issue(const HttpRequest& request);
  // "" when the request may proceed, else the reason for a 401.
  std::string check(const HttpRequest& request) const;
  void revoke_all();
  void set_ttl(int64_t seconds);
  int64_t issued() const;

 private:
  OAuthSettings settings_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::mt19937_64 rng_;
  std::map<std::string, int64_t> expiry_ms_;  // token -> mono ms it dies at
  int64_t issued_ = 0;
};

}  // namespace sb::clarus_sim
