#include "platform/http/oauth1.h"

#include "platform/http/http.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace sb {
namespace {

using Param = std::pair<std::string, std::string>;

constexpr char kSignatureMethod[] = "HMAC-SHA256";
constexpr char kVersion[] = "1.0";

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

// The parts of an absolute URL that the signature covers.
struct SignedUrl {
  std::string base_uri;  // scheme://host[:port]/path, normalised (RFC 5849 §3.4.1.2)
  std::vector<Param> query;
};

Status split_url(std::string_view url, SignedUrl* out) {
  auto bad = [&](const char* why) { return Status::InvalidArgument("oauth1: bad URL: " + std::string(why)); };
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected http(s)://host/path");
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return bad("scheme must be http or https");
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  rest = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) return bad("credentials in the URL are not supported");
  if (authority.empty()) return bad("no host");

  // host[:port]; a bracketed IPv6 literal keeps its colons.
  std::string_view host = authority, port;
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  for (char c : port)
    if (c < '0' || c > '9') return bad("port is not a number");
  const bool default_port = port.empty() || (scheme == "http" && port == "80") || (scheme == "https" && port == "443");

  const size_t q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
  out->base_uri = scheme + "://" + lower(host) + (default_port ? "" : ":" + std::string(port)) +
                  (path.empty() ? std::string("/") : std::string(path));
  out->query.clear();
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    out->query.emplace_back(decode_query_component(pair.substr(0, eq)),
                            eq == std::string_view::npos ? "" : decode_query_component(pair.substr(eq + 1)));
  }
  return Status::Ok();
}

// RFC 5849 §3.4.1: METHOD&encoded-base-uri&encoded-normalised-parameters.
std::string base_string(std::string_view method, const SignedUrl& url, const std::vector<Param>& oauth_params) {
  std::vector<Param> all;
  all.reserve(url.query.size() + oauth_params.size());
  for (const auto& [name, value] : url.query) all.emplace_back(oauth1_encode(name), oauth1_encode(value));
  for (const auto& [name, value] : oauth_params) all.emplace_back(oauth1_encode(name), oauth1_encode(value));
  std::sort(all.begin(), all.end());
  std::string normalised;
  for (const auto& [name, value] : all) {
    if (!normalised.empty()) normalised += '&';
    normalised += name;
    normalised += '=';
    normalised += value;
  }
  std::string m(method);
  for (char& c : m)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return m + '&' + oauth1_encode(url.base_uri) + '&' + oauth1_encode(normalised);
}

std::string hmac_sha256_base64(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &mac_len);
  std::string out(4 * ((mac_len + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(mac_len));
  out.resize(static_cast<size_t>(n));
  OPENSSL_cleanse(mac, sizeof mac);
  return out;
}

std::string signing_key(const OAuth1Credentials& c) {
  return oauth1_encode(c.consumer_secret) + '&' + oauth1_encode(c.token_secret);
}

// The oauth_* parameters a request carries, in the order the header lists them.
std::vector<Param> oauth_params(const OAuth1Credentials& c, const OAuth1Stamp& stamp) {
  return {{"oauth_nonce", stamp.nonce},
          {"oauth_timestamp", std::to_string(stamp.timestamp)},
          {"oauth_version", kVersion},
          {"oauth_signature_method", kSignatureMethod},
          {"oauth_consumer_key", c.consumer_key},
          {"oauth_token", c.token}};
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  // The length of a base64 HMAC-SHA256 is public; only the bytes are compared in constant time.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

}  // namespace

// RFC 5849 3.6 is RFC 3986's unreserved set, upper-case hex: url_encode's rule.
std::string oauth1_encode(std::string_view s) { return url_encode(s); }

Result<OAuth1Signature> oauth1_sign(const OAuth1Credentials& credentials, std::string_view method,
                                    std::string_view url, const OAuth1Stamp& stamp) {
  // The realm is written into the header unencoded (RFC 2617 quoted-string).
  if (credentials.realm.find_first_of("\"\\\r\n") != std::string::npos)
    return Status::InvalidArgument("oauth1: the realm may not hold quotes, backslashes or line breaks");
  SignedUrl parts;
  SB_RETURN_IF_ERROR(split_url(url, &parts));
  const std::vector<Param> params = oauth_params(credentials, stamp);
  OAuth1Signature s;
  s.base_string = base_string(method, parts, params);
  s.signature = hmac_sha256_base64(signing_key(credentials), s.base_string);
  s.authorization = "OAuth realm=\"" + credentials.realm + "\"";
  for (const auto& [name, value] : params) s.authorization += ", " + name + "=\"" + oauth1_encode(value) + "\"";
  s.authorization += ", oauth_signature=\"" + oauth1_encode(s.signature) + "\"";
  return s;
}

OAuth1Stamp fresh_oauth1_stamp(const Clock& clock) {
  unsigned char bytes[16];
  OAuth1Stamp stamp;
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // OpenSSL's generator failed to seed: never fall back to a guessable nonce.
    // An empty nonce makes the server refuse the request, which is retried.
    stamp.timestamp = clock.wall_ms() / 1000;
    return stamp;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : bytes) {
    stamp.nonce += kHex[b >> 4];
    stamp.nonce += kHex[b & 0xF];
  }
  stamp.timestamp = clock.wall_ms() / 1000;
  return stamp;
}

