#include "agent/clarus/clarus_client.h"

#include "platform/core/log.h"

namespace sb::agent {
namespace {

// Renew a token this long before Clarus says it expires, so a request in
// flight never carries one that lapses on the way.
constexpr int64_t kTokenMarginMs = 60'000;

std::string error_text(const HttpResponse& r) {
  Result<Json> j = Json::parse(r.body);
  if (j.ok() && j->is_object()) {
    if (const Json* e = j->find("error"); e && e->is_string()) return e->as_string();
    if (const Json* e = j->find("error"); e) return e->dump();
  }
  std::string body = r.body.substr(0, 200);
  return body.empty() ? "no reason given" : body;
}

Status sort_answer(const HttpResponse& r, const std::string& what) {
  if (r.status >= 200 && r.status < 300) return Status::Ok();
  std::string reason = "Clarus answered " + std::to_string(r.status) + " to " + what + ": " + error_text(r);
  if (r.status == 404) return Status::NotFound(reason);
  // 401 after a fresh token: the agent cannot act at all, so wait and retry.
  // 403 is about this request (the API user may not do this one thing): a rejection.
  if (r.status == 401 || r.status == 429 || r.status >= 500) return Status::Unavailable(reason);
  return Status::InvalidArgument(reason);
}

}  // namespace

ClarusClient::ClarusClient(HttpClient& http, const Clock& clock, ClarusOptions options)
    : http_(http), clock_(clock), options_(std::move(options)) {}

ClarusCounters ClarusClient::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

void ClarusClient::note(const Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.requests++;
  if (s.ok()) {
    counters_.last_ok_at_ms = clock_.wall_ms();
    return;
  }
  if (s.code() == Code::kInvalidArgument) counters_.rejected++;
  else if (s.code() != Code::kNotFound) counters_.unavailable++;
  counters_.last_failure_at_ms = clock_.wall_ms();
  counters_.last_error = s.message();
}

Result<std::string> ClarusClient::token(bool force_new) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!force_new && !token_.empty() && clock_.mono_ms() < token_expires_mono_ms_) return token_;
  }
  ClientRequest req;
  req.method = "POST";
  req.url = options_.base_url + "/oauth/token";
  req.content_type = "application/x-www-form-urlencoded";
  req.body = "grant_type=client_credentials&client_id=" + url_encode(options_.client_id) +
             "&client_secret=" + url_encode(options_.client_secret);
  req.timeout = options_.timeout;
  Result<HttpResponse> r = http_.send(req);
  if (!r.ok()) return Status(r.status().code(), "cannot reach the Clarus token endpoint: " + r.status().message());
  if (r->status == 429 || r->status >= 500) {
    return Status::Unavailable("the Clarus token endpoint is unavailable (" + std::to_string(r->status) + " " + error_text(*r) + ")");
  }
  if (r->status != 200) {
    // Wrong credentials are not a rejection of a command: the command is fine,
    // the agent's configuration is not. Retry later, loudly.
    Status s = Status::Unavailable("Clarus refused the agent's credentials (" + std::to_string(r->status) + " " +
                                   error_text(*r) + "); check clarus.client_id and clarus.client_secret_file");
    log::error("clarus", "token request refused", {{"status", r->status}, {"reason", error_text(*r)}});
    return s;
  }
  Result<Json> j = Json::parse(r->body);
  if (!j.ok() || !j->is_object() || !j->find("access_token") || !j->find("access_token")->is_string())
    return Status::Unavailable("the Clarus token endpoint answered without an access_token");
  int64_t ttl_s = 3600;
  if (const Json* e = j->find("expires_in"); e && e->is_number()) (void)e->as_int64(&ttl_s);
  std::lock_guard<std::mutex> lock(mu_);
  token_ = j->find("access_token")->as_string();
  int64_t ttl_ms = ttl_s * 1000;
  token_expires_mono_ms_ = clock_.mono_ms() + (ttl_ms > 2 * kTokenMarginMs ? ttl_ms - kTokenMarginMs : ttl_ms / 2);
  counters_.token_fetches++;
  return token_;
}

Result<HttpResponse> ClarusClient::send_authorised(ClientRequest request) {
  request.timeout = options_.timeout;
  request.headers.emplace_back("X-Clarus-Subdomain", options_.subdomain);
  request.headers.emplace_back("Accept", "application/json");
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<std::string> t = token(attempt > 0);
    if (!t.ok()) return t.status();
    ClientRequest r = request;
    r.headers.emplace_back("Authorization", "Bearer " + *t);
    Result<HttpResponse> answer = http_.send(r);
    if (!answer.ok()) return answer;
    // A token can be revoked or end early (a person logging in with the same
    // user ends the session): fetch a new one once and repeat.
    if (answer->status != 401 || attempt > 0) return answer;
  }
  return Status::Internal("unreachable");
}

