// ClarusClient: the agent's one way to talk to the Clarus API
// (docs/clarus-model.md). It holds the OAuth 2.0 client-credentials token,
// fetches a new one before it expires and once more on a 401, adds the
// subdomain header, and sorts every answer into the outcomes its callers act on:
//
//   OK                  2xx; the parsed body
//   kInvalidArgument    Clarus refused the request (4xx other than 401/404/429):
//                       a rejection; the message is Clarus's own {"error"} text
//   kNotFound           404
//   kUnavailable        5xx, 429, connection refused, or authentication failing
//                       (retry later; nothing more can be said)
//   kTimeout / kConnectionLost   no answer: Clarus may have acted
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/core/status.h"
#include "platform/http/http.h"

namespace sb::agent {

struct ClarusOptions {
  std::string base_url;            // e.g. https://clarus-api.com (no trailing slash)
  std::string rest_prefix = "/api";
  std::string subdomain;           // X-Clarus-Subdomain
  std::string client_id;
  std::string client_secret;
  Millis timeout{15'000};
};

struct ClarusCounters {
  uint64_t requests = 0;
  uint64_t token_fetches = 0;
  uint64_t unavailable = 0;        // answers sorted as kUnavailable / timeouts
  uint64_t rejected = 0;           // 4xx rejections
  int64_t last_ok_at_ms = 0;
  int64_t last_failure_at_ms = 0;
  std::string last_error;
};

class ClarusClient {
 public:
  ClarusClient(HttpClient& http, const Clock& clock, ClarusOptions options);

  // A REST call: method "GET"/"POST"/"PATCH", path relative to the REST prefix
  // ("/goods_outs"). body may be null (no body). Returns the parsed answer ({} when empty).
  Result<Json> rest(const std::string& method, const std::string& path, const Json& body);

  // A GraphQL query. Returns the "data" member; an answer carrying "errors"
  // is kInvalidArgument with the first error's message.
  Result<Json> graphql(const std::string& query, const Json& variables);

  // Pages `<resource> { all(filter: <filter>, first: page_size, after: ...) }`
  // selecting `node_fields` (GraphQL selection text, e.g. "id reference carrier { code }"),
  // calling visit(node) for each node in order; visit returns false to stop early.
  // filter is a JSON object rendered as a GraphQL input literal.
  Status page_all(const std::string& resource, const Json& filter, const std::string& node_fields, int page_size,
                  const std::function<bool(const Json& node)>& visit);

  ClarusCounters counters() const;

 private:
  Result<std::string> token(bool force_new);
  Result<HttpResponse> send_authorised(ClientRequest request);
  void note(const Status& s);

  HttpClient& http_;
  const Clock& clock_;
  ClarusOptions options_;
  mutable std::mutex mu_;
  std::string token_;
  int64_t token_expires_mono_ms_ = 0;
  ClarusCounters counters_;
};

// A JSON value rendered as a GraphQL input literal: {id: {gt: 5}, reference: {eq: "SO-1"}}.
std::string graphql_literal(const Json& value);

}  // namespace sb::agent
