// The inventoryAdjustment record: create (POST) and read (GET by id or eid:).
//
// Validation follows NetSuite: required fields answer USER_ERROR, references
// to unknown or inactive master data INVALID_KEY_OR_REF with the field's
// o:errorPath, a reused externalId DUP_RCRD. The first problem found is
// reported.
//
// A line's adjustQtyBy is in its "units" (a unit of the line's item, by id or
// name; the item's stock unit when absent). The stored body is the one posted
// with each line's units ({"id","refName"}) and unitConversionRate added, so
// the factor used is kept. No on-hand totals are kept.
// Thread-safety: handlers run on many threads; state is in the store.
#pragma once

#include "record_store.h"
#include "route_table.h"
#include "sim_options.h"

namespace sb::erpsim {

inline constexpr const char* kInventoryAdjustment = "inventoryAdjustment";

void add_inventory_adjustment_routes(RouteTable& routes, RecordStore& store, const SimOptions& options);

}  // namespace sb::erpsim
