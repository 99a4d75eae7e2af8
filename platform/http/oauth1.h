// OAuth 1.0a request signing (RFC 5849) with HMAC-SHA256, as NetSuite's
// token-based authentication (TBA) uses it, and the matching verifier.
//
// What is signed (RFC 5849 §3.4.1, checked against
// shared/reference/netsuite-tba-vectors.md): the upper-case method; the URL
// with scheme and host lower-cased, a default port dropped, the path as sent
// and no query; the query parameters and the oauth_* parameters, sorted.
// Not signed: the realm (NetSuite's account id, e.g. 1234567_SB1) and the
// body (a JSON body is not form-encoded, so it carries no parameters).
// The signed path must be the one that goes on the wire: the caller signs the
// same URL string it sends (HttpClient sends the path as given).
//
// Thread-safety: the free functions are pure; an OAuth1Signer may be used
// from many threads at once (its nonce source must be thread-safe too; the
// default one is).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "platform/core/clock.h"
#include "platform/core/status.h"

namespace sb {

// One integration's TBA credentials. Secrets never appear in headers, logs or
// error messages.
struct OAuth1Credentials {
  std::string consumer_key;
  std::string consumer_secret;
  std::string token;
  std::string token_secret;
  std::string realm;  // NetSuite account id; "" = no realm in the header
};

// What makes one signature unique: the nonce and the Unix time in seconds.
struct OAuth1Stamp {
  std::string nonce;
  int64_t timestamp = 0;
};

struct OAuth1Signature {
  std::string base_string;    // what was signed (for tests and diagnosis; holds no secret)
  std::string signature;      // base64 HMAC-SHA256, not percent-encoded
  std::string authorization;  // the Authorization header value: OAuth realm="...", ...
};

// RFC 5849 §3.6 percent-encoding: A-Z a-z 0-9 - . _ ~ kept, every other byte
// as %XX (upper-case hex). Locale-independent.
std::string oauth1_encode(std::string_view s);

// Signs one request. `url` is absolute (http:// or https://), query included.
// The header lists realm, oauth_nonce, oauth_timestamp, oauth_version,
// oauth_signature_method, oauth_consumer_key, oauth_token, oauth_signature in
// that order (as NetSuite's examples and the vectors do).
// InvalidArgument for a URL that is not absolute http(s).
Result<OAuth1Signature> oauth1_sign(const OAuth1Credentials& credentials, std::string_view method,
                                    std::string_view url, const OAuth1Stamp& stamp);

// A fresh stamp: a 32-character hex nonce from OpenSSL's CSPRNG and the
// clock's wall time in seconds.
OAuth1Stamp fresh_oauth1_stamp(const Clock& clock);

// Signs each request with a fresh stamp. The stamp source is injectable so
// tests can reproduce a signature byte for byte.
class OAuth1Signer {
 public:
  using StampSource = std::function<OAuth1Stamp()>;
  // Fresh CSPRNG nonces and the clock's time (the clock must outlive the signer).
  explicit OAuth1Signer(OAuth1Credentials credentials, const Clock& clock = SystemClock::instance());
  OAuth1Signer(OAuth1Credentials credentials, StampSource stamps);

  // The Authorization header value for one request; InvalidArgument for a bad URL.
  Result<std::string> authorization(std::string_view method, std::string_view url) const;
  const OAuth1Credentials& credentials() const { return credentials_; }

 private:
  OAuth1Credentials credentials_;
  StampSource stamps_;
};

// An `Authorization: OAuth ...` header taken apart: realm as written, every
// other parameter percent-decoded.
struct OAuth1Header {
  std::string realm;
  std::map<std::string, std::string> params;  // oauth_consumer_key, oauth_signature, ...

  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

// Parses the header value (the scheme "OAuth" is case-insensitive).
// InvalidArgument when it is not OAuth, is malformed, or repeats a parameter.
Result<OAuth1Header> parse_oauth1_header(std::string_view authorization);

// Checks a parsed header against the expected credentials for a request
// (method and absolute URL as the client addressed them): consumer key, token
// and (when credentials.realm is set) realm match; signature method
// HMAC-SHA256; version absent or 1.0; nonce and timestamp present; and the
// signature recomputed with the secrets matches (constant-time compare).
// Freshness (timestamp window, nonce reuse) is the caller's policy.
// Unauthenticated-style refusals come back as InvalidArgument naming what was
// wrong — never a secret or the expected signature.
Status verify_oauth1(const OAuth1Header& header, const OAuth1Credentials& credentials, std::string_view method,
                     std::string_view url);

}  // namespace sb
