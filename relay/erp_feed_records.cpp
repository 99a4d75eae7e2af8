// ErpFeed: turning one changed ERP row into the commands for the sites.
// Each handler returns Ok when the row was queued or passed over (skip());
// an error stops the poll before the cursor moves past the row.
#include <cstdlib>

#include "platform/core/log.h"
#include "relay/erp_feed.h"

#include <cstdio>
#include "relay/netsuite_wire.h"
#include "relay/units.h"

namespace sb::relay {

std::string feed_text(const Json& row, const char* key) {
  const Json* v = row.find(key);
  if (!v) return "";
  if (v->is_string() || v->is_number()) return v->as_string();
  if (v->is_bool()) return v->as_bool() ? "T" : "F";
  return "";
}

namespace {

std::string text(const Json& row, const char* key) { return feed_text(row, key); }

// A record reference ({"id":..,"refName":..}) or a bare id.
std::string ref(const Json& row, const char* key, const char* field = "id") {
  const Json* v = row.find(key);
  if (v && v->is_object()) return text(*v, field);
  return text(row, key);
}

int64_t number(const Json& row, const char* key) {
  const Json* v = row.find(key);
  if (!v) return 0;
  if (v->is_number()) return static_cast<int64_t>(v->as_double());
  return v->is_string() ? std::atoll(v->as_string().c_str()) : 0;
}

bool open_status(const std::string& s) { return s == "B" || s == "D"; }

// The "N" of a units line named "Case of N", 0 when there is none.
int32_t units_per_case(const Json& item) {
  const Json* units = item.find("units");
  const Json* lines = units ? units->find("items") : nullptr;
  if (!lines || !lines->is_array()) return 0;
  for (const Json& u : lines->items()) {
    const std::string name = text(u, "unitName");
    if (name.rfind("Case of ", 0) == 0) return static_cast<int32_t>(std::atoi(name.c_str() + 8));
  }
  return 0;
}

std::string first_of(const std::string& a, const std::string& b) { return a.empty() ? b : a; }

// A short, stable fingerprint of a command's body (FNV-1a, 64 bits, hex): two
// changes of one record within the second its stamp keeps are told apart,
// while reading the same change again gives the same id.
std::string fingerprint(const v1::Command& c) {
  std::string body;
  if (c.has_item_upsert()) body = c.item_upsert().SerializeAsString();
  if (c.has_carrier_upsert()) body = c.carrier_upsert().SerializeAsString();
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : body) h = (h ^ ch) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace

v1::Command ErpFeed::item_command(const std::string& id, const std::string& stamp, const std::string& sku, bool active,
                                  const Json* item) {
  v1::Command c;
  c.set_command_id("item:" + id + ":" + stamp);
  c.set_business_key("item:" + sku);
  v1::ItemUpsert* u = c.mutable_item_upsert();
  u->set_erp_item_id(id);
  u->set_sku(sku);
  u->set_active(active);
  u->set_unit("EA");  // without the item record: NetSuite's default counting unit
  if (item) {
    // NetSuite's description fields, the most specific first; the SKU when none.
    u->set_description(first_of(first_of(text(*item, "displayName"), text(*item, "salesDescription")),
                                first_of(text(*item, "description"), sku)));
    u->set_units_per_case(units_per_case(*item));
    // The warehouse counts in the unit the ERP counts stock in.
    u->set_unit(clarus_unit_code(parse_item_units(*item)));
    if (std::string upc = text(*item, "upcCode"); !upc.empty()) u->set_barcode(upc);
  } else {
    u->set_description(sku);  // not an inventory item (or gone): the row is all there is
  }
  c.set_command_id(c.command_id() + ":" + fingerprint(c));
  return c;
}

Status ErpFeed::on_item(const Json& row) {
  const std::string id = text(row, "id");
  Result<Json> item = get("/inventoryItem/" + url_encode(id));
  if (!item.ok() && item.status().code() == Code::kUnavailable) return item.status();
  if (text(row, "itemid").empty()) {
    skip("no_sku", "item " + id);
    return Status::Ok();
  }
  v1::Command c = item_command(id, text(row, kStampColumn), text(row, "itemid"), text(row, "isinactive") != "T",
                               item.ok() ? &*item : nullptr);
  const uint64_t before = queued_this_poll_;
  for (const std::string& site : all_sites()) SB_RETURN_IF_ERROR(queue(site, c, "item_upsert", true));
  if (options_.on_master_data && queued_this_poll_ > before)  // a change, not a re-read of one
    options_.on_master_data("item", text(row, "itemid"));
  return Status::Ok();
}

Status ErpFeed::on_ship_item(const Json& row) {
  const std::string id = text(row, "id");
  v1::Command c;
  c.set_command_id("carrier:" + id + ":" + text(row, kStampColumn));
  v1::CarrierUpsert* u = c.mutable_carrier_upsert();
  u->set_erp_ship_item_id(id);
  u->set_carrier(text(row, "custitem_sb_carrier"));
  u->set_service(text(row, "custitem_sb_service_code"));
  u->set_tracking_pattern(text(row, "custitem_sb_tracking_pattern"));
  u->set_needs_tracking(!u->tracking_pattern().empty());
  if (u->carrier().empty()) {
    skip("no_carrier_code", "ship item " + id + " " + text(row, "itemid"), "custitem_sb_carrier is empty");
    return Status::Ok();
  }
  c.set_business_key("carrier:" + u->carrier() + ":" + u->service());
  c.set_command_id(c.command_id() + ":" + fingerprint(c));
  const uint64_t before = queued_this_poll_;
  for (const std::string& site : all_sites()) SB_RETURN_IF_ERROR(queue(site, c, "carrier_upsert", true));
  if (options_.on_master_data && queued_this_poll_ > before)
    options_.on_master_data("ship item", u->carrier() + "/" + u->service());
  return Status::Ok();
}

Status ErpFeed::open_lines(const std::string& type, const std::string& id, const char* done_field, const std::string& site,
                           google::protobuf::RepeatedPtrField<v1::OrderLine>* out) {
  Result<Json> lines = get("/" + type + "/" + url_encode(id) + "/item");
  if (!lines.ok()) return lines.status();
  const Json* items = lines->find("items");
  if (!items || !items->is_array()) return Status::InvalidArgument("the lines of " + type + " " + id + " are unreadable");
  for (const Json& l : items->items()) {
    const int64_t open = number(l, "quantity") - number(l, done_field);
    if (open <= 0) continue;
    v1::OrderLine* o = out->Add();
    o->set_line_ref(first_of(text(l, "orderLine"), text(l, "line")));
    o->set_sku(ref(l, "item", "refName"));
    // The warehouse counts in the item's stock unit: the line's quantity is
    // converted from the line's units, and must come to a whole number.
    const std::string item_id = ref(l, "item", "id");
    Result<Json> item = get("/inventoryItem/" + url_encode(item_id));
    if (!item.ok() && item.status().code() == Code::kUnavailable) return item.status();
    if (item.ok() && !site.empty()) {
      // The item goes to the site ahead of the order naming it: an item made
      // in the ERP with its order can be read by the item feed after the order.
      const Json* inactive = item->find("isInactive");
      v1::Command upsert = item_command(item_id, change_stamp(text(*item, "lastModifiedDate")), first_of(text(*item, "itemId"), o->sku()),
                                        !(inactive && inactive->is_bool() && inactive->as_bool()), &*item);
      SB_RETURN_IF_ERROR(queue(site, std::move(upsert), "item_upsert", true));
    }
    const ItemUnits units = item.ok() ? parse_item_units(*item) : ItemUnits{};
    const ErpUnit* stock = units.stock();
    const std::string line_units = ref(l, "units", "refName");
    Result<Conversion> c = convert(units, o->sku(), line_units, open, stock ? stock->name : "", stock ? stock->rate : 1);
    if (!c.ok()) return Status::FailedPrecondition("line " + o->line_ref() + ": " + c.status().message());
    o->set_quantity(c->quantity);
    o->set_unit(clarus_unit_code(units));
  }
  return Status::Ok();
}

Status ErpFeed::on_sales_order(const Json& row) {
  const std::string id = text(row, "id");
  const std::string status = text(row, "status");
  const bool released = text(row, "custbody_released_to_wms") == "T" && open_status(status);
  const std::string released_to = load(released_, id);
  const std::string number = first_of(text(row, "tranid"), text(row, "externalid"));
  if (!released_to.empty()) {
    // Sent before: only a cancellation goes out (edits of a released order do not).
    // Fulfilled (F, E, G) is the site's own doing, not a cancellation.
    if (released) return Status::Ok();
    const bool cancelled = status == "C" || status == "H";
    const bool unreleased = open_status(status) || status == "A";
    if (!cancelled && !unreleased) return Status::Ok();
    v1::Command c;
    // Each change is its own command: an order released, cancelled and released
    // again sends each step (the outbox remembers a command id for good).
    c.set_command_id("cancel:" + id + "@" + text(row, kStampColumn));
    c.set_business_key("order:" + number);
    v1::SalesOrderCancel* x = c.mutable_sales_order_cancel();
    x->set_erp_order_id(id);
    x->set_order_number(number);
    x->set_reason(status == "C"   ? "cancelled in the ERP"
                  : status == "H" ? "closed in the ERP"
                                  : "no longer released to the warehouse in the ERP");
    SB_RETURN_IF_ERROR(queue(released_to, c, "sales_order_cancel"));
    return save(released_, id, nullptr);
  }
  if (!released) return Status::Ok();
  const std::string what = "sales order " + id + " " + number;
  auto site = options_.site_locations.find(text(row, "location"));
  if (site == options_.site_locations.end()) {
    skip("unmapped_location", what, "location '" + text(row, "location") + "' is not in feed.site_locations");
    return Status::Ok();
  }
  Result<Json> order = get("/salesOrder/" + url_encode(id));
  if (!order.ok()) {
    if (order.status().code() == Code::kUnavailable) return order.status();
    skip("unreadable", what, order.status().message());
    return Status::Ok();
  }
  v1::Command c;
  c.set_command_id("release:" + id + "@" + text(row, kStampColumn));
  v1::SalesOrderRelease* r = c.mutable_sales_order_release();
  r->set_erp_order_id(id);
  r->set_order_number(first_of(text(*order, "tranId"), first_of(text(*order, "externalId"), number)));
  r->set_delivery_notes(text(*order, "memo"));
  if (std::string date = text(*order, "shipDate"); !date.empty()) r->set_expected_dispatch_date(date.substr(0, 10));
  if (Status a = ship_to(id, text(*order, "email"), r->mutable_ship_to()); !a.ok()) return a;
  c.set_business_key("order:" + r->order_number());
  if (std::string method = first_of(ref(*order, "shipMethod"), text(row, "shipmethod")); !method.empty()) {
    Result<Json> ship = get("/shipItem/" + url_encode(method));
    if (!ship.ok() && ship.status().code() == Code::kUnavailable) return ship.status();
    const std::string carrier = ship.ok() ? text(*ship, "custitem_sb_carrier") : "";
    if (carrier.empty()) {
      skip("unknown_ship_method", what, "ship method " + method + " has no carrier code (custitem_sb_carrier)");
      return Status::Ok();
    }
    r->set_carrier(carrier);
    r->set_carrier_service(text(*ship, "custitem_sb_service_code"));
  }
  Status lines = open_lines("salesOrder", id, "quantityFulfilled", site->second, r->mutable_lines());
  if (lines.code() == Code::kUnavailable) return lines;
  if (!lines.ok()) {
    skip(lines.code() == Code::kFailedPrecondition ? "uom_not_convertible" : "unreadable", what, lines.message());
    return Status::Ok();
  }
  if (r->lines().empty()) {
    skip("no_open_lines", what);
    return Status::Ok();
  }
  SB_RETURN_IF_ERROR(queue(site->second, c, "sales_order_release"));
  return save(released_, id, &site->second);
}

Status ErpFeed::ship_to(const std::string& order_id, const std::string& email, v1::Address* out) {
  Result<Json> a = get("/salesOrder/" + url_encode(order_id) + "/shippingAddress");
  if (!a.ok()) {
    // No address on the order (collected, or entered later): it goes without one.
    return a.status().code() == Code::kUnavailable ? a.status() : Status::Ok();
  }
  // NetSuite's address form into Clarus's four address lines.
  out->set_name(first_of(text(*a, "addressee"), text(*a, "attention")));
  out->set_address_1(text(*a, "addr1"));
  out->set_address_2(first_of(text(*a, "addr2"), text(*a, "addr3")));
  out->set_address_3(text(*a, "city"));
  out->set_address_4(text(*a, "state"));
  out->set_postcode(text(*a, "zip"));
  out->set_country_code(ref(*a, "country"));
  out->set_phone_number(text(*a, "addrPhone"));
  out->set_email_address(email);
  return Status::Ok();
}

// Purchase orders and returns go down alike: to the site of their location,
// with their lines still open to be received.
Status ErpFeed::on_receipt_order(const Json& row, const ReceiptOrder& kind) {
  if (!open_status(text(row, "status"))) return Status::Ok();
  const std::string id = text(row, "id");
  const std::string number = first_of(text(row, "tranid"), text(row, "externalid"));
  const std::string what = std::string(kind.what) + " " + id + " " + number;
  auto site = options_.site_locations.find(text(row, "location"));
  if (site == options_.site_locations.end()) {
    skip("unmapped_location", what, "location '" + text(row, "location") + "' is not in feed.site_locations");
    return Status::Ok();
  }
  v1::Command c;
  c.set_command_id(std::string(kind.key) + ":" + id);
  c.set_business_key(std::string(kind.key) + ":" + number);
  google::protobuf::RepeatedPtrField<v1::OrderLine>* lines = kind.fill(c, id, number, text(row, "entity"));
  Status read = open_lines(kind.record, id, "quantityReceived", site->second, lines);
  if (read.code() == Code::kUnavailable) return read;
  if (!read.ok() || lines->empty()) {
    skip(read.ok() ? "no_open_lines" : read.code() == Code::kFailedPrecondition ? "uom_not_convertible" : "unreadable", what,
         read.message());
    return Status::Ok();
  }
  return queue(site->second, c, kind.stat);
}

Status ErpFeed::on_purchase_order(const Json& row) {
  static const ReceiptOrder kind{"purchase order", "purchaseOrder", "po", "purchase_order_release",
                                 [](v1::Command& c, const std::string& id, const std::string& number, const std::string& party) {
                                   v1::PurchaseOrderRelease* p = c.mutable_purchase_order_release();
                                   p->set_erp_po_id(id);
                                   p->set_po_number(number);
                                   p->set_supplier(party);
                                   return p->mutable_lines();
                                 }};
  return on_receipt_order(row, kind);
}

Status ErpFeed::on_return(const Json& row) {
  static const ReceiptOrder kind{"return authorisation", "returnAuthorization", "rma", "return_authorisation",
                                 [](v1::Command& c, const std::string& id, const std::string& number, const std::string& party) {
                                   v1::ReturnAuthorisation* a = c.mutable_return_authorisation();
                                   a->set_erp_return_id(id);
                                   a->set_rma_number(number);
                                   a->set_customer(party);
                                   return a->mutable_lines();
                                 }};
  return on_receipt_order(row, kind);
}

}  // namespace sb::relay
