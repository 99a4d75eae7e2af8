// Master data the ERP owns: inventory items, locations, accounts. Clients
// read them (GET, SuiteQL); tests and people set them through /_sim/seed.
// Thread-safety: as RecordStore.
#pragma once

#include <string>

#include "record_store.h"
#include "route_table.h"

namespace sb::erpsim {

// SKU-0001..SKU-n with internal ids 1000+n (externalId = SKU), locations
// {1:"WH1", 2:"WH2", 6:"Main"} and account {1:"Inventory Adjustment"}.
void seed_default_master_data(RecordStore& store, int items);

// Applies a /_sim/seed body:
//   {"items":[{"id":"20","itemid":"X","isinactive":false,"externalId":"X"}],
//    "locations":[{"id":"6","name":"Main"}],"accounts":[{"id":"1","name":".."}]}
// Adds or replaces by id. Returns "" or what is wrong (nothing applied then).
std::string apply_seed(RecordStore& store, const std::string& body);

// GET /inventoryItem/{id|eid:..}, /location/{id|eid:..}, /account/{id}.
void add_master_record_routes(RouteTable& routes, RecordStore& store);

}  // namespace sb::erpsim
