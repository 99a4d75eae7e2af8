#include "agent/event_json.h"

#include "platform/core/clock.h"

namespace sb::agent {
namespace {

constexpr size_t kMaxIdLength = 200;
constexpr size_t kMaxTextLength = 200;

Status field_error(const std::string& where, const std::string& field, const std::string& why) {
  return Status::InvalidArgument((where.empty() ? "" : where + ".") + field + ": " + why);
}

bool printable(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

// A required or optional text field with a length cap.
Status text_field(const Json& obj, const std::string& where, const char* name, bool required, size_t max,
                  std::string* out) {
  const Json* v = obj.find(name);
  if (!v || v->is_null()) {
    if (required) return field_error(where, name, "is required");
    out->clear();
    return Status::Ok();
  }
  if (!v->is_string()) return field_error(where, name, "must be a string");
  if (required && v->as_string().empty()) return field_error(where, name, "must not be empty");
  if (v->as_string().size() > max) return field_error(where, name, "longer than " + std::to_string(max) + " characters");
  if (!printable(v->as_string())) return field_error(where, name, "contains control characters");
  *out = v->as_string();
  return Status::Ok();
}

Status only_known(const Json& obj, const std::string& where, std::initializer_list<const char*> known) {
  for (const auto& [key, value] : obj.members()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) return field_error(where, key, "unknown field");
  }
  return Status::Ok();
}

Status stock_adjustment_from_json(const Json& j, const std::string& where, v1::StockAdjustment* out) {
  if (!j.is_object()) return Status::InvalidArgument(where + ": must be an object");
  SB_RETURN_IF_ERROR(only_known(j, where, {"sku", "warehouse", "location", "quantity_delta", "unit", "reason_code",
                                           "clarus_reference"}));
  std::string v;
  SB_RETURN_IF_ERROR(text_field(j, where, "sku", true, kMaxTextLength, &v));
  out->set_sku(v);
  SB_RETURN_IF_ERROR(text_field(j, where, "warehouse", true, kMaxTextLength, &v));
  out->set_warehouse(v);
  SB_RETURN_IF_ERROR(text_field(j, where, "location", false, kMaxTextLength, &v));
  out->set_location(v);
  SB_RETURN_IF_ERROR(text_field(j, where, "unit", false, 20, &v));
  out->set_unit(v.empty() ? "EA" : v);
  SB_RETURN_IF_ERROR(text_field(j, where, "reason_code", false, kMaxTextLength, &v));
  out->set_reason_code(v);
  SB_RETURN_IF_ERROR(text_field(j, where, "clarus_reference", false, kMaxTextLength, &v));
  out->set_clarus_reference(v);
  const Json* q = j.find("quantity_delta");
  int64_t qty = 0;
  if (!q) return field_error(where, "quantity_delta", "is required");
  if (!q->as_int64(&qty) || qty == 0)
    return field_error(where, "quantity_delta", "must be a non-zero integer (in the warehouse's unit)");
  out->set_quantity_delta(qty);
  return Status::Ok();
}

}  // namespace

std::string default_business_key(const v1::Event& e) {
  if (e.has_stock_adjustment()) {
    return "stock:" + e.stock_adjustment().warehouse() + ":" + e.stock_adjustment().sku();
  }
  return "event:" + e.event_id();
}

Status event_from_json(const Json& j, const std::string& site_id, const std::string& where, v1::Event* out) {
  if (!j.is_object()) return Status::InvalidArgument((where.empty() ? "event" : where) + ": must be a JSON object");
  SB_RETURN_IF_ERROR(only_known(j, where, {"event_id", "site_id", "occurred_at", "business_key", "stock_adjustment"}));
  std::string v;
  SB_RETURN_IF_ERROR(text_field(j, where, "event_id", true, kMaxIdLength, &v));
  out->set_event_id(v);
  SB_RETURN_IF_ERROR(text_field(j, where, "site_id", false, kMaxTextLength, &v));
  if (!v.empty() && v != site_id)
    return field_error(where, "site_id", "'" + v + "' is not this agent's site '" + site_id + "'");
  out->set_site_id(site_id);
  SB_RETURN_IF_ERROR(text_field(j, where, "occurred_at", true, 64, &v));
  int64_t ms = 0;
  if (!parse_iso8601(v, &ms))
    return field_error(where, "occurred_at", "expected an ISO-8601 time with a zone, like 2026-11-26T10:42:00Z");
  out->set_occurred_at_ms(ms);
  const Json* body = j.find("stock_adjustment");
  if (!body) return Status::InvalidArgument((where.empty() ? "" : where + ": ") +
                                            std::string("an event needs a body: stock_adjustment"));
  SB_RETURN_IF_ERROR(stock_adjustment_from_json(*body, where.empty() ? "stock_adjustment" : where + ".stock_adjustment",
                                                out->mutable_stock_adjustment()));
  SB_RETURN_IF_ERROR(text_field(j, where, "business_key", false, kMaxTextLength, &v));
  out->set_business_key(v.empty() ? default_business_key(*out) : v);
  return Status::Ok();
}

Status parse_events(std::string_view body, const std::string& site_id, const IntakeLimits& limits,
                    std::vector<v1::Event>* out, bool* is_batch) {
  out->clear();
  Result<Json> doc = Json::parse(body);
  if (!doc.ok()) return doc.status();
  if (!doc->is_object()) return Status::InvalidArgument("the body must be a JSON object (an event, or {\"events\": [...]})");
  const Json* events = doc->find("events");
  *is_batch = events != nullptr;
  if (!*is_batch) {
    out->emplace_back();
    return event_from_json(*doc, site_id, "", &out->back());
  }
  if (doc->members().size() != 1) return Status::InvalidArgument("a batch has only the field \"events\"");
  if (!events->is_array()) return Status::InvalidArgument("events: must be an array");
  if (events->items().empty()) return Status::InvalidArgument("events: the batch is empty");
  if (events->items().size() > limits.max_batch_events)
    return Status::InvalidArgument("events: " + std::to_string(events->items().size()) + " events in one batch; at most " +
                                   std::to_string(limits.max_batch_events));
  out->resize(events->items().size());
  for (size_t i = 0; i < events->items().size(); ++i) {
    SB_RETURN_IF_ERROR(event_from_json(events->items()[i], site_id, "events[" + std::to_string(i) + "]", &(*out)[i]));
  }
  return Status::Ok();
}

Json event_to_json(const v1::Event& e) {
  Json j = Json::object();
  j.set("event_id", Json::string(e.event_id()));
  j.set("site_id", Json::string(e.site_id()));
  j.set("seq", Json::number(static_cast<int64_t>(e.seq())));
  j.set("occurred_at", Json::string(format_iso8601(e.occurred_at_ms())));
  j.set("business_key", Json::string(e.business_key()));
  if (e.has_stock_adjustment()) {
    const auto& a = e.stock_adjustment();
    Json b = Json::object();
    b.set("sku", Json::string(a.sku()));
    b.set("warehouse", Json::string(a.warehouse()));
    b.set("location", Json::string(a.location()));
    b.set("quantity_delta", Json::number(a.quantity_delta()));
    b.set("unit", Json::string(a.unit()));
    b.set("reason_code", Json::string(a.reason_code()));
    j.set("stock_adjustment", std::move(b));
  }
  return j;
}

}  // namespace sb::agent