Result<Json> ClarusClient::rest(const std::string& method, const std::string& path, const Json& body) {
  ClientRequest req;
  req.method = method;
  req.url = options_.base_url + options_.rest_prefix + path;
  if (!body.is_null()) req.body = body.dump();
  Result<HttpResponse> r = send_authorised(std::move(req));
  const std::string what = method + " " + options_.rest_prefix + path;
  if (!r.ok()) {
    Status s(r.status().code(), "Clarus " + what + ": " + r.status().message());
    note(s);
    return s;
  }
  Status sorted = sort_answer(*r, what);
  note(sorted);
  if (!sorted.ok()) return sorted;
  if (r->body.empty()) return Json::object();
  Result<Json> j = Json::parse(r->body);
  if (!j.ok()) return Status::Unavailable("Clarus answered " + what + " with a body that is not JSON: " + j.status().message());
  return j;
}

Result<Json> ClarusClient::graphql(const std::string& query, const Json& variables) {
  ClientRequest req;
  req.method = "POST";
  req.url = options_.base_url + "/graphql";
  Json body = Json::object();
  body.set("query", Json::string(query));
  body.set("variables", variables.is_null() ? Json::object() : variables);
  req.body = body.dump();
  Result<HttpResponse> r = send_authorised(std::move(req));
  if (!r.ok()) {
    Status s(r.status().code(), "Clarus GraphQL: " + r.status().message());
    note(s);
    return s;
  }
  Status sorted = sort_answer(*r, "a GraphQL query");
  Result<Json> j = sorted.ok() ? Json::parse(r->body) : Result<Json>(sorted);
  if (sorted.ok() && !j.ok()) sorted = Status::Unavailable("Clarus GraphQL answered with a body that is not JSON");
  if (sorted.ok()) {
    const Json* errors = j->find("errors");
    if (errors && errors->is_array() && !errors->items().empty()) {
      const Json& first = errors->items().front();
      sorted = Status::InvalidArgument("Clarus GraphQL error: " + (first.is_object() ? first.get_string("message", first.dump()) : first.dump()));
    }
  }
  note(sorted);
  if (!sorted.ok()) return sorted;
  const Json* data = j->find("data");
  if (!data || !data->is_object()) return Status::Unavailable("Clarus GraphQL answered without data");
  return *data;
}

Status ClarusClient::page_all(const std::string& resource, const Json& filter, const std::string& node_fields,
                              int page_size, const std::function<bool(const Json& node)>& visit) {
  const std::string query = "query Page($after: String) { " + resource + " { all(filter: " + graphql_literal(filter) +
                            ", first: " + std::to_string(page_size) +
                            ", after: $after) { pageInfo { hasNextPage endCursor } edges { node { " + node_fields +
                            " } } } } }";
  Json after;  // null: from the start
  for (;;) {
    Json vars = Json::object();
    vars.set("after", after);
    Result<Json> data = graphql(query, vars);
    if (!data.ok()) return data.status();
    const Json* res = data->find(resource);
    const Json* all = res ? res->find("all") : nullptr;
    const Json* edges = all ? all->find("edges") : nullptr;
    const Json* info = all ? all->find("pageInfo") : nullptr;
    if (!edges || !edges->is_array() || !info) return Status::Unavailable("Clarus GraphQL answered " + resource + " without edges");
    for (const Json& edge : edges->items()) {
      const Json* node = edge.find("node");
      if (node && !visit(*node)) return Status::Ok();
    }
    const Json* more = info->find("hasNextPage");
    const Json* cursor = info->find("endCursor");
    if (!more || !more->is_bool() || !more->as_bool() || !cursor || !cursor->is_string() || edges->items().empty())
      return Status::Ok();
    if (after.is_string() && after.as_string() == cursor->as_string())
      return Status::Unavailable("Clarus GraphQL returned the same page of " + resource + " twice (endCursor did not move)");
    after = *cursor;
  }
}

std::string graphql_literal(const Json& value) {
  switch (value.type()) {
    case Json::Type::kObject: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : value.members()) {
        if (!first) out += ", ";
        first = false;
        out += k + ": " + graphql_literal(v);
      }
      return out + "}";
    }
    case Json::Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < value.items().size(); ++i) out += (i ? ", " : "") + graphql_literal(value.items()[i]);
      return out + "]";
    }
    default:
      return value.dump();  // strings, numbers, booleans and null are spelled as in JSON
  }
}

}  // namespace sb::agent
