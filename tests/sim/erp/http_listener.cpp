#include "http_listener.h"

#include <algorithm>
#include <cctype>
#include <istream>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include "netsuite_error.h"

namespace sb::erpsim {
namespace {

// NetSuite refuses requests over 104 MB; so does the simulator, before reading them.
constexpr std::streamsize kMaxBody = 104LL * 1024 * 1024;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// False when the body is larger than NetSuite accepts.
bool read_body(Poco::Net::HTTPServerRequest& request, std::string* body) {
  if (request.hasContentLength() && request.getContentLength64() > kMaxBody) return false;
  std::istream& in = request.stream();
  char buffer[16384];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    body->append(buffer, static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(body->size()) > kMaxBody) return false;
  }
  return true;
}

SimRequest to_sim_request(Poco::Net::HTTPServerRequest& request) {
  SimRequest sim;
  sim.method = request.getMethod();
  const std::string& target = request.getURI();
  sim.path = target.substr(0, target.find('?'));
  for (const auto& [name, value] : Poco::URI(target).getQueryParameters()) sim.query[name] = value;
  for (const auto& [name, value] : request) sim.headers[lower(name)] = value;
  sim.host = request.getHost();
  if (sim.host.empty()) sim.host = request.serverAddress().toString();
  return sim;
}

void send(Poco::Net::HTTPServerResponse& response, const SimResponse& sim) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(sim.status));
  for (const auto& [name, value] : sim.headers) response.set(name, value);
  if (sim.status == 204) {
    response.send();  // Poco writes no body and no Content-Length for 204
    return;
  }
  response.setContentType(sim.content_type);
  response.setContentLength(static_cast<std::streamsize>(sim.body.size()));
  response.send() << sim.body;
}

// Ends the connection without an answer. With SO_LINGER 0 the kernel sends
// RST and drops anything queued, which the client sees as "connection reset
// by peer" — the failure a load balancer or a crashing server produces.
void drop_connection(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response, bool reset) {
  response.setKeepAlive(false);
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
  if (!impl) return;
  Poco::Net::StreamSocket& socket = impl->socket();
  if (reset) socket.setLinger(true, 0);
  // Closing the shared socket also ends Poco's keep-alive loop for it.
  socket.close();
}

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RequestHandler(const HttpListener::Handler& handler) : handler_(handler) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    try {
      SimRequest sim;
      try {
        sim = to_sim_request(request);
      } catch (const Poco::SyntaxException&) {
        send(response, netsuite_error(400, error_code::kInvalidUrl, "The request URI is not valid."));
        return;
      }
      if (!read_body(request, &sim.body)) {
        send(response, netsuite_error(413, error_code::kContentTooLarge, "The request exceeds 104 MB."));
        response.setKeepAlive(false);
        return;
      }
      SimOutcome outcome = handler_(sim);
      switch (outcome.fate) {
        case ConnectionFate::kAnswer: send(response, outcome.response); break;
        case ConnectionFate::kClose: drop_connection(request, response, false); break;
        case ConnectionFate::kReset: drop_connection(request, response, true); break;
      }
    } catch (const Poco::Exception&) {
      // The client went away mid-answer (or stop() closed the socket): nothing to tell anyone.
    } catch (const std::exception&) {
    }
  }

 private:
  const HttpListener::Handler& handler_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(const HttpListener::Handler& handler) : handler_(handler) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(handler_);
  }

 private:
  const HttpListener::Handler& handler_;
};

}  // namespace

HttpListener::HttpListener(Handler handler) : handler_(std::move(handler)) {}

HttpListener::~HttpListener() { stop(); }

std::string HttpListener::start(const std::string& bind, uint16_t port, int threads) {
  try {
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(bind, port), true);
    socket.listen(512);
    port_ = socket.address().port();

    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    // A connection holds its thread while kept alive, so threads must exceed
    // what clients open at once, or excess requests queue instead of reaching
    // the concurrency limit and getting their 429.
    params->setMaxThreads(threads);
    params->setMaxQueued(1024);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    // An idle dispatcher thread notices stop() only when this wait ends;
    // Poco's default (10 s) would make every stop take that long.
    params->setThreadIdleTime(Poco::Timespan(0, 200 * 1000));
    pool_ = std::make_unique<Poco::ThreadPool>(2, threads + 2, 60);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(handler_), *pool_, socket, params);
    server_->start();
    return "";
  } catch (const Poco::Exception& e) {
    server_.reset();
    pool_.reset();
    return "cannot listen on " + bind + ":" + std::to_string(port) + ": " + e.displayText();
  }
}

void HttpListener::stop() {
  if (server_) {
    server_->stopAll(true);  // also shuts down kept-alive and in-progress connections
    pool_->joinAll();
    server_.reset();
  }
  pool_.reset();
}

}  // namespace sb::erpsim
