// HttpServer on Poco's threaded HTTPServer. Each connection holds one pool thread
// for as long as it is kept alive (Poco's model), so max_threads bounds the
// connections served at once and max_queued the ones waiting for a thread.
//
// Per request the work is: copy the request line, headers and body once into an
// HttpRequest, run the router, write status line, headers and body in one send.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <strings.h>

#include <algorithm>
#include <istream>

#include "platform/core/log.h"
#include "platform/http/http.h"
#include "platform/http/poco_ssl.h"

namespace sb {
namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// After a 413 the rest of the body is read and dropped for a moment before the
// connection closes: closing with unread data makes the kernel send RST, and the
// client would then lose the 413 it has not read yet.
constexpr Poco::Timespan::TimeDiff kDrainMicros = 1'000'000;
constexpr uint64_t kDrainMaxBytes = 64ull << 20;
constexpr size_t kChunk = 16 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

void send_response(HTTPServerResponse& out, const HttpResponse& r) {
  out.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(r.status));
  if (!r.content_type.empty()) out.setContentType(r.content_type);
  for (const auto& [name, value] : r.headers) {
    if (iequals(name, "Connection")) {
      if (iequals(value, "close")) out.setKeepAlive(false);
    } else if (!iequals(name, "Content-Length") && !iequals(name, "Transfer-Encoding")) {
      out.add(name, value);  // add, not set: Set-Cookie and friends may repeat
    }
  }
  // Status line, headers and body share one buffer: a small answer is one send().
  out.sendBuffer(r.body.data(), r.body.size());
}

// Reads the body of `in` into *body. False when it is larger than `max` (413);
// *gone when the client went away before sending all of it.
bool read_body(HTTPServerRequest& in, uint64_t max, std::string* body, bool* gone) {
  if (!in.getChunkedTransferEncoding()) {
    // A request with neither Content-Length nor chunked encoding has no body
    // (RFC 9112 6.3); Poco would otherwise read a POST until the socket closes.
    if (!in.hasContentLength()) return true;
    const auto length = static_cast<uint64_t>(in.getContentLength64());
    if (length > max) return false;
    body->resize(length);
    in.stream().read(body->data(), static_cast<std::streamsize>(length));
    *gone = static_cast<uint64_t>(in.stream().gcount()) != length;
    return true;
  }
  std::istream& stream = in.stream();
  body->reserve(kChunk);
  while (stream) {
    size_t old = body->size();
    body->resize(old + kChunk);
    stream.read(body->data() + old, kChunk);
    body->resize(old + static_cast<size_t>(stream.gcount()));
    if (body->size() > max) return false;
  }
  *gone = stream.bad();
  return true;
}

void drain(HTTPServerRequest& in) {
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&in);
  if (impl) {
    impl->socket().shutdownSend();
    impl->socket().setReceiveTimeout(Poco::Timespan(kDrainMicros));
  }
  Poco::Timestamp started;
  char scratch[kChunk];
  uint64_t drained = 0;
  std::istream& stream = in.stream();
  while (stream && drained < kDrainMaxBytes && !started.isElapsed(kDrainMicros)) {
    stream.read(scratch, sizeof scratch);
    drained += static_cast<uint64_t>(stream.gcount());
  }
}

// Strips "http://host:port" from an absolute-form request target.
std::string_view origin_form(std::string_view uri) {
  if (uri.empty() || uri.front() == '/') return uri;
  size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return uri;
  size_t path = uri.find('/', scheme + 3);
  return path == std::string_view::npos ? std::string_view("/") : uri.substr(path);
}

class RouterRequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  RouterRequestHandler(const Router& router, uint64_t max_body) : router_(router), max_body_(max_body) {}

  void handleRequest(HTTPServerRequest& in, HTTPServerResponse& out) override {
    try {
      serve(in, out);
    } catch (const Poco::Exception& e) {
      // The client went away or sent garbage; nothing useful can be answered.
      out.setKeepAlive(false);
      log::debug("http", "request aborted", {{"error", e.displayText()}});
    } catch (const std::exception& e) {
      out.setKeepAlive(false);
      log::error("http", "request failed", {{"error", e.what()}});
    }
  }

 private:
  void serve(HTTPServerRequest& in, HTTPServerResponse& out) {
    HttpRequest request;
    request.method = in.getMethod();
    std::string_view target = origin_form(in.getURI());
    size_t q = target.find('?');
    request.path = url_decode(target.substr(0, q));
    if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
    request.headers.reserve(in.size());
    for (const auto& header : in) request.headers.emplace_back(header.first, header.second);

    bool gone = false;
    if (!read_body(in, max_body_, &request.body, &gone)) {
      refuse_too_large(in, out);
      return;
    }
    if (gone) {
      out.setKeepAlive(false);
      return;
    }
    request.remote_address = in.clientAddress().toString();
    send_response(out, router_.handle(std::move(request)));
  }

  // 413 without reaching the router. The answer is flushed before draining
  // (sendBuffer would hold it until the handler returns) and the connection closes.
  void refuse_too_large(HTTPServerRequest& in, HTTPServerResponse& out) {
    HttpResponse r = HttpResponse::error(
        413, "request body is larger than the limit of " + std::to_string(max_body_) + " bytes");
    out.setKeepAlive(false);
    out.setStatusAndReason(HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE);
    out.setContentType(r.content_type);
    out.setContentLength64(static_cast<Poco::Int64>(r.body.size()));
    std::ostream& os = out.send();
    os.write(r.body.data(), static_cast<std::streamsize>(r.body.size()));
    os.flush();
    drain(in);
  }

  const Router& router_;
  const uint64_t max_body_;
};

class RouterHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  RouterHandlerFactory(std::shared_ptr<const Router> router, uint64_t max_body)
      : router_(std::move(router)), max_body_(max_body) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override {
    // Refuse "Expect: 100-continue" for an oversized body before the client sends it.
    if (request.getExpectContinue() && request.hasContentLength() &&
        static_cast<uint64_t>(request.getContentLength64()) > max_body_) {
      request.response().setStatus(HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE);
    }
    return new RouterRequestHandler(*router_, max_body_);
  }

 private:
  std::shared_ptr<const Router> router_;
  const uint64_t max_body_;
};

class PocoHttpServer final : public HttpServer {
 public:
  PocoHttpServer(std::unique_ptr<Poco::ThreadPool> pool, Poco::Net::ServerSocket socket,
                 Poco::Net::HTTPServerParams::Ptr params, std::shared_ptr<const Router> router,
                 uint64_t max_body)
      : pool_(std::move(pool)), socket_(socket), port_(socket.address().port()) {
    server_ = std::make_unique<Poco::Net::HTTPServer>(new RouterHandlerFactory(std::move(router), max_body), *pool_,
                                                      socket, params);
    server_->start();
  }
  ~PocoHttpServer() override { stop(); }

  uint16_t port() const override { return port_; }

  void stop() override {
    std::lock_guard lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    try {
      // Not aborting: each connection finishes the request it is serving, then
      // its socket is shut down, which also ends idle keep-alive waits.
      server_->stopAll(false);
      pool_->joinAll();
      // Poco stops accepting but leaves the socket listening: the kernel would
      // still complete handshakes and callers would wait for an answer that never
      // comes. Closed, they are refused at once.
      socket_.close();
    } catch (const Poco::Exception& e) {
      log::warn("http", "server stop", {{"error", e.displayText()}});
    }
    log::info("http", "server stopped", {{"port", port_}});
  }

 private:
  std::unique_ptr<Poco::ThreadPool> pool_;  // outlives server_ (declared first)
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  Poco::Net::ServerSocket socket_;
  const uint16_t port_;
  std::mutex stop_mu_;
  bool stopped_ = false;
};

Result<Poco::Net::ServerSocket> make_socket(const HttpServerOptions& o) {
  const bool tls = !o.tls_cert_file.empty() || !o.tls_key_file.empty();
  if (tls && (o.tls_cert_file.empty() || o.tls_key_file.empty())) {
    return Status::InvalidArgument("http: HTTPS needs both a certificate and a key file");
  }
  Poco::Net::ServerSocket socket;
  if (tls) {
    try {
      http_internal::ensure_ssl_initialized();
      Poco::Net::Context::Params p;
      p.privateKeyFile = o.tls_key_file;
      p.certificateFile = o.tls_cert_file;
      p.verificationMode = Poco::Net::Context::VERIFY_NONE;  // clients are not asked for certificates
      Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, p);
      context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
      socket = Poco::Net::SecureServerSocket(context);
    } catch (const Poco::Exception& e) {
      return Status::InvalidArgument("http: cannot load TLS certificate '" + o.tls_cert_file + "' / key '" +
                                     o.tls_key_file + "': " + e.displayText());
    }
  }
  Poco::Net::SocketAddress address;
  try {
    address = Poco::Net::SocketAddress(o.bind_address, o.port);
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("http: bad bind address '" + o.bind_address + "': " + e.displayText());
  }
  try {
    // Reuse the address (restart while old connections sit in TIME_WAIT) but not the
    // port: Poco's two-argument bind sets SO_REUSEPORT too, letting a second server
    // share the port silently instead of failing.
    socket.bind(address, /*reuseAddress=*/true, /*reusePort=*/false);
    socket.listen(std::max(64, o.max_queued));
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("http: cannot listen on " + address.toString() + ": " + e.displayText());
  }
  return socket;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> start_http_server(const HttpServerOptions& options,
                                                      std::shared_ptr<const Router> router) {
  if (!router) return Status::InvalidArgument("http: no router");
  if (options.max_threads < 1 || options.max_queued < 0) {
    return Status::InvalidArgument("http: max_threads must be at least 1 and max_queued not negative");
  }
  Result<Poco::Net::ServerSocket> socket = make_socket(options);
  if (!socket.ok()) return socket.status();

  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(options.max_threads);
  params->setMaxQueued(options.max_queued);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0);  // 0 = unlimited: intake clients keep one connection for hours
  const Poco::Timespan keep_alive(options.keep_alive_timeout.count() * 1000);
  params->setKeepAliveTimeout(keep_alive);
  params->setTimeout(keep_alive);  // also bounds a stalled request (slow client) per read
  params->setSoftwareVersion("");  // no Server header

  try {
    auto pool = std::make_unique<Poco::ThreadPool>(std::min(2, options.max_threads), options.max_threads,
                                                   /*idleTime s=*/60);
    auto server = std::make_unique<PocoHttpServer>(std::move(pool), socket.value(), params, std::move(router),
                                                   options.max_body_bytes);
    log::info("http", "server listening",
              {{"address", options.bind_address}, {"port", server->port()},
               {"tls", !options.tls_cert_file.empty()}, {"max_threads", options.max_threads}});
    return std::unique_ptr<HttpServer>(std::move(server));
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("http: cannot start server: " + e.displayText());
  }
}

}  // namespace sb
