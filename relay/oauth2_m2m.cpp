#include "relay/oauth2_m2m.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cctype>

#include "platform/core/json.h"
#include "platform/core/log.h"

namespace sb::relay {
namespace {

constexpr char kAssertionType[] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr int kPssSaltBytes = 32;  // = SHA-256's digest length, as RFC 7518 §3.5 requires
constexpr int kEs256CoordinateBytes = 32;
constexpr size_t kMaxDescription = 300;  // of the token endpoint's error_description, in messages and logs

// The reason OpenSSL gives for its last error (never key material), and a clean queue.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : "OpenSSL error " + std::to_string(e);
}

// Never prompt on a terminal for an encrypted key's passphrase.
int no_passphrase(char*, int, int, void*) { return -1; }

int8_t base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<int8_t>(c - 'A');
  if (c >= 'a' && c <= 'z') return static_cast<int8_t>(c - 'a' + 26);
  if (c >= '0' && c <= '9') return static_cast<int8_t>(c - '0' + 52);
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// expires_in as NetSuite sends it ("3600") or as RFC 6749 writes it (3600); 0 when unreadable.
int64_t expires_in_seconds(const Json* v) {
  if (!v) return 0;
  int64_t n = 0;
  if (v->is_number()) return v->as_int64(&n) ? n : 0;
  if (!v->is_string() || v->as_string().empty() || v->as_string().size() > 9) return 0;
  for (char c : v->as_string()) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

// Why the token endpoint said no, in its own words: "400 invalid_client: <description>".
Status refusal(const HttpResponse& r) {
  std::string why = "HTTP " + std::to_string(r.status);
  Result<Json> body = Json::parse(r.body);
  if (body.ok() && body->is_object() && !body->get_string("error").empty()) {
    why += " " + body->get_string("error");
    std::string description = body->get_string("error_description");
    if (description.size() > kMaxDescription) description = description.substr(0, kMaxDescription) + "...";
    if (!description.empty()) why += ": " + description;
  }
  const std::string message = "the ERP's token endpoint refused the client assertion (" + why + ")";
  // 429 and 5xx may pass; a 4xx needs someone to fix the integration, key or certificate.
  if (r.status == 429 || r.status >= 500) return Status::Unavailable(message);
  return Status::InvalidArgument(message);
}

}  // namespace

Result<JwsAlgorithm> parse_jws_algorithm(std::string_view name) {
  if (name == "PS256") return JwsAlgorithm::kPS256;
  if (name == "ES256") return JwsAlgorithm::kES256;
  return Status::InvalidArgument("must be PS256 or ES256, got '" + std::string(name) + "'");
}

const char* jws_algorithm_name(JwsAlgorithm algorithm) {
  return algorithm == JwsAlgorithm::kPS256 ? "PS256" : "ES256";
}

std::string base64url_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (const size_t rest = bytes.size() - i; rest > 0) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    if (rest == 2) out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

Result<std::string> base64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return Status::InvalidArgument("not base64url: bad length");
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int8_t v = base64url_value(c);
    if (v < 0) return Status::InvalidArgument("not base64url: unexpected character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// ---- the signing key ---------------------------------------------------------

struct JwtSigningKey::Key {
  explicit Key(EVP_PKEY* k) : pkey(k) {}
  ~Key() { EVP_PKEY_free(pkey); }
  EVP_PKEY* pkey;
};

JwtSigningKey::JwtSigningKey(std::unique_ptr<Key> key, JwsAlgorithm algorithm)
    : key_(std::move(key)), algorithm_(algorithm) {}
JwtSigningKey::~JwtSigningKey() = default;

Result<std::shared_ptr<const JwtSigningKey>> JwtSigningKey::from_pem(std::string_view pem, JwsAlgorithm algorithm) {
  ERR_clear_error();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return Status::Internal("cannot read the key: " + openssl_reason());
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
  BIO_free(bio);
  if (!raw) {
    const std::string reason = openssl_reason();
    if (pem.find("ENCRYPTED") != std::string_view::npos)
      return Status::InvalidArgument("the private key is encrypted; store it unencrypted in a file only the relay can read");
    if (pem.find("PRIVATE KEY-----") == std::string_view::npos) {
      const bool public_only = pem.find("PUBLIC KEY-----") != std::string_view::npos ||
                               pem.find("CERTIFICATE-----") != std::string_view::npos;
      return Status::InvalidArgument(public_only ? "not a PEM private key: it holds the public key or certificate "
                                                   "(that goes to NetSuite; the relay needs the private key)"
                                                 : "not a PEM private key (no -----BEGIN PRIVATE KEY----- block)");
    }
    return Status::InvalidArgument("not a PEM private key (" + reason + ")");
  }
  auto key = std::make_unique<Key>(raw);
  if (algorithm == JwsAlgorithm::kPS256) {
    if (!EVP_PKEY_is_a(raw, "RSA") && !EVP_PKEY_is_a(raw, "RSA-PSS"))
      return Status::InvalidArgument("PS256 needs an RSA private key, this is " +
                                     std::string(EVP_PKEY_get0_type_name(raw) ? EVP_PKEY_get0_type_name(raw) : "another kind"));
    if (EVP_PKEY_get_bits(raw) < 2048)
      return Status::InvalidArgument("the RSA key has " + std::to_string(EVP_PKEY_get_bits(raw)) +
                                     " bits; NetSuite needs 2048 or more (3072 or 4096 recommended)");
  } else {
    char group[64] = {};
    size_t group_len = 0;
    const bool is_ec = EVP_PKEY_is_a(raw, "EC");
    const bool got_group = is_ec && EVP_PKEY_get_group_name(raw, group, sizeof group, &group_len) == 1;
    ERR_clear_error();
    const std::string curve = got_group ? std::string(group, group_len) : "";
    if (!is_ec || (curve != "prime256v1" && curve != "P-256"))
      return Status::InvalidArgument("ES256 needs an EC private key on P-256 (prime256v1)" +
                                     (curve.empty() ? std::string() : ", this one is on " + curve));
  }
  return std::shared_ptr<const JwtSigningKey>(new JwtSigningKey(std::move(key), algorithm));
}

Result<std::string> JwtSigningKey::sign(std::string_view signing_input) const {
  ERR_clear_error();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key_->pkey) != 1)
    return Status::Internal("cannot start signing: " + openssl_reason());
  if (algorithm_ == JwsAlgorithm::kPS256 &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, kPssSaltBytes) != 1))
    return Status::Internal("cannot set up RSASSA-PSS: " + openssl_reason());
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data, signing_input.size()) != 1)
    return Status::Internal("cannot sign: " + openssl_reason());
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, data,
                     signing_input.size()) != 1)
    return Status::Internal("cannot sign: " + openssl_reason());
  signature.resize(len);
  if (algorithm_ == JwsAlgorithm::kPS256) return signature;

  // OpenSSL writes ECDSA signatures as DER; JWS wants r and s as two fixed-width big-endian numbers.
  const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size())), ECDSA_SIG_free);
  if (!sig) return Status::Internal("cannot read the ECDSA signature: " + openssl_reason());
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * kEs256CoordinateBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kEs256CoordinateBytes) != kEs256CoordinateBytes ||
      BN_bn2binpad(s, out + kEs256CoordinateBytes, kEs256CoordinateBytes) != kEs256CoordinateBytes)
    return Status::Internal("ECDSA signature out of range");
  return raw;
}

