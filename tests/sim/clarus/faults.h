// The fault plan: what goes wrong on purpose, set at runtime through
// POST /_sim/faults (keys given replace those values; others stay) and shown
// by GET /_sim/faults. Plain value type; the simulator guards its copy.
#pragma once

#include <cstdint>
#include <string>

#include "platform/core/json.h"
#include "platform/core/status.h"

namespace sb::clarus_sim {

struct FaultPlan {
  double error_5xx_rate = 0;           // share of API calls answered 500/503, nothing done
  int64_t latency_ms = 0;              // added before every API call
  double reject_creates_rate = 0;      // share of POST creates answered 422, nothing created
  bool down = false;                   // every API call (token and GraphQL too) answers 503
  double drop_webhooks_rate = 0;       // share of webhooks never sent
  double duplicate_webhooks_rate = 0.05;  // share of webhooks sent twice

  // Applies the keys present; InvalidArgument names an unknown key or a bad value.
  Status merge(const Json& body);
  Json to_json() const;
};

}  // namespace sb::clarus_sim
