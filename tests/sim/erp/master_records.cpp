#include "master_records.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <regex>
#include <vector>

#include <Poco/JSON/Array.h>

#include "json_body.h"
#include "netsuite_error.h"
#include "record_links.h"

namespace sb::erpsim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// How a master kind appears as a REST record.
struct MasterRecordType {
  const char* record_type;  // URL segment
  const char* kind;         // RecordStore kind
  const char* name_field;   // the record's field holding MasterRecord::name
  const char* seed_list;    // key of the list in a /_sim/seed body
  const char* seed_name;    // key of the name in a seed entry
};

constexpr MasterRecordType kMasterTypes[] = {
    {"inventoryItem", master_kind::kItem, "itemId", "items", "itemid"},
    {"location", master_kind::kLocation, "name", "locations", "name"},
    {"account", master_kind::kAccount, "acctName", "accounts", "name"},
    {"shipItem", master_kind::kShipItem, "itemId", "shipItems", "itemid"},
};

// isinactive arrives as JSON true/false or, copied from SuiteQL, "T"/"F".
bool parse_inactive(const Object::Ptr& entry) {
  if (!entry->has("isinactive")) return false;
  auto v = entry->get("isinactive");
  if (v.isBoolean()) return v.convert<bool>();
  if (v.isString()) return v.extract<std::string>() == "T" || v.extract<std::string>() == "true";
  return false;
}

// What NetSuite users usually type as a unit's abbreviation, for seeds that give none.
std::string default_abbreviation(const std::string& name) {
  if (name == "Each") return "EA";
  if (name.rfind("Case", 0) == 0) return "CS";
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  return upper;
}

// One entry of "units": {"name":"Case of 12","rate":12,"abbreviation":"CS"}.
std::string parse_unit(const Object::Ptr& unit, const std::string& at, ItemUnit* out) {
  auto name = unit ? scalar_text(unit, "name") : std::nullopt;
  if (!name || name->empty()) return at + ".name is required";
  if (!unit->has("rate") || !unit->get("rate").isNumeric() || unit->get("rate").convert<double>() <= 0)
    return at + ".rate must be a positive number";
  auto abbreviation = scalar_text(unit, "abbreviation").value_or("");
  *out = {"", *name, unit->get("rate").convert<double>(),
          abbreviation.empty() ? default_abbreviation(*name) : abbreviation};
  return "";
}

// "units":[{"name":"Each","rate":1},...]: the base unit (rate 1) is put first
// and every unit numbered from 1, as a NetSuite units type numbers its lines.
std::string parse_units(const Object::Ptr& entry, const std::string& where, MasterRecord* item) {
  item->units_type = scalar_text(entry, "unitsType").value_or("");
  if (!entry->has("units")) return "";
  if (entry->get("units").type() != typeid(Array::Ptr)) return where + ".units must be an array";
  auto list = entry->getArray("units");
  std::vector<ItemUnit> units(list->size());
  for (unsigned i = 0; i < list->size(); ++i) {
    std::string error = parse_unit(list->getObject(i), where + ".units[" + std::to_string(i) + "]", &units[i]);
    if (!error.empty()) return error;
  }
  auto base = std::find_if(units.begin(), units.end(), [](const ItemUnit& u) { return u.rate == 1; });
  if (!units.empty() && base == units.end()) return where + ".units needs a base unit (rate 1)";
  if (base != units.end()) std::rotate(units.begin(), base, base + 1);
  for (size_t i = 0; i < units.size(); ++i) units[i].id = std::to_string(i + 1);
  if (item->units_type.empty() && !units.empty()) item->units_type = "Count";
  item->units = std::move(units);
  return "";
}

// "stockUnit": the unit (by name or id) the item's inventory is counted in;
// the base unit when absent. Call after parse_units.
std::string parse_stock_unit(const Object::Ptr& entry, const std::string& where, MasterRecord* item) {
  if (!entry->has("stockUnit") || entry->get("stockUnit").isEmpty()) return "";
  auto asked = ref_id(entry, "stockUnit");
  auto unit = asked ? find_unit(*item, *asked) : std::nullopt;
  if (!unit) return where + ".stockUnit " + asked.value_or("(none)") + " is not a unit of item " + item->name;
  item->stock_unit = unit->id;
  return "";
}

std::string parse_ship_item(const Object::Ptr& entry, const std::string& where, MasterRecord* ship) {
  ship->carrier = scalar_text(entry, "carrier").value_or("");
  ship->service_code = scalar_text(entry, "serviceCode").value_or("");
  ship->tracking_pattern = scalar_text(entry, "trackingPattern").value_or("");
  try {
    std::regex check(ship->tracking_pattern);
  } catch (const std::regex_error&) {
    return where + ".trackingPattern is not a valid regular expression";
  }
  return "";
}

Array::Ptr units_json(const MasterRecord& item) {
  Array::Ptr lines = new Array;
  for (const auto& unit : item.units) {
    auto line = new_object();
    line->set("id", unit.id);
    line->set("unitName", unit.name);
    line->set("abbreviation", unit.abbreviation);
    line->set("conversionRate", unit.rate);
    line->set("baseUnit", unit.rate == 1 && unit.id == "1");
    lines->add(line);
  }
  return lines;
}

