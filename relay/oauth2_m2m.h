// NetSuite OAuth 2.0 machine-to-machine: the client credentials grant with a
// signed JWT as the client assertion (RFC 7523), and the access token it buys.
//
// The relay signs a short-lived JWT with the private key whose certificate was
// uploaded to NetSuite (header {"typ":"JWT","alg":"PS256"|"ES256","kid":<certificate id>},
// claims {"iss":<client id>,"scope":[...],"aud":<token URL>,"iat","exp"}),
// posts it to {erp.base_url}/services/rest/auth/oauth2/v1/token and sends the
// access token it gets back as "Authorization: Bearer <token>". NetSuite's
// tokens last 60 minutes; a new one is obtained `renew_before` ahead of
// expiry, and once more after the ERP refuses the current one (refused()).
//
// PS256 is RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt; ES256 is
// ECDSA on P-256 with SHA-256 and the signature as raw r||s (64 bytes), not
// DER (RFC 7518 §3.4-3.5). Both through OpenSSL's EVP interface.
//
// Failure: when no token can be had (the token endpoint unreachable or
// refusing), authorization() answers "" so the request goes out without a
// header, the ERP answers 401 and the caller retries later, as for a revoked
// TBA token; the reason is logged. Attempts after a failure back off (5 s
// doubling to 5 min) so many poster threads cannot hammer the token endpoint.
//
// Thread-safety: authorization() and refused() may be called from many threads
// at once. One thread renews at a time; while it does, others keep using the
// current token if it has not yet expired, or wait for the renewal if it has.
// The private key, the assertion and the token are never logged or put in an
// error message.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"
#include "platform/http/http.h"
#include "relay/erp_auth.h"

namespace sb::relay {

// The token endpoint's path under erp.base_url; the full URL is also the JWT's aud.
inline constexpr const char* kOAuth2TokenPath = "/services/rest/auth/oauth2/v1/token";

enum class JwsAlgorithm { kPS256, kES256 };

// "PS256" / "ES256" (exact case, as JWS writes them); InvalidArgument otherwise.
Result<JwsAlgorithm> parse_jws_algorithm(std::string_view name);
const char* jws_algorithm_name(JwsAlgorithm algorithm);

// RFC 4648 §5 base64url without padding, as JWS uses it.
std::string base64url_encode(std::string_view bytes);
// Accepts input with or without padding; InvalidArgument on any other character.
Result<std::string> base64url_decode(std::string_view text);

// A private key for one algorithm: an RSA key (2048 bits or more) for PS256,
// a P-256 EC key for ES256. Immutable once made; safe to share between threads.
class JwtSigningKey {
 public:
  // From PEM text (PKCS#8 "PRIVATE KEY", or the traditional "RSA PRIVATE
  // KEY" / "EC PRIVATE KEY"); an encrypted key is refused, never prompted
  // for. InvalidArgument saying what is wrong with it (not its contents).
  static Result<std::shared_ptr<const JwtSigningKey>> from_pem(std::string_view pem, JwsAlgorithm algorithm);
  ~JwtSigningKey();
  JwtSigningKey(const JwtSigningKey&) = delete;
  JwtSigningKey& operator=(const JwtSigningKey&) = delete;

  JwsAlgorithm algorithm() const { return algorithm_; }
  // The JWS signature over signing_input (ES256: raw r||s, 64 bytes).
  Result<std::string> sign(std::string_view signing_input) const;

 private:
  struct Key;
  JwtSigningKey(std::unique_ptr<Key> key, JwsAlgorithm algorithm);
  std::unique_ptr<Key> key_;
  JwsAlgorithm algorithm_;
};

// Who the relay is to NetSuite's token endpoint.
struct OAuth2ClientCredentials {
  std::string token_url;       // https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token (= aud)
  std::string client_id;       // the integration record's client id (= iss)
  std::string certificate_id;  // the id NetSuite gave the uploaded certificate (= kid)
  std::vector<std::string> scopes{"rest_webservices"};
};

// The compact JWS client assertion, header.claims.signature, issued at now_s
// and valid for lifetime_s (NetSuite accepts at most 3600).
Result<std::string> make_client_assertion(const OAuth2ClientCredentials& credentials, const JwtSigningKey& key,
                                          int64_t now_s, int64_t lifetime_s);

struct OAuth2Options {
  Millis renew_before{5 * 60'000};     // get a new token this long before the current one expires
  Millis timeout{30'000};              // one token request
  Millis assertion_lifetime{600'000};  // exp - iat of each assertion: short, since it is used once
  Millis retry_first{5'000};           // after a failed token request, wait this long, doubling...
  Millis retry_cap{5 * 60'000};        // ...up to this
  Millis min_age_to_refuse{60'000};    // refused() keeps a token younger than this (see there)
};

class OAuth2ClientCredentialsAuth final : public ErpAuth {
 public:
  // http sends the token requests; clock times the tokens (iat/exp from its
  // wall time, expiry from its monotonic time) and must outlive this.
  OAuth2ClientCredentialsAuth(OAuth2ClientCredentials credentials, std::shared_ptr<const JwtSigningKey> key,
                              std::shared_ptr<HttpClient> http, const Clock& clock = SystemClock::instance(),
                              OAuth2Options options = {});

  // "Bearer <token>", obtaining or renewing the token when due; "" when none
  // can be had now (see the header comment).
  std::string authorization(const std::string& method, const std::string& url) const override;
  std::string scheme() const override { return "oauth2"; }
  // Forgets the current token so the next request obtains a new one — unless
  // it was obtained less than min_age_to_refuse ago: a 401 for a request sent
  // with the previous token, arriving just after a renewal, must not throw the
  // new token away too, and a token NetSuite keeps refusing is renewed at most
  // that often.
  void refused() const override;

  // The current access token, obtaining it when due; the Status says why
  // there is none (the token endpoint's error and error_description, or the
  // transport failure). For tests and diagnosis: the value is a secret.
  Result<std::string> access_token() const;

 private:
  struct Token {
    std::string value;
    int64_t obtained_ms = 0;  // monotonic, when the request was sent
    int64_t renew_at_ms = 0;
    int64_t expires_at_ms = 0;
  };
  // The token request itself; no lock held.
  Result<Token> request_token() const;
  // The token if one is usable at now_ms (not expired), else null. mu_ held.
  const Token* usable(int64_t now_ms) const;

  const OAuth2ClientCredentials credentials_;
  const std::shared_ptr<const JwtSigningKey> key_;
  const std::shared_ptr<HttpClient> http_;
  const Clock& clock_;
  const OAuth2Options options_;

  mutable std::mutex mu_;            // guards the members below
  mutable std::mutex renewal_mu_;    // held by the one thread asking for a token
  mutable std::unique_ptr<Token> token_;
  mutable int64_t next_attempt_ms_ = 0;  // after a failure: no request before this (monotonic)
  mutable Millis retry_delay_{0};
  mutable Status last_failure_;
};

}  // namespace sb::relay
