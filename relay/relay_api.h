// The relay's HTTP surface, on http.bind:http.port.
//
//   POST /v1/sites/{site}/uplink   HTTPS fallback: an UplinkBatch in, its UplinkAck out
//   GET  /api/status               JSON: sites, ledger, posting, concurrency, monitors, alerts
//   GET  /api/events/{event_id}    where one event stands: pending, held, posted or discarded (404: never received)
//   GET  /api/exceptions[/{id}], POST /api/exceptions/{id}/{retry,edit,discard}
//                                  held work and the actions on it (platform/http/exception_routes.h)
//   GET  /metrics                  Prometheus text
//   GET  /healthz, /readyz
#pragma once

#include <memory>
#include <string>

#include "platform/core/json.h"
#include "platform/http/http.h"
#include "platform/store/exception_book.h"
#include "relay/alerts.h"
#include "relay/command_outbox.h"
#include "relay/downlink.h"
#include "relay/erp_feed.h"
#include "relay/ledger.h"
#include "relay/monitors.h"
#include "relay/poster.h"
#include "relay/reconciliation.h"
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
  ExceptionBook* exceptions = nullptr;  // held work people act on; null in tests that do not need it
  Reconciler* reconciler = nullptr;     // stock reconciliation reports; null in tests that do not need them
  Monitors* monitors = nullptr;         // null in tests that do not need them
  Alerts* alerts = nullptr;             // null in tests that do not need them
  const Clock* clock = nullptr;
};

std::shared_ptr<Router> make_relay_router(RelayContext& ctx);
Json relay_status(RelayContext& ctx);

}  // namespace sb::relay