void set_kind_fields(const MasterRecord& record, const std::string& kind, Object::Ptr out) {
  if (kind == master_kind::kItem) {
    out->set("itemType", "InvtPart");
    if (!record.units.empty()) {
      // NetSuite keeps conversions on the units type record (its uom
      // sublist); the simulator inlines them here, where a client needs them.
      auto type = new_object();
      type->set("refName", record.units_type);
      out->set("unitsType", type);
      out->set("baseUnit", record.units.front().name);
      auto stock = *find_unit(record, record.stock_unit);  // checked when seeded
      auto stock_unit = new_object();
      stock_unit->set("id", stock.id);
      stock_unit->set("refName", stock.name);
      out->set("stockUnit", stock_unit);
      auto units = new_object();
      units->set("items", units_json(record));
      out->set("units", units);
    }
  } else if (kind == master_kind::kShipItem) {
    out->set("custitem_sb_carrier", record.carrier);
    out->set("custitem_sb_service_code", record.service_code);
    out->set("custitem_sb_tracking_pattern", record.tracking_pattern);
  }
}

SimResponse read(const RecordStore& store, const MasterRecordType& type, const SimRequest& request,
                 const std::string& id_param) {
  auto record = id_param.rfind("eid:", 0) == 0 ? store.find_master_by_external_id(type.kind, id_param.substr(4))
                                                : store.find_master(type.kind, id_param);
  if (!record) return not_found(type.record_type, id_param);
  auto out = new_object();
  out->set("links", self_links(record_url(request, type.record_type, record->id)));
  if (!record->external_id.empty()) out->set("externalId", record->external_id);
  out->set("id", record->id);
  out->set("isInactive", record->inactive);
  out->set(type.name_field, record->name);
  out->set("lastModifiedDate", record->last_modified);
  set_kind_fields(*record, type.kind, out);
  SimResponse response;
  response.content_type = kRecordType;
  response.body = to_json(out);
  return response;
}

MasterRecord default_item(int n) {
  char sku[32];
  std::snprintf(sku, sizeof sku, "SKU-%04d", n);
  MasterRecord item(std::to_string(1000 + n), sku, sku, false);
  item.units_type = "Count";
  item.units = {{"1", "Each", 1, "EA"}, {"2", "Case of 12", 12, "CS"}};
  return item;
}

MasterRecord ship_item(const char* id, const char* name, const char* carrier, const char* service,
                       const char* pattern) {
  MasterRecord ship(id, name, "", false);
  ship.carrier = carrier;
  ship.service_code = service;
  ship.tracking_pattern = pattern;
  return ship;
}

}  // namespace

void seed_default_master_data(RecordStore& store, int items) {
  for (int n = 1; n <= items; ++n) store.upsert_master(master_kind::kItem, default_item(n));
  store.upsert_master(master_kind::kLocation, {"1", "WH1", "", false});
  store.upsert_master(master_kind::kLocation, {"2", "WH2", "", false});
  store.upsert_master(master_kind::kLocation, {"6", "Main", "", false});
  store.upsert_master(master_kind::kAccount, {"1", "Inventory Adjustment", "", false});
  store.upsert_master(master_kind::kShipItem,
                      ship_item("9001", "Royal Mail 1st Class", "ROYALMAIL", "RM1CLS", "^[A-Z]{2}[0-9]{9}GB$"));
  store.upsert_master(master_kind::kShipItem, ship_item("9002", "DPD Next Day", "DPD", "DPDNEXT", "^[0-9]{14}$"));
}

std::string apply_seed(RecordStore& store, const std::string& body) {
  auto root = parse_object(body);
  if (!root) return "body is not a JSON object";
  // Parse everything first so a bad entry applies nothing.
  std::vector<std::pair<const char*, MasterRecord>> pending;
  for (const auto& type : kMasterTypes) {
    if (!root->has(type.seed_list)) continue;
    if (root->get(type.seed_list).type() != typeid(Array::Ptr)) return std::string(type.seed_list) + " must be an array";
    auto list = root->getArray(type.seed_list);
    const std::string kind = type.kind;
    for (unsigned i = 0; i < list->size(); ++i) {
      auto entry = list->getObject(i);
      const std::string where = std::string(type.seed_list) + "[" + std::to_string(i) + "]";
      if (!entry) return where + " must be an object";
      auto id = scalar_text(entry, "id");
      auto name = scalar_text(entry, type.seed_name);
      if (!id || id->empty()) return where + ".id is required";
      if (!name) return where + "." + type.seed_name + " is required";
      auto external_id = scalar_text(entry, "externalId").value_or(kind == master_kind::kItem ? *name : "");
      MasterRecord record(*id, *name, external_id, parse_inactive(entry));
      std::string error;
      if (kind == master_kind::kItem) error = parse_units(entry, where, &record);
      if (kind == master_kind::kItem && error.empty()) error = parse_stock_unit(entry, where, &record);
      if (kind == master_kind::kShipItem) error = parse_ship_item(entry, where, &record);
      if (!error.empty()) return error;
      pending.emplace_back(type.kind, std::move(record));
    }
  }
  for (auto& [kind, record] : pending) store.upsert_master(kind, std::move(record));
  return "";
}

std::optional<ItemUnit> find_unit(const MasterRecord& item, const std::string& unit) {
  if (item.units.empty()) {
    if (unit.empty()) return ItemUnit{"", "", 1, ""};
    return std::nullopt;
  }
  if (unit.empty()) return item.units.front();
  for (const auto& u : item.units)
    if (u.id == unit || u.name == unit) return u;
  return std::nullopt;
}

void add_master_record_routes(RouteTable& routes, RecordStore& store) {
  for (const auto& type : kMasterTypes) {
    routes.add("GET", std::string(kRecordBase) + "/" + type.record_type + "/{id}", RequestKind::kRecordRead,
               [&store, &type](const SimRequest& request, const RouteParams& params) {
                 return read(store, type, request, params.at("id"));
               });
  }
}

}  // namespace sb::erpsim
