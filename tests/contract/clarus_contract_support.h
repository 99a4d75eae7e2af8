// What the Clarus contract tests share: an in-process Clarus simulator on a
// loopback port, the agent's own ClarusClient talking to it over real HTTP
// (make_poco_http_client), the simulator's /_sim controls, and builders of the
// ERP commands the applier receives. No fakes anywhere: what a test asserts is
// what the simulator holds afterwards and what the adapter returned.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/clarus/clarus_client.h"
#include "clarus_simulator.h"
#include "clarus_test_client.h"
#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/http/http.h"
#include "stockbridge/v1/wire.h"

namespace sb::contract {

// A running simulator plus the agent's ClarusClient pointed at it.
class SimTenant {
 public:
  explicit SimTenant(clarus_sim::SimOptions options = {});
  ~SimTenant();

  clarus_sim::ClarusSimulator& sim() { return *sim_; }
  agent::ClarusClient& clarus() { return *clarus_; }
  // The options the agent would be configured with; tests vary them (a wrong secret).
  agent::ClarusOptions agent_options() const;
  // Another agent-side client on the same HTTP client and clock.
  std::unique_ptr<agent::ClarusClient> client(agent::ClarusOptions options);

  Json state() { return sim_->state(); }
  // A /_sim call (never authenticated); fails the test unless it answers 2xx.
  Json admin(const std::string& method, const std::string& path, const std::string& body = "");

 private:
  SystemClock clock_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<clarus_sim::ClarusSimulator> sim_;
  std::unique_ptr<clarus_sim::test::ClarusClient> sim_client_;  // for /_sim
  std::unique_ptr<agent::ClarusClient> clarus_;
};

// The simulator tests' JSON path helpers: at(root, "lines.0.product.code")
// (array indexes as numbers; nullptr when absent), int_at (-1 when absent or
// not an integer), str_at.
using clarus_sim::test::at;
using clarus_sim::test::int_at;
using clarus_sim::test::str_at;
// The records of state[list] whose `path` reads `value` (as text).
std::vector<Json> where(const Json& state, const std::string& list, const std::string& path, const std::string& value);
size_t count(const Json& state, const std::string& list);

// ERP commands as the relay sends them.
struct Line {
  std::string line_ref, sku;
  int64_t quantity = 0;
};
v1::Command item_upsert(const std::string& sku, const std::string& description, const std::string& barcode,
                        int units_per_case, const std::string& unit = "EA");
v1::Command sales_order(const std::string& erp_id, const std::string& number, const std::vector<Line>& lines,
                        const std::string& carrier = "ROYALMAIL", const std::string& service = "RMTRK24");
v1::Command sales_order_cancel(const std::string& erp_id, const std::string& number);
v1::Command purchase_order(const std::string& erp_id, const std::string& number, const std::vector<Line>& lines);
v1::Command return_authorisation(const std::string& erp_id, const std::string& number, const std::vector<Line>& lines);

// Fails the test with the status when it is not OK.
void check_ok(const Status& s, const char* what);

}  // namespace sb::contract
