#include "master_records.h"

#include <cstdio>
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
};

// isinactive arrives as JSON true/false or, copied from SuiteQL, "T"/"F".
bool parse_inactive(const Object::Ptr& entry) {
  if (!entry->has("isinactive")) return false;
  auto v = entry->get("isinactive");
  if (v.isBoolean()) return v.convert<bool>();
  if (v.isString()) return v.extract<std::string>() == "T" || v.extract<std::string>() == "true";
  return false;
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
  SimResponse response;
  response.content_type = kRecordType;
  response.body = to_json(out);
  return response;
}

}  // namespace

void seed_default_master_data(RecordStore& store, int items) {
  for (int n = 1; n <= items; ++n) {
    char sku[32];
    std::snprintf(sku, sizeof sku, "SKU-%04d", n);
    store.upsert_master(master_kind::kItem, {std::to_string(1000 + n), sku, sku, false});
  }
  store.upsert_master(master_kind::kLocation, {"1", "WH1", "", false});
  store.upsert_master(master_kind::kLocation, {"2", "WH2", "", false});
  store.upsert_master(master_kind::kLocation, {"6", "Main", "", false});
  store.upsert_master(master_kind::kAccount, {"1", "Inventory Adjustment", "", false});
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
    for (unsigned i = 0; i < list->size(); ++i) {
      auto entry = list->getObject(i);
      const std::string where = std::string(type.seed_list) + "[" + std::to_string(i) + "]";
      if (!entry) return where + " must be an object";
      auto id = scalar_text(entry, "id");
      auto name = scalar_text(entry, type.seed_name);
      if (!id || id->empty()) return where + ".id is required";
      if (!name) return where + "." + type.seed_name + " is required";
      auto external_id = scalar_text(entry, "externalId").value_or(std::string(type.kind) == master_kind::kItem ? *name : "");
      pending.emplace_back(type.kind, MasterRecord{*id, *name, external_id, parse_inactive(entry)});
    }
  }
  for (auto& [kind, record] : pending) store.upsert_master(kind, std::move(record));
  return "";
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
