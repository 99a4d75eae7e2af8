// The ERP simulator: a NetSuite REST record API subset served over real HTTP,
// with the account's concurrency limit, auth (bearer, TBA, OAuth 2.0 client
// credentials with its token endpoint), latency and injected faults, plus /_sim admin endpoints (admin_api.h).
//
// Use in-process from a test:
//   ErpSimulator sim(options);
//   if (std::string error = sim.start(); !error.empty()) ...;
//   ... talk HTTP to sim.url() ...
// or call handle() directly with no sockets (faults that act on the
// connection then come back as a ConnectionFate).
//
// Thread-safety: handle() runs on many server threads at once; start() and
// stop() from one controlling thread. The host process should ignore SIGPIPE:
// clients that give up mid-answer are part of what this simulates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "auth.h"
#include "fault_plan.h"
#include "oauth2_token.h"
#include "record_store.h"
#include "route_table.h"
#include "sim_http.h"
#include "sim_options.h"
#include "sim_stats.h"
#include "stop_signal.h"

namespace sb::erpsim {

class HttpListener;

class ErpSimulator {
 public:
  explicit ErpSimulator(SimOptions options);
  ~ErpSimulator();
  ErpSimulator(const ErpSimulator&) = delete;
  ErpSimulator& operator=(const ErpSimulator&) = delete;

  // Listens on options.bind:options.port. Returns "" or why it could not.
  std::string start();
  // Wakes sleeping requests, closes connections, stops listening. Idempotent.
  void stop();

  uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:PORT"

  // One request through the whole pipeline: route, auth, concurrency limit,
  // latency, faults, handler.
  SimOutcome handle(const SimRequest& request);

  RecordStore& store() { return store_; }
  FaultInjector& faults() { return faults_; }
  const SimStats& stats() const { return stats_; }
  // The OAuth 2.0 token endpoint (--oauth2-*): how many tokens it issued.
  const OAuth2Issuer& oauth2() const { return *oauth2_; }

 private:
  SimOutcome handle_record_request(const Route& route, const RouteParams& params, const SimRequest& request);

  const SimOptions options_;
  RecordStore store_;
  FaultInjector faults_;
  SimStats stats_;
  ConcurrencyGate gate_;
  std::string setup_error_;              // what start() reports: options that could not be applied
  std::unique_ptr<OAuth2Issuer> oauth2_;  // before auth_, which may refer to it
  std::unique_ptr<Authenticator> auth_;
  StopSignal stop_;
  RouteTable routes_;
  std::unique_ptr<HttpListener> listener_;
};

}  // namespace sb::erpsim
