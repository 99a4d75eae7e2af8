// WebhookReceiver: a real HTTP server on a free loopback port that records
// every JSON body POSTed to it (a chat webhook as the relay's alerts see
// one), and can be told to refuse for a while (answer 503) like a webhook
// that is down. For unit and end-to-end tests; header-only.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "platform/core/json.h"
#include "platform/http/http.h"

namespace sb::testing {

class WebhookReceiver {
 public:
  // Starts listening; check ok() before use.
  WebhookReceiver() : state_(std::make_shared<State>()) {
    auto router = std::make_shared<Router>();
    std::shared_ptr<State> st = state_;
    router->add("POST", "/hook", [st](const HttpRequest& req) {
      std::lock_guard lock(st->mu);
      ++st->requests;
      if (st->refusing) return HttpResponse::error(503, "the webhook is down");
      Result<Json> j = Json::parse(req.body);
      st->bodies.push_back(j.ok() ? *j : Json::string(req.body));
      return HttpResponse::text(200, "1");  // what Slack answers
    });
    HttpServerOptions o;
    o.bind_address = "127.0.0.1";
    o.port = 0;
    o.max_threads = 4;
    Result<std::unique_ptr<HttpServer>> server = start_http_server(o, router);
    if (server.ok()) server_ = std::move(server).value();
  }
  ~WebhookReceiver() {
    if (server_) server_->stop();
  }

  bool ok() const { return server_ != nullptr; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_ ? server_->port() : 0) + "/hook"; }
  void refuse(bool refusing) {
    std::lock_guard lock(state_->mu);
    state_->refusing = refusing;
  }
  // The bodies accepted (2xx), in arrival order.
  std::vector<Json> bodies() const {
    std::lock_guard lock(state_->mu);
    return state_->bodies;
  }
  size_t requests() const {
    std::lock_guard lock(state_->mu);
    return state_->requests;
  }
  void clear() {
    std::lock_guard lock(state_->mu);
    state_->bodies.clear();
  }

 private:
  struct State {
    std::mutex mu;
    bool refusing = false;
    size_t requests = 0;
    std::vector<Json> bodies;
  };
  std::shared_ptr<State> state_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace sb::testing