Result<std::string> make_client_assertion(const OAuth2ClientCredentials& credentials, const JwtSigningKey& key,
                                          int64_t now_s, int64_t lifetime_s) {
  Json header = Json::object();
  header.set("typ", Json::string("JWT"));
  header.set("alg", Json::string(jws_algorithm_name(key.algorithm())));
  header.set("kid", Json::string(credentials.certificate_id));
  Json scope = Json::array();
  for (const std::string& s : credentials.scopes) scope.push(Json::string(s));
  Json claims = Json::object();
  claims.set("iss", Json::string(credentials.client_id));
  claims.set("scope", std::move(scope));
  claims.set("aud", Json::string(credentials.token_url));
  claims.set("iat", Json::number(now_s));
  claims.set("exp", Json::number(now_s + lifetime_s));
  const std::string signing_input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  Result<std::string> signature = key.sign(signing_input);
  if (!signature.ok()) return signature.status();
  return signing_input + "." + base64url_encode(*signature);
}

// ---- the access token ------------------------------------------------------------

OAuth2ClientCredentialsAuth::OAuth2ClientCredentialsAuth(OAuth2ClientCredentials credentials,
                                                         std::shared_ptr<const JwtSigningKey> key,
                                                         std::shared_ptr<HttpClient> http, const Clock& clock,
                                                         OAuth2Options options)
    : credentials_(std::move(credentials)),
      key_(std::move(key)),
      http_(std::move(http)),
      clock_(clock),
      options_(options) {}

std::string OAuth2ClientCredentialsAuth::authorization(const std::string&, const std::string&) const {
  Result<std::string> token = access_token();
  return token.ok() ? "Bearer " + *token : std::string();
}

void OAuth2ClientCredentialsAuth::refused() const {
  std::lock_guard lock(mu_);
  if (!token_ || clock_.mono_ms() - token_->obtained_ms < options_.min_age_to_refuse.count()) return;
  token_.reset();
  log::info("erp-auth", "the ERP refused the OAuth 2.0 access token; the next request obtains a new one",
            {{"token_url", credentials_.token_url}});
}

const OAuth2ClientCredentialsAuth::Token* OAuth2ClientCredentialsAuth::usable(int64_t now_ms) const {
  return token_ && now_ms < token_->expires_at_ms ? token_.get() : nullptr;
}

