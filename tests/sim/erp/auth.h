// Who may call the record and query endpoints. Today: nobody is asked, or a
// bearer token (OAuth 2.0 M2M as the client sees it). OAuth 1.0a TBA
// (signature check against reference/netsuite-tba-vectors.md) is another
// implementation of this interface. Thread-safety: const after construction.
#pragma once

#include <memory>
#include <string>

#include "sim_http.h"

namespace sb::erpsim {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual bool admits(const SimRequest& request) const = 0;
};

// Admits every request when token is "", else only "Authorization: Bearer <token>".
std::unique_ptr<Authenticator> make_bearer_authenticator(const std::string& token);

// NetSuite's answer to a failed login: 401 INVALID_LOGIN.
SimResponse invalid_login();

}  // namespace sb::erpsim
