#include "oauth.h"

#include <cstdio>

#include "platform/core/json.h"

namespace sb::clarus_sim {
namespace {

// Reads a parameter from an application/x-www-form-urlencoded or JSON body.
std::string body_param(const HttpRequest& request, const std::string& name) {
  if (request.header("Content-Type").find("json") != std::string::npos) {
    auto parsed = Json::parse(request.body);
    return parsed.ok() && parsed->is_object() ? parsed->get_string(name) : "";
  }
  size_t pos = 0;
  while (pos <= request.body.size()) {
    size_t amp = request.body.find('&', pos);
    std::string pair = request.body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    size_t eq = pair.find('=');
    if (eq != std::string::npos && url_decode(pair.substr(0, eq)) == name) {
      std::string value = pair.substr(eq + 1);
      for (char& c : value) {
        if (c == '+') c = ' ';
      }
      return url_decode(value);
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return "";
}

}  // namespace

OAuthServer::OAuthServer(OAuthSettings settings, const Clock& clock, uint64_t seed)
    : settings_(std::move(settings)), clock_(clock), rng_(seed ^ 0x0A0A7u) {}

HttpResponse OAuthServer::issue(const HttpRequest& request) {
  std::string grant = body_param(request, "grant_type");
  std::string id = body_param(request, "client_id");
  std::string secret = body_param(request, "client_secret");
  // RFC 6749 also allows the client to authenticate with HTTP Basic; the form is what the adapter sends.
  if (grant != "client_credentials") return HttpResponse::error(400, "unsupported_grant_type");
  if (id != settings_.client_id || secret != settings_.client_secret) return HttpResponse::error(401, "invalid_client");
  std::lock_guard lock(mutex_);
  char token[48];
  std::snprintf(token, sizeof token, "%016llx%016llx", static_cast<unsigned long long>(rng_()),
                static_cast<unsigned long long>(rng_()));
  expiry_ms_[token] = clock_.mono_ms() + settings_.token_ttl_s * 1000;
  ++issued_;
  Json o = Json::object();
  o.set("access_token", Json::string(token));
  o.set("token_type", Json::string("Bearer"));
  o.set("expires_in", Json::number(settings_.token_ttl_s));
  o.set("created_at", Json::number(clock_.wall_ms() / 1000));
  return HttpResponse::json(200, o.dump());
}

std::string OAuthServer::check(const HttpRequest& request) const {
  std::string auth = request.header("Authorization");
  if (auth.empty()) return "missing bearer token";
  if (auth.rfind("Bearer ", 0) != 0) return "Authorization must be 'Bearer <token>'";
  std::string token = auth.substr(7);
  {
    std::lock_guard lock(mutex_);
    auto it = expiry_ms_.find(token);
    if (it == expiry_ms_.end()) return "invalid or revoked token";
    if (clock_.mono_ms() >= it->second) return "token expired";
  }
  std::string subdomain = request.header("X-Clarus-Subdomain");
  if (subdomain.empty()) return "missing X-Clarus-Subdomain";
  if (subdomain != settings_.subdomain) return "unknown subdomain '" + subdomain + "'";
  return "";
}

void OAuthServer::revoke_all() {
  std::lock_guard lock(mutex_);
  expiry_ms_.clear();
}

void OAuthServer::set_ttl(int64_t seconds) {
  std::lock_guard lock(mutex_);
  settings_.token_ttl_s = seconds;
}

int64_t OAuthServer::issued() const {
  std::lock_guard lock(mutex_);
  return issued_;
}

}  // namespace sb::clarus_sim
