// Test-side OAuth 2.0 M2M material, made at run time with OpenSSL (no key is
// committed): key pairs as PEM, client assertions signed as a NetSuite client
// signs them, and a JWS signature check. Independent of the relay's signer
// and the simulator's verifier, so each is checked against a third party.
// Used by the simulator's auth tests and the relay's oauth2_m2m_test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::erpsim::test {

struct TestKeyPair {
  std::string private_pem;  // PKCS#8 "PRIVATE KEY"
  std::string public_pem;   // "PUBLIC KEY"
};

// Fresh keys (RSA for PS256, P-256 EC for ES256).
TestKeyPair make_rsa_key(int bits = 2048);
TestKeyPair make_p256_key();

std::string b64url(std::string_view bytes);
// "" when text is not base64url.
std::string b64url_decode(std::string_view text);

// A compact JWS: b64url(header).b64url(claims).b64url(signature), signed with
// private_pem as alg ("PS256": RSASSA-PSS SHA-256 salt 32; "ES256": raw r||s).
std::string sign_jws(const std::string& header_json, const std::string& claims_json, const std::string& private_pem,
                     const std::string& alg);

// A client assertion as NetSuite documents it, with the usual claims.
struct Assertion {
  std::string alg = "PS256";
  std::string kid;
  std::string iss;
  std::string aud;
  std::string scope = R"(["rest_webservices"])";  // JSON
  int64_t iat = 0;
  int64_t exp = 0;
};
std::string make_assertion(const Assertion& a, const std::string& private_pem);

// True when compact is a JWS whose signature verifies with public_pem as alg.
bool verify_jws(const std::string& compact, const std::string& public_pem, const std::string& alg);

// Writes text to a new file under a fresh directory in /tmp; returns its path.
std::string write_temp_file(const std::string& name, const std::string& text);
// Removes such a file and its directory.
void remove_temp_file(const std::string& path);

}  // namespace sb::erpsim::test
