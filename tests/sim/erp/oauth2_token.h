// NetSuite's OAuth 2.0 client credentials (machine-to-machine) flow, served
// for real: POST /services/rest/auth/oauth2/v1/token takes a client assertion
// (a JWT signed with the private key of a certificate uploaded for the
// integration), checks it with OpenSSL and issues an access token that the
// record and query endpoints then accept as "Authorization: Bearer <token>".
//
// The request: application/x-www-form-urlencoded grant_type=client_credentials,
// client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer,
// client_assertion=<JWT>. The JWT: header alg PS256 (RSASSA-PSS SHA-256, salt
// 32) or ES256 (ECDSA P-256 SHA-256, raw r||s), kid = a configured certificate
// id; claims iss = the client id, aud = this endpoint's URL (only its path is
// compared: the host a client uses may be 127.0.0.1), iat, exp in the future
// with exp - iat <= 3600, scope (array or comma/space-separated string)
// including rest_webservices. The answer: 200
// {"access_token":"...","expires_in":"3600","token_type":"bearer"} (expires_in
// a string, as NetSuite sends it), or 400 {"error":...,"error_description":...}:
//   invalid_request         not a form, a parameter or required claim missing, not a JWT
//   unsupported_grant_type  grant_type other than client_credentials
//   invalid_client          unknown kid, unsupported alg or one the key cannot do,
//                           bad signature, iss not the client id (who is asking is unproven)
//   invalid_grant           a genuine assertion that cannot be honoured: wrong aud,
//                           expired, exp - iat over 3600, iat in the future
//   invalid_scope           scope without rest_webservices
// Tokens are random (not JWTs, unlike NetSuite's: clients must treat them as
// opaque anyway) and forgotten when they expire or the simulator stops.
//
// Thread-safety: token() and admits() may run on many server threads at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "auth.h"
#include "sim_http.h"

namespace sb::erpsim {

inline constexpr const char* kOAuth2TokenPath = "/services/rest/auth/oauth2/v1/token";

// "" when pem holds a public key NetSuite would take for ES256/PS256 (a PEM
// "PUBLIC KEY" or an X.509 "CERTIFICATE"; RSA or P-256 EC), else why not.
std::string check_oauth2_public_key(const std::string& pem);

class OAuth2Issuer final : public Authenticator {
 public:
  // client_id "" = the flow is not set up: every token request is invalid_client.
  OAuth2Issuer(std::string client_id, int token_ttl_s, WallSeconds now_s = {});
  ~OAuth2Issuer() override;

  // Trusts assertions signed by this certificate's key under kid. "" or why the PEM is refused.
  std::string add_certificate(const std::string& kid, const std::string& pem);
  bool configured() const { return !client_id_.empty(); }

  // The token endpoint.
  SimResponse token(const SimRequest& request);
  // A record/query request with the bearer token of an unexpired token issued here.
  bool admits(const SimRequest& request) const override;

  uint64_t issued() const { return issued_.load(); }

 private:
  struct PublicKey;
  const std::string client_id_;
  const int token_ttl_s_;
  const WallSeconds now_s_;
  std::map<std::string, std::unique_ptr<PublicKey>> keys_;  // by kid; filled before serving
  mutable std::mutex mu_;
  std::map<std::string, int64_t> tokens_;  // token -> expires at (Unix s); guarded by mu_
  std::atomic<uint64_t> issued_{0};
};

}  // namespace sb::erpsim
