// Stack: the whole of Stockbridge as real processes on loopback, for
// end-to-end and crash tests and for the demo.
//
// mosquitto (default configuration, free port), the ERP simulator, the relay,
// the agent and (when asked) the Clarus simulator, each with a config file written into a scratch directory.
// Components can be killed with SIGKILL and restarted on the same ports and
// data directories, as an operator's machine would see it.
// Thread-safety: one Stack is driven by one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "platform/core/json.h"
#include "platform/core/status.h"
#include "platform/http/http.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace sb::e2e {

struct StackOptions {
  std::string bin_dir;                     // the build directory holding the programs
  std::string site_id = "site-1";
  // ERP simulator
  int erp_concurrency_limit = 15;
  int erp_latency_ms = 0;
  bool erp_unique_external_id = false;     // off: a duplicate the relay caused stays visible to the audit
  int erp_seed_items = 500;                // SKU-0001.. in the ERP (items 1001..)
  // Extra `key = value` lines for the configs (they win over the defaults here).
  std::vector<std::string> agent_settings;
  std::vector<std::string> relay_settings;
  bool quiet_logs = true;                  // log.level = warn
  Millis https_fallback_after{0};          // > 0: the agent falls back to the relay's HTTPS uplink after this
  // Clarus simulator. Off: the agent has no Clarus adapter and takes events by POST /v1/events.
  bool with_clarus = false;
  bool clarus_webhooks = true;             // off: a polling-only site (Clarus cannot reach the gateway)
  double clarus_rate = 0;                  // scripted warehouse actions per second; 0 = stepped by the test
  uint64_t clarus_seed = 1;
  std::string clarus_sweep_interval = "2s";
  double clarus_duplicate_webhooks = 0.05;
  std::vector<std::string> clarus_args;    // extra simulator flags
};

class Stack {
 public:
  explicit Stack(StackOptions options);
  ~Stack();

  // Starts mosquitto, the ERP simulator, the relay and the agent, and waits until each answers.
  Status start();
  Status start_broker();
  Status start_erp();
  Status start_relay();
  Status start_agent();
  Status start_clarus();

  testing::Mosquitto& broker() { return *broker_; }
  testing::Process& agent() { return agent_; }
  testing::Process& relay() { return relay_; }
  testing::Process& erp() { return erp_; }
  testing::Process& clarus() { return clarus_; }

  // Stops everything cleanly (SIGTERM, agent first). Returns false if a program
  // did not exit by itself in time or exited with an error.
  bool stop();

  // SIGKILL and start again on the same port and data, waiting until it answers.
  Status restart_agent();
  Status restart_relay();
  Status restart_broker();
  Status restart_clarus();

  std::string agent_url() const { return "http://127.0.0.1:" + std::to_string(agent_port_); }
  std::string relay_url() const { return "http://127.0.0.1:" + std::to_string(relay_port_); }
  std::string erp_url() const { return "http://127.0.0.1:" + std::to_string(erp_port_); }
  // The webhook secret the agent expects in /clarus/webhooks/{secret}.
  static std::string clarus_webhook_secret();
  std::string clarus_url() const { return "http://127.0.0.1:" + std::to_string(clarus_port_); }
  const std::string& dir() const { return dir_->path(); }

  Result<Json> get_json(const std::string& url);
  Result<Json> agent_status() { return get_json(agent_url() + "/api/status"); }
  Result<Json> relay_status() { return get_json(relay_url() + "/api/status"); }
  Result<Json> erp_ledger() { return get_json(erp_url() + "/_sim/ledger"); }
  Result<Json> erp_stats() { return get_json(erp_url() + "/_sim/stats"); }
  // POST /_sim/faults with this JSON body.
  Status set_erp_faults(const std::string& json);
  // POST /_sim/seed with this JSON body (master data, orders); the simulator's refusal as the error.
  Status seed_erp(const std::string& json);
  // POST to the Clarus simulator (e.g. "/_sim/faults", "/_sim/warehouse/step"); the answer's JSON.
  Result<Json> clarus_post(const std::string& path, const std::string& json);
  Result<Json> clarus_state() { return get_json(clarus_url() + "/_sim/state"); }
  // Where the relay stands with one event: "pending", "held", "posted", or "" when it never received it.
  std::string relay_event_state(const std::string& event_id);
  // Records the ERP simulator holds (from /_sim/stats), -1 when it does not answer.
  int64_t erp_created();

  // The tail of every component's log, for a failing test's message.
  std::string logs(size_t lines = 30);
  HttpClient& http() { return *http_; }

 private:
  Status wait_http(const std::string& url, testing::Process& p, const char* what);
  void write_configs();

  StackOptions options_;
  std::unique_ptr<testing::TempDir> dir_;
  std::unique_ptr<testing::Mosquitto> broker_;
  std::unique_ptr<HttpClient> http_;
  testing::Process erp_, relay_, agent_, clarus_;
  uint16_t agent_port_ = 0, relay_port_ = 0, erp_port_ = 0, clarus_port_ = 0;
};

}  // namespace sb::e2e
