// How the relay proves itself to the ERP: the Authorization header of each
// request, chosen by erp.auth.
//
//   none   no header (a simulator without auth)
//   bearer OAuth 2.0 access token from erp.token_file: "Bearer <token>"
//          (the default; with erp.token_file empty no header is sent, as
//          before erp.auth existed)
//   tba    NetSuite token-based authentication (OAuth 1.0a, HMAC-SHA256,
//          platform/http/oauth1.h): a new nonce and timestamp per request, the
//          signature over the method and the full URL including its query
//   oauth2 NetSuite OAuth 2.0 machine-to-machine (relay/oauth2_m2m.h): an
//          access token the relay obtains with a JWT signed by its private key
//          (client credentials grant) and renews before it expires
//
// The header is made per request because a TBA signature covers one method
// and URL and its nonce may be used once. Thread-safety: authorization() may be
// called from many poster threads at once. Secrets are never logged.
#pragma once

#include <memory>
#include <string>

#include "platform/core/clock.h"
#include "platform/core/config.h"
#include "platform/core/status.h"
#include "platform/http/http.h"
#include "platform/http/oauth1.h"

namespace sb::relay {

class ErpAuth {
 public:
  virtual ~ErpAuth() = default;
  // The Authorization header value for this request; "" = send none (the
  // ERP then answers 401, which callers retry). With oauth2 it may wait for a
  // token request (one at a time, bounded by erp.timeout).
  virtual std::string authorization(const std::string& method, const std::string& url) const = 0;
  // "none", "bearer", "tba" or "oauth2" (for the status page and logs; no secret).
  virtual std::string scheme() const = 0;
  // The ERP answered 401 to a request that carried authorization()'s header.
  // A scheme whose credential can be renewed (oauth2) forgets it, so a later
  // authorization() obtains a new one; the others ignore it. Callers call it
  // on every 401 (not 403: a missing permission is not cured by a new token)
  // and still treat the 401 as "retry later"; the request is not repeated here.
  virtual void refused() const {}
};

class BearerAuth final : public ErpAuth {
 public:
  explicit BearerAuth(std::string token) : token_(std::move(token)) {}
  std::string authorization(const std::string&, const std::string&) const override { return "Bearer " + token_; }
  std::string scheme() const override { return "bearer"; }

 private:
  std::string token_;
};

class TbaAuth final : public ErpAuth {
 public:
  // Fresh CSPRNG nonces and the clock's time (the clock must outlive this).
  explicit TbaAuth(OAuth1Credentials credentials, const Clock& clock = SystemClock::instance())
      : signer_(std::move(credentials), clock) {}
  // Fixed stamps, for tests that reproduce a signature.
  TbaAuth(OAuth1Credentials credentials, OAuth1Signer::StampSource stamps) : signer_(std::move(credentials), std::move(stamps)) {}
  // "" for a URL that cannot be signed (erp.base_url is validated, so only a
  // programming error gets here); the ERP then answers 401 and the event waits.
  std::string authorization(const std::string& method, const std::string& url) const override;
  std::string scheme() const override { return "tba"; }

 private:
  OAuth1Signer signer_;
};

// The ErpAuth the settings choose (erp.auth and its erp.* companions), with the
// secret files read. nullptr for erp.auth = none (or bearer without a
// token file). InvalidArgument in the
// --check-config style, naming the setting and why ("erp.token_secret_file:
// must be set when erp.auth = tba", "erp.oauth2_private_key_file: ES256 needs
// an EC private key on P-256"); never a secret. With oauth2, token_http sends
// the token requests (null = a Poco client of its own); no request is made here.
Result<std::unique_ptr<ErpAuth>> erp_auth_from(const Config& config, const Clock& clock = SystemClock::instance(),
                                               std::shared_ptr<HttpClient> token_http = nullptr);

}  // namespace sb::relay
