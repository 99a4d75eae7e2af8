// HTTP: plain request/response values, a Router, a server and a client.
//
// The Router is also the server's in-memory twin: unit tests call
// router.handle(request) directly with no sockets. HttpServer serves a Router on
// Poco's threaded server; HttpClient is an interface with a Poco implementation
// (keep-alive sessions, timeouts, TLS) and a FakeHttpClient twin.
// Poco types never appear here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"

namespace sb {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; "" when absent.
std::string header_value(const HttpHeaders& headers, std::string_view name);

struct HttpRequest {
  std::string method;          // "GET", "POST", ...
  std::string path;            // percent-decoded path without the query
  std::string query;           // raw query string without '?'
  HttpHeaders headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:53122"
  // Filled by the Router from the route pattern: "/v1/sites/{site}" -> {"site": "..."}.
  std::map<std::string, std::string> params;

  std::string header(std::string_view name) const { return header_value(headers, name); }
  // Value of a query parameter (percent-decoded); "" when absent.
  std::string query_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  HttpHeaders headers;
  std::string body;

  std::string header(std::string_view name) const { return header_value(headers, name); }
  // {"error": reason} with the given status: the shape of every error answer.
  static HttpResponse error(int status, std::string_view reason);
  static HttpResponse json(int status, std::string body);
  static HttpResponse text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  // Pattern segments in braces capture: "/v1/sites/{site}/uplink".
  void add(const std::string& method, const std::string& pattern, HttpHandler handler);
  // 404 for an unknown path, 405 (with Allow) for a known path with another method.
  // A handler that throws answers 500 and is logged; the server stays up.
  HttpResponse handle(HttpRequest request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    HttpHandler handler;
  };
  std::vector<Route> routes_;
};

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;                 // 0 = any free port; port() tells which
  int max_threads = 16;              // connections served at once
  int max_queued = 256;              // accepted connections waiting for a thread
  uint64_t max_body_bytes = 8 << 20; // larger bodies answer 413 without reaching the router
  Millis keep_alive_timeout{15'000};
  std::string tls_cert_file;         // both set = HTTPS
  std::string tls_key_file;
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
  virtual void stop() = 0;  // stops accepting, waits for handlers in progress
};

// Binds and starts serving. Unavailable when the address is in use.
Result<std::unique_ptr<HttpServer>> start_http_server(const HttpServerOptions& options,
                                                      std::shared_ptr<const Router> router);

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http://host:port/path?query or https://...
  HttpHeaders headers;
  std::string body;
  std::string content_type = "application/json";
  Millis timeout{10'000};
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Any HTTP status is a successful exchange (the caller judges 4xx/5xx).
  // Errors: Unavailable (could not connect: nothing was sent), Timeout (no answer
  // in time: the server may have acted), ConnectionLost (reset or closed mid-way:
  // the server may have acted), InvalidArgument (bad URL).
  // Thread-safety: send() may be called from many threads at once.
  virtual Result<HttpResponse> send(const ClientRequest& request) = 0;
};

struct HttpClientOptions {
  int max_idle_per_host = 32;    // keep-alive sessions kept for reuse
  std::string ca_file;           // extra trust anchors for https
  bool verify_tls = true;
};

std::unique_ptr<HttpClient> make_poco_http_client(const HttpClientOptions& options = {});

// The twin: answers from a function; records every request it saw.
class FakeHttpClient : public HttpClient {
 public:
  using Responder = std::function<Result<HttpResponse>(const ClientRequest&)>;
  explicit FakeHttpClient(Responder responder) : responder_(std::move(responder)) {}
  Result<HttpResponse> send(const ClientRequest& request) override;
  std::vector<ClientRequest> requests() const;

 private:
  Responder responder_;
  mutable std::mutex mu_;
  std::vector<ClientRequest> seen_;
};

// Percent-encoding helpers (RFC 3986 unreserved set kept as is).
std::string url_encode(std::string_view s);
std::string url_decode(std::string_view s);
// A query string component: as url_decode, with '+' standing for a space (HTML forms).
std::string decode_query_component(std::string_view s);

}  // namespace sb
