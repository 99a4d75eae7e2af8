// Who may call the record and query endpoints: nobody is asked, a static
// bearer token (--bearer), NetSuite token-based authentication (OAuth 1.0a,
// HMAC-SHA256, verified for real with platform/http/oauth1.h), an access
// token issued by the OAuth 2.0 client credentials endpoint (oauth2_token.h),
// or any of those that are set.
//
// TBA: the signature is checked over the request's method and the URL as the
// client addressed it, rebuilt as http://{Host header}{path as sent}?{query}.
// That assumes the client talks plain HTTP straight to the simulator; behind a
// TLS terminator or a proxy that rewrites Host the client signed another URL
// and is refused. The timestamp must be within ±5 minutes and the nonce unseen
// in the last 10 minutes (only a validly signed request spends a nonce).
//
// Thread-safety: admits() may run on many server threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "platform/http/oauth1.h"
#include "sim_http.h"
#include "sim_options.h"

namespace sb::erpsim {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual bool admits(const SimRequest& request) const = 0;
};

// Admits every request when token is "", else only "Authorization: Bearer <token>".
std::unique_ptr<Authenticator> make_bearer_authenticator(const std::string& token);

// Unix seconds; the TBA timestamp window is measured against it.
using WallSeconds = std::function<int64_t()>;

// Admits only requests with a valid TBA header for these credentials (realm
// checked when credentials.realm is set). now_s defaults to the system clock.
std::unique_ptr<Authenticator> make_tba_authenticator(OAuth1Credentials credentials, WallSeconds now_s = {});

// What the options ask for: TBA when --tba-consumer-key is set, bearer when
// --bearer is set, the tokens `oauth2` issued when it is given (the
// simulator's token issuer when --oauth2-client-id is set; it must outlive the
// result), any of them when several, everybody when none.
std::unique_ptr<Authenticator> make_authenticator(const SimOptions& options, WallSeconds now_s = {},
                                                  const Authenticator* oauth2 = nullptr);

// The URL the client addressed, for signature checks: http://HOST/path?query
// with the query re-encoded from its decoded parameters (sorted by name, which
// the signature does not depend on).
std::string addressed_url(const SimRequest& request);

// NetSuite's answer to a failed login: 401 INVALID_LOGIN, "Invalid login attempt. ..."
SimResponse invalid_login();

}  // namespace sb::erpsim
