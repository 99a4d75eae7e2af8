#include "oauth2_token.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cctype>
#include <chrono>
#include <vector>

#include <Poco/JSON/Array.h>

#include "json_body.h"
#include "platform/core/text.h"
#include "platform/http/http.h"

namespace sb::erpsim {
namespace {

constexpr char kAssertionType[] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr char kRequiredScope[] = "rest_webservices";
constexpr int64_t kMaxAssertionLifetimeS = 3600;  // NetSuite: exp at most an hour after iat
constexpr int64_t kClockSkewS = 5 * 60;           // iat this far ahead of our clock is still accepted
constexpr int kPssSaltBytes = 32;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

int64_t system_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A PEM public key or the public key of a PEM certificate; null when neither.
Pkey read_public_key(const std::string& pem) {
  ERR_clear_error();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    bio.reset(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                     X509_free);
    if (cert) key.reset(X509_get_pubkey(cert.get()));
  }
  ERR_clear_error();
  return key;
}

bool is_p256(EVP_PKEY* key) {
  char group[64] = {};
  size_t len = 0;
  const bool ok = EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1;
  ERR_clear_error();
  const std::string name(group, ok ? len : 0);
  return name == "prime256v1" || name == "P-256";
}

bool is_rsa(EVP_PKEY* key) { return EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS"); }

// RFC 4648 §5 without padding, as JWS writes it; false on anything else.
bool base64url_decode(const std::string& text, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return text.size() % 4 != 1;
}

SimResponse oauth_error(const std::string& error, const std::string& description) {
  SimResponse r;
  r.status = 400;
  r.content_type = kJsonType;
  Poco::JSON::Object::Ptr body = new_object();
  body->set("error", error);
  body->set("error_description", description);
  r.body = to_json(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// application/x-www-form-urlencoded; false when a parameter comes twice (RFC 6749 §3.2).
bool form_fields(const std::string& body, std::map<std::string, std::string>* out) {
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    std::string pair = body.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!pair.empty()) {
      for (char& c : pair)
        if (c == '+') c = ' ';
      const size_t eq = pair.find('=');
      const std::string name = url_decode(pair.substr(0, eq));
      const std::string value = eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
      if (!out->emplace(name, value).second) return false;
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return true;
}

struct Jwt {
  Poco::JSON::Object::Ptr header;
  Poco::JSON::Object::Ptr claims;
  std::string signing_input;  // header.claims as sent
  std::string signature;      // decoded
};

bool parse_jwt(const std::string& text, Jwt* jwt) {
  const size_t first = text.find('.');
  const size_t second = first == std::string::npos ? first : text.find('.', first + 1);
  if (second == std::string::npos || text.find('.', second + 1) != std::string::npos) return false;
  std::string header, claims;
  if (!base64url_decode(text.substr(0, first), &header) ||
      !base64url_decode(text.substr(first + 1, second - first - 1), &claims) ||
      !base64url_decode(text.substr(second + 1), &jwt->signature))
    return false;
  jwt->header = parse_object(header);
  jwt->claims = parse_object(claims);
  jwt->signing_input = text.substr(0, second);
  return jwt->header && jwt->claims;
}

std::string string_field(const Poco::JSON::Object::Ptr& o, const std::string& name) {
  if (!o->has(name)) return "";
  Poco::Dynamic::Var v = o->get(name);
  return v.isString() ? v.extract<std::string>() : "";
}

bool integer_field(const Poco::JSON::Object::Ptr& o, const std::string& name, int64_t* out) {
  if (!o->has(name)) return false;
  Poco::Dynamic::Var v = o->get(name);
  if (!v.isInteger()) return false;
  *out = v.convert<int64_t>();
  return true;
}

// A claim that may be one string or an array of strings (aud, and scope, which
// NetSuite also takes as one comma- or space-separated string).
std::vector<std::string> strings_of(const Poco::JSON::Object::Ptr& o, const std::string& name, bool split) {
  std::vector<std::string> out;
  if (!o->has(name)) return out;
  Poco::Dynamic::Var v = o->get(name);
  if (Poco::JSON::Array::Ptr a = o->getArray(name)) {
    for (size_t i = 0; i < a->size(); ++i)
      if (a->get(i).isString()) out.push_back(a->get(i).extract<std::string>());
    return out;
  }
  if (!v.isString()) return out;
  const std::string text = v.extract<std::string>();
  if (!split) return {text};
  return split_list(text, ", ");
}

// The path of an absolute http(s) URL, without its query; "" when it is not one.
std::string url_path(const std::string& url) {
  size_t at;
  if (url.rfind("https://", 0) == 0) at = 8;
  else if (url.rfind("http://", 0) == 0) at = 7;
  else return "";
  const size_t slash = url.find('/', at);
  if (slash == std::string::npos) return "";
  return url.substr(slash, url.find_first_of("?#", slash) - slash);
}

// The JWS signature over input, by RFC 7518 §3.4 (ES256) or §3.5 (PS256).
bool verify(EVP_PKEY* key, const std::string& alg, const std::string& input, const std::string& signature) {
  std::string der;
  if (alg == "ES256") {
    if (signature.size() != 64) return false;
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(raw, 32, nullptr);
    BIGNUM* s = BN_bin2bn(raw + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
      BN_free(r);
      BN_free(s);
      ECDSA_SIG_free(sig);
      return false;
    }
    unsigned char* out = nullptr;
    const int len = i2d_ECDSA_SIG(sig, &out);
    ECDSA_SIG_free(sig);
    if (len <= 0) return false;
    der.assign(reinterpret_cast<char*>(out), static_cast<size_t>(len));
    OPENSSL_free(out);
  }
  const std::string& sig = alg == "ES256" ? der : signature;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) == 1;
  if (ok && alg == "PS256")
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, kPssSaltBytes) == 1;
  ok = ok && EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                              reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  ERR_clear_error();
  return ok;
}

std::string random_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

bool bearer_token(const std::string& header, std::string* token) {
  static const std::string kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return false;
  *token = header.substr(kScheme.size());
  return true;
}

}  // namespace

struct OAuth2Issuer::PublicKey {
  Pkey key;
};

std::string check_oauth2_public_key(const std::string& pem) {
  Pkey key = read_public_key(pem);
  if (!key) return "not a PEM public key or certificate";
  if (!is_rsa(key.get()) && !is_p256(key.get())) return "not an RSA or P-256 EC key";
  return "";
}

OAuth2Issuer::OAuth2Issuer(std::string client_id, int token_ttl_s, WallSeconds now_s)
    : client_id_(std::move(client_id)), token_ttl_s_(token_ttl_s), now_s_(now_s ? std::move(now_s) : system_seconds) {}

OAuth2Issuer::~OAuth2Issuer() = default;

std::string OAuth2Issuer::add_certificate(const std::string& kid, const std::string& pem) {
  if (std::string why = check_oauth2_public_key(pem); !why.empty()) return why;
  keys_[kid] = std::make_unique<PublicKey>(PublicKey{read_public_key(pem)});
  return "";
}

SimResponse OAuth2Issuer::token(const SimRequest& request) {
  const std::string type = request.header("content-type");
  if (type.rfind("application/x-www-form-urlencoded", 0) != 0)
    return oauth_error("invalid_request", "The request must be application/x-www-form-urlencoded.");
  std::map<std::string, std::string> form;
  if (!form_fields(request.body, &form)) return oauth_error("invalid_request", "A parameter is repeated.");
  const std::string grant_type = form["grant_type"];
  if (grant_type.empty()) return oauth_error("invalid_request", "grant_type is missing.");
  if (grant_type != "client_credentials")
    return oauth_error("unsupported_grant_type", "grant_type must be client_credentials, got '" + grant_type + "'.");
  if (form["client_assertion_type"] != kAssertionType)
    return oauth_error("invalid_request", std::string("client_assertion_type must be ") + kAssertionType + ".");
  Jwt jwt;
  if (!parse_jwt(form["client_assertion"], &jwt))
    return oauth_error("invalid_request", "client_assertion is missing or is not a JWT (three base64url JSON parts).");
  if (!configured()) return oauth_error("invalid_client", "No client credentials (M2M) mapping is set up (--oauth2-client-id).");

  // Who is asking: the certificate, its key and the signature, then iss.
  const std::string kid = string_field(jwt.header, "kid");
  const std::string alg = string_field(jwt.header, "alg");
  if (kid.empty()) return oauth_error("invalid_request", "The JWT header has no kid (the certificate id).");
  auto key = keys_.find(kid);
  if (key == keys_.end()) return oauth_error("invalid_client", "No certificate with id '" + kid + "' is mapped to this application.");
  EVP_PKEY* pkey = key->second->key.get();
  if (alg != "PS256" && alg != "ES256") return oauth_error("invalid_client", "Unsupported alg '" + alg + "': use PS256 or ES256.");
  if ((alg == "PS256" && !is_rsa(pkey)) || (alg == "ES256" && !is_p256(pkey)))
    return oauth_error("invalid_client", "alg " + alg + " does not fit the certificate's key.");
  if (!verify(pkey, alg, jwt.signing_input, jwt.signature))
    return oauth_error("invalid_client", "The JWT signature does not verify with certificate '" + kid + "'.");
  const std::string iss = string_field(jwt.claims, "iss");
  if (iss.empty()) return oauth_error("invalid_request", "The JWT has no iss claim (the client id).");
  if (iss != client_id_) return oauth_error("invalid_client", "iss is not the client id of the mapped application.");

  // What it asks for, and when.
  const std::vector<std::string> aud = strings_of(jwt.claims, "aud", false);
  if (aud.empty()) return oauth_error("invalid_request", "The JWT has no aud claim (the token endpoint URL).");
  bool aud_ok = false;
  for (const std::string& a : aud) aud_ok = aud_ok || url_path(a) == kOAuth2TokenPath;
  if (!aud_ok) return oauth_error("invalid_grant", std::string("aud must be this token endpoint's URL (...") + kOAuth2TokenPath + ").");
  int64_t iat = 0, exp = 0;
  if (!integer_field(jwt.claims, "iat", &iat) || !integer_field(jwt.claims, "exp", &exp))
    return oauth_error("invalid_request", "The JWT needs iat and exp as integer seconds.");
  const int64_t now = now_s_();
  if (exp <= now) return oauth_error("invalid_grant", "The JWT has expired (exp is in the past).");
  if (iat > now + kClockSkewS) return oauth_error("invalid_grant", "The JWT's iat is in the future.");
  if (exp <= iat || exp - iat > kMaxAssertionLifetimeS)
    return oauth_error("invalid_grant", "exp must be after iat and at most 3600 seconds after it.");
  bool scope_ok = false;
  for (const std::string& s : strings_of(jwt.claims, "scope", true)) scope_ok = scope_ok || s == kRequiredScope;
  if (!scope_ok) return oauth_error("invalid_scope", "scope must include rest_webservices.");

  const std::string token = random_token();
  if (token.empty()) return oauth_error("server_error", "No random bytes for a token.");
  {
    std::lock_guard lock(mu_);
    for (auto it = tokens_.begin(); it != tokens_.end();) it = it->second <= now ? tokens_.erase(it) : std::next(it);
    tokens_[token] = now + token_ttl_s_;
  }
  ++issued_;
  SimResponse r;
  r.content_type = kJsonType;
  Poco::JSON::Object::Ptr body = new_object();
  body->set("access_token", token);
  body->set("expires_in", std::to_string(token_ttl_s_));  // a string, as NetSuite sends it
  body->set("token_type", "bearer");
  r.body = to_json(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

bool OAuth2Issuer::admits(const SimRequest& request) const {
  std::string token;
  if (!bearer_token(request.header("authorization"), &token)) return false;
  const int64_t now = now_s_();
  std::lock_guard lock(mu_);
  auto it = tokens_.find(token);
  return it != tokens_.end() && now < it->second;
}

}  // namespace sb::erpsim
