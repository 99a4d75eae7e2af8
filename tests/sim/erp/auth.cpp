#include "auth.h"

#include <cctype>

#include "netsuite_error.h"

namespace sb::erpsim {
namespace {

class BearerAuthenticator : public Authenticator {
 public:
  explicit BearerAuthenticator(std::string token) : token_(std::move(token)) {}
  bool admits(const SimRequest& request) const override {
    if (token_.empty()) return true;
    const std::string header = request.header("authorization");
    const std::string scheme = "Bearer ";
    if (header.size() <= scheme.size()) return false;
    // The scheme is case-insensitive (RFC 9110); the token is not.
    for (size_t i = 0; i < scheme.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(scheme[i])))
        return false;
    return header.substr(scheme.size()) == token_;
  }

 private:
  std::string token_;
};

}  // namespace

std::unique_ptr<Authenticator> make_bearer_authenticator(const std::string& token) {
  return std::make_unique<BearerAuthenticator>(token);
}

SimResponse invalid_login() {
  SimResponse response = netsuite_error(
      401, error_code::kInvalidLogin,
      "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > "
      "Users/Roles > User Management > View Login Audit Trail.");
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

}  // namespace sb::erpsim
