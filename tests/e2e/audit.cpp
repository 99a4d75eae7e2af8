#include "tests/e2e/audit.h"

#include <climits>
#include <cstdlib>

namespace sb::e2e {
namespace {

std::string ref_id(const Json& obj, const char* field) {
  const Json* r = obj.find(field);
  return r && r->is_object() ? r->get_string("id") : "";
}

void note(AuditReport& r, const std::string& what) {
  if (r.examples.size() < 10) r.examples.push_back(what);
}

}  // namespace

std::string AuditReport::summary() const {
  std::string s = "audit: produced " + std::to_string(produced) + ", acknowledged " + std::to_string(acknowledged) +
                  ", ERP records " + std::to_string(erp_records) + " (" + std::to_string(coalesced_records) +
                  " coalesced) for " + std::to_string(events_recorded) + " events, expected held " + std::to_string(expected_held) +
                  " -> lost " + std::to_string(lost) + ", duplicated " + std::to_string(duplicated) + ", phantom " +
                  std::to_string(phantom) + ", mismatched " + std::to_string(mismatched);
  for (const std::string& e : examples) s += "\n  " + e;
  return s;
}

namespace {

// The event ids a record stands for: its custbody_sb_event_ids list, else its external id.
std::vector<std::string> covered_ids(const Json& rec) {
  const Json* body = rec.find("body");
  const std::string list = body ? body->get_string("custbody_sb_event_ids") : "";
  if (list.empty()) return {rec.get_string("externalId")};
  std::vector<std::string> ids;
  size_t start = 0;
  while (start <= list.size()) {
    size_t nl = list.find('\n', start);
    ids.push_back(list.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return ids;
}

std::string item_of(const ProducedEvent& e) { return std::to_string(1000 + std::atoi(e.sku.c_str() + 4)); }
std::string location_of(const ProducedEvent& e) { return e.warehouse == "WH1" ? "1" : "2"; }

}  // namespace

AuditReport audit(const std::map<std::string, ProducedEvent>& produced, const std::set<std::string>& acknowledged,
                  const Json& erp_ledger, const std::set<std::string>& held) {
  AuditReport r;
  r.produced = produced.size();
  r.acknowledged = acknowledged.size();
  r.expected_held = held.size();
  std::map<std::string, int> seen;
  const Json* records = erp_ledger.find("records");
  if (records && records->is_array()) {
    for (const Json& rec : records->items()) {
      if (rec.get_string("type") != "inventoryAdjustment") continue;
      ++r.erp_records;
      const std::vector<std::string> ids = covered_ids(rec);
      if (ids.size() > 1) ++r.coalesced_records;
      const Json* body = rec.find("body");
      const Json* items = body ? body->find("inventory") : nullptr;
      items = items ? items->find("items") : nullptr;
      if (!items || !items->is_array() || items->items().size() != 1) {
        ++r.mismatched;
        note(r, "mismatched (lines): " + ids.front());
        continue;
      }
      const Json& line = items->items()[0];
      int64_t qty = 0;
      const Json* q = line.find("adjustQtyBy");
      if (!q || !q->as_int64(&qty)) qty = INT64_MIN;
      int64_t want_qty = 0;
      bool fits = true;
      for (const std::string& id : ids) {
        if (++seen[id] == 2) {
          ++r.duplicated;
          note(r, "duplicated: " + id);
        }
        auto it = produced.find(id);
        if (it == produced.end()) {
          ++r.phantom;
          note(r, "phantom: " + id);
          fits = false;
          continue;
        }
        want_qty += it->second.quantity;
        fits = fits && ref_id(line, "item") == item_of(it->second) && ref_id(line, "location") == location_of(it->second);
      }
      if (!fits || qty != want_qty) {
        ++r.mismatched;
        note(r, "mismatched: " + ids.front() + " (item " + ref_id(line, "item") + " location " +
                    ref_id(line, "location") + " quantity " + std::to_string(qty) + ", events want " +
                    std::to_string(want_qty) + ")");
      }
    }
  }
  r.events_recorded = seen.size();
  for (const std::string& id : acknowledged) {
    if (!seen.count(id) && !held.count(id)) {
      ++r.lost;
      note(r, "lost: " + id);
    }
  }
  return r;
}

}  // namespace sb::e2e
