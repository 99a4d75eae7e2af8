#include "relay/erp_auth.h"

#include "platform/core/program.h"

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

}  // namespace

std::string TbaAuth::authorization(const std::string& method, const std::string& url) const {
  Result<std::string> header = signer_.authorization(method, url);
  return header.ok() ? std::move(header).value() : std::string();
}

Result<std::unique_ptr<ErpAuth>> erp_auth_from(const Config& config, const Clock& clock) {
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
  return Status::InvalidArgument("erp.auth: must be one of bearer, tba, none");
}

}  // namespace sb::relay
