#include "inventory_adjustment.h"

#include <regex>
#include <vector>

#include <Poco/JSON/Array.h>

#include "json_body.h"
#include "master_records.h"
#include "netsuite_error.h"
#include "record_links.h"

namespace sb::erpsim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// The lines of inventory.items, or nullptr when absent or not an array.
Array::Ptr line_array(const Object::Ptr& body) {
  if (!body->has("inventory")) return nullptr;
  auto inventory = body->get("inventory");
  if (inventory.type() != typeid(Object::Ptr)) return nullptr;
  auto object = inventory.extract<Object::Ptr>();
  if (!object->has("items") || object->get("items").type() != typeid(Array::Ptr)) return nullptr;
  return object->getArray("items");
}

// The line's "units" (a unit of the line's item, by id or by name as
// transforms accept it); the item's stock unit when absent.
std::optional<SimResponse> check_units(const MasterRecord& item, const Object::Ptr& line, const std::string& path,
                                       ItemUnit* unit) {
  if (!line->has("units") || line->get("units").isEmpty()) {
    *unit = *find_unit(item, item.stock_unit);  // checked when seeded
    return std::nullopt;
  }
  auto asked = ref_id(line, "units");
  auto found = asked ? find_unit(item, *asked) : std::nullopt;
  if (!found)
    return netsuite_error(400, error_code::kInvalidKeyOrRef,
                          "Invalid Field Value " + asked.value_or("(none)") + " for the following field: units",
                          path + ".units");
  *unit = *found;
  return std::nullopt;
}

std::optional<SimResponse> check_quantity(const Object::Ptr& line, const std::string& path) {
  const std::string qty_path = path + ".adjustQtyBy";
  if (!line->has("adjustQtyBy") || line->get("adjustQtyBy").isEmpty())
    return netsuite_error(400, error_code::kUserError, "Please enter value(s) for: Adjust Qty. By", qty_path);
  auto qty = line->get("adjustQtyBy");
  // NetSuite wants a JSON number; "3" in quotes is refused, as is zero.
  if (!qty.isNumeric() || qty.isBoolean())
    return netsuite_error(400, error_code::kUserError, "Invalid number for field adjustQtyBy.", qty_path);
  if (qty.convert<double>() == 0.0)
    return netsuite_error(400, error_code::kUserError, "Adjust Qty. By must be a non-zero quantity.", qty_path);
  return std::nullopt;
}

// One line of inventory.items; `unit` is set to the unit its adjustQtyBy is in.
std::optional<SimResponse> check_line(const RecordStore& store, const Object::Ptr& line, size_t index,
                                      bool has_adj_location, ItemUnit* unit) {
  const std::string path = "inventory.items[" + std::to_string(index) + "]";
  if (!line) return netsuite_error(400, error_code::kInvalidContent, "Each line must be a JSON object.", path);
  auto item = check_ref(store, master_kind::kItem, line, "item", path + ".item", "Item", true);
  if (item.error) return item.error;
  // A line without a location takes the header's adjLocation, as in the UI.
  auto location = check_ref(store, master_kind::kLocation, line, "location", path + ".location", "Location",
                            !has_adj_location);
  if (location.error) return location.error;
  if (auto error = check_units(*store.find_master(master_kind::kItem, *item.id), line, path, unit)) return error;
  if (auto error = check_quantity(line, path)) return error;
  return copy_line_columns(line, path, nullptr);
}

// Checks the body; `units` gets each line's unit, in line order.
std::optional<SimResponse> validate(const RecordStore& store, const Object::Ptr& body, std::vector<ItemUnit>* units) {
  if (body->has("externalId") && !scalar_text(body, "externalId"))
    return netsuite_error(400, error_code::kInvalidContent, "externalId must be a string.", "externalId");
  auto account = check_ref(store, master_kind::kAccount, body, "account", "account", "Adjustment Account", true);
  if (account.error) return account.error;
  auto adj_location =
      check_ref(store, master_kind::kLocation, body, "adjLocation", "adjLocation", "Adjustment Location", false);
  if (adj_location.error) return adj_location.error;
  if (body->has("tranDate")) {
    static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
    auto date = scalar_text(body, "tranDate");
    if (!date || !std::regex_match(*date, kDate))
      return netsuite_error(400, error_code::kUserError, "Invalid date value for field tranDate (use YYYY-MM-DD).",
                            "tranDate");
  }
  auto lines = line_array(body);
  if (!lines || lines->size() == 0)
    return netsuite_error(400, error_code::kUserError, "Please enter value(s) for: Adjustments (inventory.items)",
                          "inventory.items");
  units->resize(lines->size());
  for (size_t i = 0; i < lines->size(); ++i) {
    if (auto error = check_line(store, lines->getObject(static_cast<unsigned>(i)), i, adj_location.id.has_value(),
                                &(*units)[i]))
      return error;
  }
  return std::nullopt;
}

