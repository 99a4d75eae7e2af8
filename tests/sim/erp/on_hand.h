// Quantity on hand per item and location, as NetSuite keeps it: the opening
// stock seeded through /_sim/seed, then every record that moves stock:
//   item fulfilment (from a sales order)             - quantity x unitConversionRate
//   item receipt (purchase order or return auth.)     + quantity x unitConversionRate
//   inventory adjustment                              + adjustQtyBy x unitConversionRate
// at the line's location (an adjustment line without one: the adjLocation).
// Quantities are in the item's base unit, as SuiteQL's inventoryitemlocations
// gives them. Average cost is the seeded one: the simulator keeps no costing,
// so a receipt does not move it (an item/location never seeded has none).
//
// Derived from the ledger on every read rather than kept as counters, so a
// transform or adjustment can never be counted twice or missed, and
// /_sim/reset (which forgets transactions) returns on-hand to the opening stock.
// Thread-safety: reads the store under its lock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "record_store.h"
#include "route_table.h"

namespace sb::erpsim {

struct ItemLocationStock {
  std::string item;      // internal id
  std::string location;  // internal id
  double quantity_on_hand = 0;
  std::optional<double> average_cost;
  std::string last_modified;  // the latest record (or seed) that changed it
};

// Every item and location with opening stock or a movement, by item then location.
std::vector<ItemLocationStock> inventory_item_locations(const RecordStore& store);

// Applies the "onHand" list of a /_sim/seed body, if any:
//   {"onHand":[{"item":"1001","location":"1","quantity":120,"averageCost":2.5}]}
// item and location must exist; quantity is in the item's base unit; each
// entry replaces that item and location's opening stock. Returns "" or what
// is wrong (nothing applied then). *applied counts the entries.
std::string apply_on_hand_seed(RecordStore& store, const std::string& body, size_t* applied);

// GET /_sim/on_hand: {"rows":[{"item","itemid","location","quantityOnHand","averageCost"}],
// "totalQuantity": n, "totalValue": v} (value over the rows with a cost).
void add_on_hand_routes(RouteTable& routes, RecordStore& store);

// A number as NetSuite prints it in SuiteQL: no trailing ".0".
std::string quantity_text(double value);

}  // namespace sb::erpsim
