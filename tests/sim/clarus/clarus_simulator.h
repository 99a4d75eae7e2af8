// ClarusSimulator: a Clarus WMS tenant over real HTTP, as docs/clarus-model.md
// describes it: OAuth tokens, the REST API under a configurable prefix,
// GraphQL at /graphql, webhook automations, a scripted warehouse and fault
// injection. The program stockbridge-clarus-sim is a thin main around it;
// tests run it in-process.
//
// Thread-safety: start/stop from one thread; everything else is internally locked.
#pragma once

#include <condition_variable>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "platform/core/status.h"
#include "platform/http/http.h"
#include "api_support.h"
#include "sim_core.h"
#include "sim_options.h"

namespace sb::clarus_sim {

class ClarusSimulator {
 public:
  explicit ClarusSimulator(SimOptions options);
  ~ClarusSimulator();

  // Binds, starts the webhook sender and the warehouse clock. Unavailable when the port is taken.
  Status start();
  void stop();

  uint16_t port() const;
  std::string url() const;  // http://127.0.0.1:PORT

  // In-process shortcuts (the same as the /_sim endpoints).
  Json step_warehouse(int steps, const std::set<std::string>& only = {});
  Json state() { return core_->state(); }
  Json stats() { return core_->stats(); }

 private:
  std::shared_ptr<Router> build_router();
  HttpResponse api_call(const RouteSpec& route, const HttpRequest& request);
  // Down, latency and 5xx faults for any API call; an answer when one applies.
  std::optional<HttpResponse> fault_answer(const HttpRequest& request);
  void run_warehouse_clock();

  SimOptions options_;
  std::unique_ptr<SimCore> core_;
  std::unique_ptr<HttpServer> server_;
  std::thread clock_thread_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace sb::clarus_sim
