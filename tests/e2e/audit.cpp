#include "tests/e2e/audit.h"

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
                  ", ERP records " + std::to_string(erp_records) + ", expected held " + std::to_string(expected_held) +
                  " -> lost " + std::to_string(lost) + ", duplicated " + std::to_string(duplicated) + ", phantom " +
                  std::to_string(phantom) + ", mismatched " + std::to_string(mismatched);
  for (const std::string& e : examples) s += "\n  " + e;
  return s;
}

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
      const std::string id = rec.get_string("externalId");
      if (++seen[id] == 2) {
        ++r.duplicated;
        note(r, "duplicated: " + id);
      }
      auto it = produced.find(id);
      if (it == produced.end()) {
        ++r.phantom;
        note(r, "phantom: " + id);
        continue;
      }
      const Json* body = rec.find("body");
      const Json* items = body ? body->find("inventory") : nullptr;
      items = items ? items->find("items") : nullptr;
      if (!items || !items->is_array() || items->items().size() != 1) {
        ++r.mismatched;
        note(r, "mismatched (lines): " + id);
        continue;
      }
      const Json& line = items->items()[0];
      const ProducedEvent& want = it->second;
      const std::string want_item = std::to_string(1000 + std::atoi(want.sku.c_str() + 4));
      const std::string want_location = want.warehouse == "WH1" ? "1" : "2";
      int64_t qty = 0;
      const Json* q = line.find("adjustQtyBy");
      if (!q || !q->as_int64(&qty) || qty != want.quantity || ref_id(line, "item") != want_item ||
          ref_id(line, "location") != want_location) {
        ++r.mismatched;
        note(r, "mismatched: " + id + " (item " + ref_id(line, "item") + " location " + ref_id(line, "location") + ")");
      }
    }
  }
  for (const std::string& id : acknowledged) {
    if (!seen.count(id) && !held.count(id)) {
      ++r.lost;
      note(r, "lost: " + id);
    }
  }
  return r;
}

}  // namespace sb::e2e
