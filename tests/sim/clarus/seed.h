// The tenant a fresh simulator holds: warehouse 1 WH1, account 1, carriers
// with services (ROYALMAIL/RM1CLS, DPD/DPDNEXT, ...), bin and goods-in
// locations, one stock unit type, reason codes of every type, and products
// SKU-0001.. with stock. Ids here are fixed so people and tests can name them.
#pragma once

#include "model.h"

namespace sb::clarus_sim {

// Idempotent: adds what is missing, leaves what exists.
void seed_master_data(ClarusModel& m);

// Products SKU-0001..SKU-<count> (existing codes kept), each with stock in a bin.
void seed_products(ClarusModel& m, int count);

// One product with `stock` units at `location_code` (a bin when empty).
Result<int64_t> seed_product(ClarusModel& m, const std::string& code, const std::string& description, int64_t stock,
                             const std::string& location_code);

// Locations by role, for the warehouse and the seeding: the goods-in dock,
// quarantine, and the picking bins.
int64_t goods_in_location(const ClarusModel& m);
int64_t quarantine_location(const ClarusModel& m);
std::vector<int64_t> bin_locations(const ClarusModel& m);

}  // namespace sb::clarus_sim
