#include "oauth2_test_keys.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace sb::erpsim::test {
namespace {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

TestKeyPair pem_pair(EVP_PKEY* key) {
  if (!key) throw std::runtime_error("key generation failed");
  Bio priv(BIO_new(BIO_s_mem()), BIO_free);
  Bio pub(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(priv.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key) != 1)
    throw std::runtime_error("PEM writing failed");
  TestKeyPair pair{bio_text(priv.get()), bio_text(pub.get())};
  EVP_PKEY_free(key);
  return pair;
}

Pkey private_key(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return Pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
}

Pkey public_key(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return Pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
}

void use_pss(EVP_PKEY_CTX* pctx) {
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256());
  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
}

}  // namespace

TestKeyPair make_rsa_key(int bits) {
  return pem_pair(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
}

TestKeyPair make_p256_key() { return pem_pair(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

std::string b64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string b64url_decode(std::string_view text) {
  std::string std64(text);
  for (char& c : std64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  size_t pad = 0;
  while (std64.size() % 4 != 0) std64 += '=', ++pad;
  std::string out(std64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(std64.data()), static_cast<int>(std64.size()));
  if (n < 0) return "";
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string sign_jws(const std::string& header_json, const std::string& claims_json, const std::string& private_pem,
                     const std::string& alg) {
  const std::string input = b64url(header_json) + "." + b64url(claims_json);
  Pkey key = private_key(private_pem);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!key || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1)
    throw std::runtime_error("cannot sign");
  if (alg == "PS256") use_pss(pctx);
  size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size());
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data, input.size()) != 1)
    throw std::runtime_error("cannot sign");
  sig.resize(len);
  if (alg == "ES256") {
    const auto* der = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(s), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(s), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(s);
    sig = raw;
  }
  return input + "." + b64url(sig);
}

std::string make_assertion(const Assertion& a, const std::string& private_pem) {
  const std::string header = R"({"typ":"JWT","alg":")" + a.alg + R"(","kid":")" + a.kid + R"("})";
  const std::string claims = R"({"iss":")" + a.iss + R"(","scope":)" + a.scope + R"(,"aud":")" + a.aud +
                             R"(","iat":)" + std::to_string(a.iat) + R"(,"exp":)" + std::to_string(a.exp) + "}";
  return sign_jws(header, claims, private_pem, a.alg);
}

bool verify_jws(const std::string& compact, const std::string& public_pem, const std::string& alg) {
  const size_t dot = compact.rfind('.');
  if (dot == std::string::npos) return false;
  const std::string input = compact.substr(0, dot);
  std::string sig = b64url_decode(compact.substr(dot + 1));
  if (alg == "ES256") {
    // JWS carries r||s; OpenSSL verifies DER.
    if (sig.size() != 64) return false;
    const auto* raw = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* s = ECDSA_SIG_new();
    ECDSA_SIG_set0(s, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(s, &der);
    ECDSA_SIG_free(s);
    sig.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
  }
  Pkey key = public_key(public_pem);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!key || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) return false;
  if (alg == "PS256") use_pss(pctx);
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

std::string write_temp_file(const std::string& name, const std::string& text) {
  char dir[] = "/tmp/sb-oauth2-XXXXXX";
  if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
  const std::string path = std::string(dir) + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

void remove_temp_file(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.string().rfind("/tmp/sb-oauth2-", 0) != 0) return;  // only what write_temp_file made
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace sb::erpsim::test