Result<std::string> OAuth2ClientCredentialsAuth::access_token() const {
  {
    std::lock_guard lock(mu_);
    if (token_ && clock_.mono_ms() < token_->renew_at_ms) return token_->value;
  }
  // Due (or none). One thread asks; the others use the current token while it
  // lasts, or wait for that thread's answer when there is none to use.
  std::unique_lock renewal(renewal_mu_, std::try_to_lock);
  if (!renewal.owns_lock()) {
    {
      std::lock_guard lock(mu_);
      if (const Token* t = usable(clock_.mono_ms())) return t->value;
    }
    renewal.lock();
  }
  {
    std::lock_guard lock(mu_);
    const int64_t now = clock_.mono_ms();
    if (token_ && now < token_->renew_at_ms) return token_->value;  // renewed while we waited
    if (now < next_attempt_ms_) {
      if (const Token* t = usable(now)) return t->value;
      return last_failure_;
    }
  }

  Result<Token> fresh = request_token();

  std::lock_guard lock(mu_);
  if (fresh.ok()) {
    token_ = std::make_unique<Token>(std::move(fresh).value());
    next_attempt_ms_ = 0;
    retry_delay_ = Millis(0);
    last_failure_ = Status::Ok();
    log::info("erp-auth", "obtained an OAuth 2.0 access token",
              {{"token_url", credentials_.token_url},
               {"expires_in_s", (token_->expires_at_ms - token_->obtained_ms) / 1000},
               {"renew_in_s", (token_->renew_at_ms - token_->obtained_ms) / 1000}});
    return token_->value;
  }
  retry_delay_ = retry_delay_.count() == 0 ? options_.retry_first : std::min(retry_delay_ * 2, options_.retry_cap);
  next_attempt_ms_ = clock_.mono_ms() + retry_delay_.count();
  last_failure_ = fresh.status();
  const Token* still = usable(clock_.mono_ms());
  log::warn("erp-auth", "cannot obtain an OAuth 2.0 access token",
            {{"why", fresh.status().message()},
             {"retry_in_ms", static_cast<int64_t>(retry_delay_.count())},
             {"current_token", still ? "used until it expires" : "none: ERP requests go without one and are retried"}});
  if (still) return still->value;
  return fresh.status();
}

Result<OAuth2ClientCredentialsAuth::Token> OAuth2ClientCredentialsAuth::request_token() const {
  const int64_t sent_ms = clock_.mono_ms();
  Result<std::string> assertion = make_client_assertion(credentials_, *key_, clock_.wall_ms() / 1000,
                                                        options_.assertion_lifetime.count() / 1000);
  if (!assertion.ok()) return Status::Internal("cannot sign the client assertion: " + assertion.status().message());
  ClientRequest req;
  req.method = "POST";
  req.url = credentials_.token_url;
  req.content_type = "application/x-www-form-urlencoded";
  req.headers.emplace_back("Accept", "application/json");
  req.timeout = options_.timeout;
  req.body = "grant_type=client_credentials&client_assertion_type=" + url_encode(kAssertionType) +
             "&client_assertion=" + url_encode(*assertion);
  Result<HttpResponse> r = http_->send(req);
  if (!r.ok()) return Status::Unavailable("cannot reach the ERP's token endpoint " + credentials_.token_url + ": " +
                                          r.status().to_string());
  if (r->status != 200) return refusal(*r);

  Result<Json> body = Json::parse(r->body);
  if (!body.ok() || !body->is_object()) return Status::Unavailable("the ERP's token endpoint answered 200 without JSON");
  const std::string token_type = body->get_string("token_type");
  if (!token_type.empty() && lower(token_type) != "bearer")
    return Status::Unavailable("the ERP's token endpoint issued a '" + token_type + "' token, not a bearer token");
  Token t;
  t.value = body->get_string("access_token");
  if (t.value.empty()) return Status::Unavailable("the ERP's token endpoint answered 200 without an access_token");
  const Json* expires_in = body->find("expires_in");
  int64_t lifetime_s = expires_in_seconds(expires_in);
  if (!expires_in) lifetime_s = 3600;  // NetSuite always sends it; its tokens last an hour
  if (lifetime_s <= 0) return Status::Unavailable("the ERP's token endpoint answered an unreadable expires_in");
  const int64_t lifetime_ms = lifetime_s * 1000;
  t.obtained_ms = sent_ms;  // counted from the request, so the ERP's clock runs ahead of ours, never behind
  t.expires_at_ms = sent_ms + lifetime_ms;
  // Well ahead of expiry; a token shorter-lived than the margin (a test ERP) at half its life.
  t.renew_at_ms = sent_ms + std::max(lifetime_ms - options_.renew_before.count(), lifetime_ms / 2);
  return t;
}

}  // namespace sb::relay
