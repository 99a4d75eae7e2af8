// Master data the ERP owns: inventory items (with their units), locations,
// accounts and shipping items (the carrier master). Clients read them (GET,
// SuiteQL); tests and people set them through /_sim/seed.
// Thread-safety: as RecordStore.
#pragma once

#include <string>

#include "record_store.h"
#include "route_table.h"

namespace sb::erpsim {

// SKU-0001..SKU-n with internal ids 1000+n (externalId = SKU, units type
// "Count": Each/EA, the base and stock unit, and "Case of 12"/CS), locations
// {1:"WH1", 2:"WH2", 6:"Main"}, account {1:"Inventory Adjustment"} and ship items
// {9001:"Royal Mail 1st Class" ROYALMAIL/RM1CLS, 9002:"DPD Next Day" DPD/DPDNEXT}.
void seed_default_master_data(RecordStore& store, int items);

// Applies the master-data lists of a /_sim/seed body:
//   {"items":[{"id":"20","itemid":"X","isinactive":false,"externalId":"X",
//              "unitsType":"Count","units":[{"name":"Each","rate":1},{"name":"Case of 12","rate":12}],
//              "stockUnit":"Case of 12"}],
//    "locations":[{"id":"6","name":"Main"}],"accounts":[{"id":"1","name":".."}],
//    "shipItems":[{"id":"9001","itemid":"Royal Mail 1st Class","carrier":"ROYALMAIL",
//                  "serviceCode":"RM1CLS","trackingPattern":"^[A-Z]{2}[0-9]{9}GB$"}]}
// A unit's "abbreviation" defaults to EA for Each, CS for Case..., else the
// name upper-cased; "stockUnit" (a unit of the item) to the base unit.
// Adds or replaces by id. Returns "" or what is wrong (nothing applied then).
std::string apply_seed(RecordStore& store, const std::string& body);

// The unit of `item` named or numbered `unit`; the base unit when unit is "".
// nullopt when the item has no such unit (an item without units has only an
// implicit base unit, id "" and rate 1).
std::optional<ItemUnit> find_unit(const MasterRecord& item, const std::string& unit);

// GET /inventoryItem/{id|eid:..}, /location/{id|eid:..}, /account/{id}, /shipItem/{id|eid:..}.
void add_master_record_routes(RouteTable& routes, RecordStore& store);

}  // namespace sb::erpsim
