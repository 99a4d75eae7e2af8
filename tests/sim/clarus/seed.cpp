#include "seed.h"

#include <algorithm>
#include <cstdio>

namespace sb::clarus_sim {
namespace {

constexpr const char* kUnitTypeId = "sut_000001";

void add_service(ClarusModel& m, int64_t id, int64_t carrier_id, const char* code, const char* name) {
  if (!m.carrier_services.count(id)) m.carrier_services[id] = {id, carrier_id, code, name};
}

}  // namespace

void seed_master_data(ClarusModel& m) {
  if (!m.warehouses.count(1)) m.warehouses[1] = {1, "WH1", "Main warehouse"};
  if (!m.accounts.count(1)) m.accounts[1] = {1, "ACC1", "Stockbridge account"};
  const struct { int64_t id; const char* code; const char* name; } carriers[] = {
      {1, "ROYALMAIL", "Royal Mail"}, {2, "DPD", "DPD"}, {3, "DHL", "DHL Express"}, {4, "UPS", "UPS"}};
  for (const auto& c : carriers) {
    if (!m.carriers.count(c.id)) m.carriers[c.id] = {c.id, c.code, c.name};
  }
  add_service(m, 1, 1, "RM1CLS", "Royal Mail 1st Class");
  add_service(m, 2, 1, "RM2CLS", "Royal Mail 2nd Class");
  add_service(m, 3, 1, "RMTRK24", "Royal Mail Tracked 24");
  add_service(m, 4, 2, "DPDNEXT", "DPD Next Day");
  add_service(m, 5, 2, "DPD12", "DPD Before 12");
  add_service(m, 6, 3, "DHLEXP", "DHL Express Worldwide");
  add_service(m, 7, 4, "UPSSTD", "UPS Standard");

  // Fixed location ids: 1 goods-in dock, 2 quarantine, 3 despatch, 10.. bins.
  if (!m.locations.count(1)) m.locations[1] = {1, "GOODS-IN", "inbound", "", 1};
  if (!m.locations.count(2)) m.locations[2] = {2, "QUARANTINE", "quarantine", "", 1};
  if (!m.locations.count(3)) m.locations[3] = {3, "DESPATCH", "outbound", "", 1};
  int64_t id = 10;
  for (const char* aisle : {"A", "B"}) {
    for (int bay = 1; bay <= 2; ++bay) {
      for (int level = 1; level <= 5; ++level, ++id) {
        char code[16];
        std::snprintf(code, sizeof code, "%s-%02d-%02d", aisle, bay, level);
        if (!m.locations.count(id)) m.locations[id] = {id, code, "pick", aisle, 1};
      }
    }
  }
  if (!m.stock_unit_types.count(kUnitTypeId)) {
    m.stock_unit_types[kUnitTypeId] = {kUnitTypeId, "EACH", "Each"};
    m.sequences["sut"] = std::max<int64_t>(m.sequences["sut"], 1);
  }
  if (m.reason_codes.empty()) {
    const struct { const char* code; const char* type; const char* description; } reasons[] = {
        {"FOUND", "positive_adjustment", "Found in count"},
        {"DAMAGED", "negative_adjustment", "Damaged in warehouse"},
        {"QC_HOLD", "hold", "Held for quality check"},
        {"QC_RELEASE", "release", "Released after quality check"},
        {"NO_STOCK", "short_order_lines", "Not enough stock"},
        {"REPLEN", "transfer", "Replenishment move"},
        {"COUNT", "stock_check", "Perpetual inventory count"}};
    for (const auto& r : reasons) {
      std::string rid = m.next_string_id("rc");
      m.reason_codes[rid] = {rid, r.code, r.type, r.description};
    }
  }
}

Result<int64_t> seed_product(ClarusModel& m, const std::string& code, const std::string& description, int64_t stock,
                             const std::string& location_code) {
  if (code.empty()) return Status::InvalidArgument("a seeded product needs a code");
  int64_t id;
  if (const Product* existing = m.product_by_code(code)) {
    id = existing->id;
  } else {
    Product p;
    p.id = m.next_id("products");
    p.code = code;
    p.description = description.empty() ? "Product " + code : description;
    p.barcode = "50" + std::to_string(1000000000 + p.id);
    p.units_per_case = 12;
    p.stock_unit_type_id = kUnitTypeId;
    m.products[p.id] = p;
    id = p.id;
  }
  if (stock > 0) {
    int64_t location_id;
    if (!location_code.empty()) {
      const Location* loc = m.location_by_code(location_code);
      if (!loc) return Status::InvalidArgument("no location with code '" + location_code + "'");
      location_id = loc->id;
    } else {
      auto bins = bin_locations(m);
      location_id = bins[static_cast<size_t>(id - 1) % bins.size()];
    }
    m.put_stock(id, location_id, stock);
  }
  return id;
}

void seed_products(ClarusModel& m, int count) {
  for (int n = 1; n <= count; ++n) {
    char code[16];
    std::snprintf(code, sizeof code, "SKU-%04d", n);
    if (m.product_by_code(code)) continue;
    (void)seed_product(m, code, std::string("Seeded product ") + (code + 4), 50 + (n * 37) % 200, "");
  }
}

int64_t goods_in_location(const ClarusModel&) { return 1; }
int64_t quarantine_location(const ClarusModel&) { return 2; }

std::vector<int64_t> bin_locations(const ClarusModel& m) {
  std::vector<int64_t> bins;
  for (const auto& [id, l] : m.locations) {
    if (l.zone == "pick") bins.push_back(id);
  }
  if (bins.empty()) bins.push_back(1);
  return bins;
}

}  // namespace sb::clarus_sim
