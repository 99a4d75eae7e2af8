#include "tests/unit/platform/mqtt/test_certs.h"

#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace sb::testing {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// issuer == nullptr makes a self-signed CA.
Cert make_cert(EVP_PKEY* key, const char* cn, long serial, X509* issuer, EVP_PKEY* issuer_key,
               const char* usage, const char* alt_names) {
  Cert cert(X509_new(), X509_free);
  X509* c = cert.get();
  const bool ok =
      X509_set_version(c, 2) && ASN1_INTEGER_set(X509_get_serialNumber(c), serial) &&
      X509_gmtime_adj(X509_getm_notBefore(c), -3600) && X509_gmtime_adj(X509_getm_notAfter(c), 86400) &&
      X509_set_pubkey(c, key) &&
      X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(cn), -1, -1, 0) &&
      X509_set_issuer_name(c, X509_get_subject_name(issuer ? issuer : c)) &&
      add_ext(c, issuer ? issuer : c, NID_basic_constraints, issuer ? "critical,CA:FALSE" : "critical,CA:TRUE") &&
      add_ext(c, issuer ? issuer : c, NID_subject_key_identifier, "hash") &&
      (!usage || add_ext(c, issuer, NID_ext_key_usage, usage)) &&
      (!alt_names || add_ext(c, issuer, NID_subject_alt_name, alt_names)) &&
      (!issuer || add_ext(c, issuer, NID_authority_key_identifier, "keyid")) &&
      X509_sign(c, issuer ? issuer_key : key, EVP_sha256()) > 0;
  if (!ok) cert.reset();
  return cert;
}

// Readable by all: mosquitto, run as root in CI, reads them after dropping to
// its own user.
bool write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  const bool ok = cert ? PEM_write_X509(f, cert) == 1
                       : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  return ok && ::chmod(path.c_str(), 0644) == 0;
}

}  // namespace

bool make_test_pki(const std::string& dir, const std::string& name, TestPki* out) {
  Key ca_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  Key server_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  Key client_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!ca_key || !server_key || !client_key) return false;
  Cert ca = make_cert(ca_key.get(), (name + " test CA").c_str(), 1, nullptr, nullptr, nullptr, nullptr);
  if (!ca) return false;
  Cert server = make_cert(server_key.get(), "127.0.0.1", 2, ca.get(), ca_key.get(), "serverAuth",
                          "IP:127.0.0.1,DNS:localhost");
  Cert client = make_cert(client_key.get(), "site-7", 3, ca.get(), ca_key.get(), "clientAuth", nullptr);
  if (!server || !client) {
    ERR_print_errors_fp(stderr);
    return false;
  }
  const std::string base = dir + "/" + name;
  *out = {base + "-ca.pem", base + "-server.pem", base + "-server.key", base + "-client.pem", base + "-client.key"};
  ::chmod(dir.c_str(), 0755);
  return write_pem(out->ca_cert, ca.get(), nullptr) && write_pem(out->server_cert, server.get(), nullptr) &&
         write_pem(out->server_key, nullptr, server_key.get()) && write_pem(out->client_cert, client.get(), nullptr) &&
         write_pem(out->client_key, nullptr, client_key.get());
}

}  // namespace sb::testing
