// The simulator's own endpoints under /_sim: seeding master data, reading the
// ledger of created records, setting faults, stats, reset. No auth, no
// concurrency limit, no faults: tests and people must always reach them.
//   POST   /_sim/seed     add/replace items, locations, accounts, ship items;
//                         add/replace (by externalId) sales/purchase orders, returns;
//                         set opening stock on hand per item and location ("onHand", on_hand.h)
//   GET    /_sim/on_hand  quantity on hand and average cost per item and location, with totals
//   GET    /_sim/ledger   ?type=..&after_id=..  every transaction record in creation
//                         order (seeded orders as they stand now, and what clients created)
//   POST   /_sim/faults   set the fault plan (replaces it)   GET shows it, DELETE clears it
//   GET    /_sim/stats    counters
//   POST   /_sim/reset    forget transaction records (seeded orders too), faults and
//                         stats (master data stays)
#pragma once

#include "fault_plan.h"
#include "record_store.h"
#include "route_table.h"
#include "sim_stats.h"

namespace sb::erpsim {

struct AdminTargets {
  RecordStore& store;
  FaultInjector& faults;
  SimStats& stats;
  ConcurrencyGate& gate;
};

void add_admin_routes(RouteTable& routes, AdminTargets targets);

}  // namespace sb::erpsim