// What is stored: the body as posted, each line with the unit its adjustQtyBy
// is in and that unit's rate at posting time: the factor used, kept even if
// the item's units are changed later.
std::string stored_body(const Object::Ptr& body, const std::vector<ItemUnit>& units) {
  auto lines = line_array(body);
  for (size_t i = 0; i < units.size(); ++i) {
    auto line = lines->getObject(static_cast<unsigned>(i));
    if (!units[i].id.empty()) {  // an item without units has only its implicit base unit
      auto ref = new_object();
      ref->set("id", units[i].id);
      ref->set("refName", units[i].name);
      line->set("units", ref);
    }
    line->set("unitConversionRate", units[i].rate);
  }
  return to_json(body);
}

SimResponse create(RecordStore& store, const SimOptions& options, const SimRequest& request) {
  auto body = parse_object(request.body);
  if (!body)
    return netsuite_error(400, error_code::kInvalidContent,
                          "The request could not be processed: the body is not a valid JSON object.");
  std::vector<ItemUnit> units;
  if (auto error = validate(store, body, &units)) return *error;
  const std::string external_id = scalar_text(body, "externalId").value_or("");
  auto result =
      store.create(kInventoryAdjustment, external_id, "ADJ", stored_body(body, units), options.unique_external_id);
  if (!result.record)
    return netsuite_error(400, error_code::kDuplicateRecord,
                          "This record already exists: an inventoryAdjustment with external ID " + external_id +
                              " exists.",
                          "externalId");
  return created_response(request, *result.record);
}

Object::Ptr render_line(const RecordStore& store, const Object::Ptr& line, size_t index,
                        const std::optional<std::string>& adj_location) {
  auto out = new_object();
  out->set("links", self_links(""));
  out->set("line", static_cast<int>(index + 1));
  auto item = ref_id(line, "item").value_or("");
  out->set("item", ref_object(item, store.find_master(master_kind::kItem, item)));
  auto location = ref_id(line, "location");
  if (!location) location = adj_location;
  if (location) out->set("location", ref_object(*location, store.find_master(master_kind::kLocation, *location)));
  out->set("adjustQtyBy", line->get("adjustQtyBy"));
  if (line->has("units")) out->set("units", line->get("units"));
  out->set("unitConversionRate", line->get("unitConversionRate"));
  copy_line_columns(line, "", out);  // checked when posted
  if (auto memo = scalar_text(line, "memo")) out->set("memo", *memo);
  return out;
}

SimResponse read(const RecordStore& store, const SimRequest& request, const std::string& id_param) {
  auto record = find_record(store, kInventoryAdjustment, id_param);
  if (!record) return not_found(kInventoryAdjustment, id_param);
  auto body = parse_object(record->body);  // stored only after it parsed, so never null
  auto out = new_object();
  out->set("links", self_links(record_url(request, record->type, record->id)));
  auto account = ref_id(body, "account").value_or("");
  out->set("account", ref_object(account, store.find_master(master_kind::kAccount, account)));
  auto adj_location = ref_id(body, "adjLocation");
  if (adj_location)
    out->set("adjLocation", ref_object(*adj_location, store.find_master(master_kind::kLocation, *adj_location)));
  out->set("createdDate", record->created_at);
  if (!record->external_id.empty()) out->set("externalId", record->external_id);
  out->set("id", record->id);
  Array::Ptr lines = new Array;
  auto posted = line_array(body);
  for (size_t i = 0; posted && i < posted->size(); ++i)
    lines->add(render_line(store, posted->getObject(static_cast<unsigned>(i)), i, adj_location));
  auto inventory = new_object();
  inventory->set("links", self_links(""));
  inventory->set("items", lines);
  out->set("inventory", inventory);
  if (auto memo = scalar_text(body, "memo")) out->set("memo", *memo);
  out->set("tranDate", scalar_text(body, "tranDate").value_or(record->created_at.substr(0, 10)));
  out->set("tranId", record->tran_id);

  SimResponse response;
  response.content_type = kRecordType;
  response.body = to_json(out);
  return response;
}

}  // namespace

void add_inventory_adjustment_routes(RouteTable& routes, RecordStore& store, const SimOptions& options) {
  const std::string base = std::string(kRecordBase) + "/" + kInventoryAdjustment;
  routes.add("POST", base, RequestKind::kRecordWrite,
             [&store, &options](const SimRequest& request, const RouteParams&) {
               return create(store, options, request);
             });
  routes.add("GET", base + "/{id}", RequestKind::kRecordRead,
             [&store](const SimRequest& request, const RouteParams& params) {
               return read(store, request, params.at("id"));
             });
}

}  // namespace sb::erpsim
