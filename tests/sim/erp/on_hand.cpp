#include "on_hand.h"

#include <cmath>
#include <cstdio>
#include <map>

#include <Poco/JSON/Array.h>

#include "inventory_adjustment.h"
#include "json_body.h"
#include "master_records.h"
#include "netsuite_error.h"
#include "order_records.h"

namespace sb::erpsim {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

using Key = std::pair<std::string, std::string>;  // (item, location)

Array::Ptr sublist(const Object::Ptr& body, const char* name) {
  if (!body || !body->has(name) || body->get(name).type() != typeid(Object::Ptr)) return nullptr;
  auto object = body->getObject(name);
  if (!object->has("items") || object->get("items").type() != typeid(Array::Ptr)) return nullptr;
  return object->getArray("items");
}

// The stored rate; an old record without one counts in base units.
double rate_of(const Object::Ptr& line) {
  const double rate = line_number(line, "unitConversionRate");
  return rate > 0 ? rate : 1;
}

void move(std::map<Key, ItemLocationStock>& out, const std::string& item, const std::string& location, double delta,
          const std::string& stamp) {
  if (item.empty() || location.empty()) return;
  ItemLocationStock& s = out[{item, location}];
  s.item = item;
  s.location = location;
  s.quantity_on_hand += delta;
  if (stamp > s.last_modified) s.last_modified = stamp;
}

void apply_record(std::map<Key, ItemLocationStock>& out, const StoredRecord& record) {
  auto body = parse_object(record.body);
  if (!body) return;
  if (record.type == kInventoryAdjustment) {
    const std::string adj_location = ref_id(body, "adjLocation").value_or("");
    auto lines = sublist(body, "inventory");
    for (size_t i = 0; lines && i < lines->size(); ++i) {
      auto line = lines->getObject(static_cast<unsigned>(i));
      move(out, ref_id(line, "item").value_or(""), ref_id(line, "location").value_or(adj_location),
           line_number(line, "adjustQtyBy") * rate_of(line), record.last_modified);
    }
    return;
  }
  double sign = 0;
  if (record.type == record_type::kItemFulfillment) sign = -1;
  if (record.type == record_type::kItemReceipt) sign = +1;  // of a purchase order or a return authorisation
  if (sign == 0) return;
  auto lines = sublist(body, "item");
  for (size_t i = 0; lines && i < lines->size(); ++i) {
    auto line = lines->getObject(static_cast<unsigned>(i));
    if (line->has("itemReceive") && !line->getValue<bool>("itemReceive")) continue;
    move(out, ref_id(line, "item").value_or(""), ref_id(line, "location").value_or(""),
         sign * line_number(line, "quantity") * rate_of(line), record.created_at);
  }
}

}  // namespace

std::string quantity_text(double value) {
  if (std::fabs(value - std::round(value)) < 1e-9) return std::to_string(static_cast<long long>(std::llround(value)));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", value);
  return buf;
}

std::vector<ItemLocationStock> inventory_item_locations(const RecordStore& store) {
  auto lock = store.hold();  // openings and ledger read as one moment
  std::map<Key, ItemLocationStock> out;
  for (const OpeningStock& o : store.opening_stock()) {
    ItemLocationStock& s = out[{o.item, o.location}];
    s.item = o.item;
    s.location = o.location;
    s.quantity_on_hand = o.quantity;
    s.average_cost = o.average_cost;
    s.last_modified = o.last_modified;
  }
  for (const StoredRecord& record : store.ledger("", "")) apply_record(out, record);
  std::vector<ItemLocationStock> rows;
  for (auto& [key, s] : out) rows.push_back(std::move(s));
  return rows;
}

std::string apply_on_hand_seed(RecordStore& store, const std::string& body, size_t* applied) {
  *applied = 0;
  auto object = parse_object(body);
  if (!object || !object->has("onHand")) return "";
  if (object->get("onHand").type() != typeid(Array::Ptr)) return "onHand must be an array";
  auto list = object->getArray("onHand");
  std::vector<OpeningStock> openings;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string where = "onHand[" + std::to_string(i) + "]";
    auto entry = list->getObject(static_cast<unsigned>(i));
    if (!entry) return where + " must be an object";
    OpeningStock o;
    o.item = ref_id(entry, "item").value_or("");
    o.location = ref_id(entry, "location").value_or("");
    if (!store.find_master(master_kind::kItem, o.item)) return where + ".item: no item with internal id '" + o.item + "'";
    if (!store.find_master(master_kind::kLocation, o.location))
      return where + ".location: no location with internal id '" + o.location + "'";
    if (!entry->has("quantity") || !entry->get("quantity").isNumeric()) return where + ".quantity must be a number";
    o.quantity = entry->get("quantity").convert<double>();
    if (entry->has("averageCost") && !entry->get("averageCost").isEmpty()) {
      if (!entry->get("averageCost").isNumeric()) return where + ".averageCost must be a number";
      o.average_cost = entry->get("averageCost").convert<double>();
    }
    openings.push_back(std::move(o));
  }
  for (auto& o : openings) store.set_opening_stock(std::move(o));
  *applied = openings.size();
  return "";
}

void add_on_hand_routes(RouteTable& routes, RecordStore& store) {
  routes.add("GET", "/_sim/on_hand", RequestKind::kAdmin, [&store](const SimRequest&, const RouteParams&) {
    Array::Ptr rows = new Array;
    double total_quantity = 0, total_value = 0;
    for (const ItemLocationStock& s : inventory_item_locations(store)) {
      auto row = new_object();
      row->set("item", s.item);
      auto item = store.find_master(master_kind::kItem, s.item);
      row->set("itemid", item ? item->name : "");
      row->set("location", s.location);
      row->set("quantityOnHand", s.quantity_on_hand);
      if (s.average_cost) row->set("averageCost", *s.average_cost);
      rows->add(row);
      total_quantity += s.quantity_on_hand;
      if (s.average_cost) total_value += s.quantity_on_hand * *s.average_cost;
    }
    auto out = new_object();
    out->set("rows", rows);
    out->set("totalQuantity", total_quantity);
    out->set("totalValue", total_value);
    SimResponse response;
    response.body = to_json(out);
    return response;
  });
}

}  // namespace sb::erpsim
