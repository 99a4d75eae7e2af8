#include "relay/erp_auth.h"

#include <algorithm>
#include <vector>

#include "platform/core/program.h"
#include "platform/core/text.h"
#include "relay/oauth2_m2m.h"

namespace sb::relay {
namespace {

// The value of a required setting, or why it is missing.
Status required(const Config& config, const std::string& name, const std::string& mode, std::string* out) {
  *out = config.str(name);
  if (out->empty()) return Status::InvalidArgument(name + ": must be set when erp.auth = " + mode);
  return Status::Ok();
}

// A secret read from the file a setting names. The message names the setting
// and the file, never the contents.
Status secret_from(const Config& config, const std::string& name, const std::string& mode, std::string* out) {
  std::string path;
  SB_RETURN_IF_ERROR(required(config, name, mode, &path));
  Result<std::string> secret = read_secret_file(path);
  if (!secret.ok()) return Status::InvalidArgument(name + ": " + secret.status().message());
  if (secret->empty()) return Status::InvalidArgument(name + ": the file " + path + " is empty");
  *out = std::move(secret).value();
  return Status::Ok();
}

// "rest_webservices, restlets" -> {"rest_webservices", "restlets"}.
std::vector<std::string> scope_list(const std::string& text) { return split_list(text, ", "); }

Result<std::unique_ptr<ErpAuth>> oauth2_from(const Config& config, const Clock& clock,
                                             std::shared_ptr<HttpClient> http) {
  const std::string mode = "oauth2";
  OAuth2ClientCredentials c;
  std::string base_url;
  SB_RETURN_IF_ERROR(required(config, "erp.base_url", mode, &base_url));
  c.token_url = base_url + kOAuth2TokenPath;
  SB_RETURN_IF_ERROR(required(config, "erp.oauth2_client_id", mode, &c.client_id));
  SB_RETURN_IF_ERROR(required(config, "erp.oauth2_certificate_id", mode, &c.certificate_id));
  c.scopes = scope_list(config.str("erp.oauth2_scope"));
  if (c.scopes.empty()) return Status::InvalidArgument("erp.oauth2_scope: must be set when erp.auth = oauth2");
  Result<JwsAlgorithm> algorithm = parse_jws_algorithm(config.str("erp.oauth2_algorithm"));
  if (!algorithm.ok()) return Status::InvalidArgument("erp.oauth2_algorithm: " + algorithm.status().message());
  std::string pem;
  SB_RETURN_IF_ERROR(secret_from(config, "erp.oauth2_private_key_file", mode, &pem));
  Result<std::shared_ptr<const JwtSigningKey>> key = JwtSigningKey::from_pem(pem, *algorithm);
  std::fill(pem.begin(), pem.end(), '\0');  // the parsed key is all that stays in memory
  if (!key.ok()) {
    return Status::InvalidArgument("erp.oauth2_private_key_file: " + config.str("erp.oauth2_private_key_file") + ": " +
                                   key.status().message());
  }
  if (!http) http = make_poco_http_client();
  OAuth2Options options;
  options.timeout = config.duration("erp.timeout");
  return std::unique_ptr<ErpAuth>(std::make_unique<OAuth2ClientCredentialsAuth>(
      std::move(c), std::move(key).value(), std::move(http), clock, options));
}

}  // namespace

std::string TbaAuth::authorization(const std::string& method, const std::string& url) const {
  Result<std::string> header = signer_.authorization(method, url);
  return header.ok() ? std::move(header).value() : std::string();
}

Result<std::unique_ptr<ErpAuth>> erp_auth_from(const Config& config, const Clock& clock,
                                               std::shared_ptr<HttpClient> token_http) {
  const std::string mode = config.str("erp.auth");
  if (mode == "none") return std::unique_ptr<ErpAuth>();
  if (mode == "bearer") {
    // As before erp.auth existed: no erp.token_file means no header (a
    // simulator without auth); main.cpp warns about it.
    if (config.str("erp.token_file").empty()) return std::unique_ptr<ErpAuth>();
    std::string token;
    SB_RETURN_IF_ERROR(secret_from(config, "erp.token_file", mode, &token));
    return std::unique_ptr<ErpAuth>(std::make_unique<BearerAuth>(std::move(token)));
  }
  if (mode == "tba") {
    OAuth1Credentials c;
    SB_RETURN_IF_ERROR(required(config, "erp.account", mode, &c.realm));
    SB_RETURN_IF_ERROR(required(config, "erp.consumer_key", mode, &c.consumer_key));
    SB_RETURN_IF_ERROR(secret_from(config, "erp.consumer_secret_file", mode, &c.consumer_secret));
    SB_RETURN_IF_ERROR(required(config, "erp.token_id", mode, &c.token));
    SB_RETURN_IF_ERROR(secret_from(config, "erp.token_secret_file", mode, &c.token_secret));
    return std::unique_ptr<ErpAuth>(std::make_unique<TbaAuth>(std::move(c), clock));
  }
  if (mode == "oauth2") return oauth2_from(config, clock, std::move(token_http));
  return Status::InvalidArgument("erp.auth: must be one of bearer, tba, oauth2, none");
}

}  // namespace sb::relay
