// A throwaway PKI for TLS tests: a CA, a server certificate for 127.0.0.1 and
// a client certificate, written as PEM files. Made with the OpenSSL library
// Paho already links, so the tests need no openssl program.
#pragma once

#include <string>

namespace sb::testing {

struct TestPki {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
};

// Writes <dir>/<name>-ca.pem, -server.pem, -server.key, -client.pem and
// -client.key; false (with a line on stderr) if OpenSSL fails.
bool make_test_pki(const std::string& dir, const std::string& name, TestPki* out);

}  // namespace sb::testing
