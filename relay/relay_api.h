// The relay's HTTP surface, on http.bind:http.port.
//
//   POST /v1/sites/{site}/uplink   HTTPS fallback: an UplinkBatch in, its UplinkAck out
//   GET  /api/status               JSON: sites, ledger, posting, concurrency
//   GET  /api/events/{event_id}    where one event stands: pending, held or posted (404: never received)
//   GET  /metrics                  Prometheus text
//   GET  /healthz, /readyz
#pragma once

#include <memory>
#include <string>

#include "platform/core/json.h"
#include "platform/http/http.h"
#include "relay/command_outbox.h"
#include "relay/downlink.h"
#include "relay/erp_feed.h"
#include "relay/ledger.h"
#include "relay/poster.h"
#include "relay/snapshot_keeper.h"
#include "relay/uplink.h"

namespace sb::relay {

struct RelayContext {
  std::string relay_id;
  std::string version;
  std::string erp_name;
  std::string erp_base_url;
  std::string uplink_token;  // "" = no check
  int64_t started_at_ms = 0;
  Ledger* ledger = nullptr;
  Poster* poster = nullptr;
  Uplink* uplink = nullptr;
  CommandOutbox* outbox = nullptr;  // the downlink; null in tests that do not need it
  Downlink* downlink = nullptr;
  ErpFeed* feed = nullptr;           // the ERP change feed; null when feed.enabled is false
  SnapshotKeeper* snapshots = nullptr;  // inventory snapshots kept for reconciliation; null in tests
  const Clock* clock = nullptr;
};

std::shared_ptr<Router> make_relay_router(RelayContext& ctx);
Json relay_status(RelayContext& ctx);

}  // namespace sb::relay