OAuth1Signer::OAuth1Signer(OAuth1Credentials credentials, const Clock& clock)
    : credentials_(std::move(credentials)), stamps_([&clock] { return fresh_oauth1_stamp(clock); }) {}

OAuth1Signer::OAuth1Signer(OAuth1Credentials credentials, StampSource stamps)
    : credentials_(std::move(credentials)), stamps_(std::move(stamps)) {}

Result<std::string> OAuth1Signer::authorization(std::string_view method, std::string_view url) const {
  Result<OAuth1Signature> s = oauth1_sign(credentials_, method, url, stamps_());
  if (!s.ok()) return s.status();
  return std::move(s->authorization);
}

Result<OAuth1Header> parse_oauth1_header(std::string_view text) {
  auto bad = [](const std::string& why) { return Status::InvalidArgument("oauth1: " + why); };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  if (text.size() < 6 || lower(text.substr(0, 5)) != "oauth" || !is_space(text[5]))
    return bad("the Authorization header is not OAuth");
  text.remove_prefix(6);
  OAuth1Header header;
  bool seen_realm = false;
  while (true) {
    while (!text.empty() && (is_space(text.front()) || text.front() == ',')) text.remove_prefix(1);
    if (text.empty()) break;
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) return bad("a parameter without '='");
    std::string name(text.substr(0, eq));
    while (!name.empty() && is_space(name.back())) name.pop_back();
    text.remove_prefix(eq + 1);
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    if (text.empty() || text.front() != '"') return bad("the value of " + name + " is not quoted");
    const size_t close = text.find('"', 1);
    if (close == std::string_view::npos) return bad("the value of " + name + " has no closing quote");
    std::string_view value = text.substr(1, close - 1);
    text.remove_prefix(close + 1);
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    if (!text.empty() && text.front() != ',') return bad("parameters must be separated by ','");
    if (name.empty()) return bad("a parameter without a name");
    if (name == "realm") {
      if (seen_realm) return bad("realm appears twice");
      seen_realm = true;
      header.realm = std::string(value);
      continue;
    }
    if (!header.params.emplace(name, url_decode(value)).second) return bad(name + " appears twice");
  }
  return header;
}

Status verify_oauth1(const OAuth1Header& header, const OAuth1Credentials& credentials, std::string_view method,
                     std::string_view url) {
  auto refuse = [](const std::string& why) { return Status::InvalidArgument("oauth1: " + why); };
  if (header.param("oauth_signature_method") != kSignatureMethod)
    return refuse("oauth_signature_method must be HMAC-SHA256");
  if (auto it = header.params.find("oauth_version"); it != header.params.end() && it->second != kVersion)
    return refuse("oauth_version must be 1.0");
  for (const char* required : {"oauth_consumer_key", "oauth_token", "oauth_nonce", "oauth_timestamp", "oauth_signature"})
    if (header.param(required).empty()) return refuse(std::string(required) + " is missing");
  if (header.param("oauth_consumer_key") != credentials.consumer_key) return refuse("unknown consumer key");
  if (header.param("oauth_token") != credentials.token) return refuse("unknown token");
  if (!credentials.realm.empty() && header.realm != credentials.realm) return refuse("wrong realm (account)");

  SignedUrl parts;
  SB_RETURN_IF_ERROR(split_url(url, &parts));
  // Every oauth_* parameter the client sent is signed, whatever its order or
  // extras (oauth_callback and the like), except the signature itself.
  std::vector<Param> params;
  for (const auto& [name, value] : header.params)
    if (name != "oauth_signature") params.emplace_back(name, value);
  const std::string expected =
      hmac_sha256_base64(signing_key(credentials), base_string(method, parts, params));
  if (!constant_time_equal(expected, header.param("oauth_signature"))) return refuse("signature does not match");
  return Status::Ok();
}

}  // namespace sb
