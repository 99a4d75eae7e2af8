#include "agent/rules/sku_audit.h"

#include <set>

#include "platform/core/log.h"
#include "stockbridge/v1/exceptions.h"

namespace sb::agent {
namespace {

constexpr char kItem[] = "item";
constexpr char kClass[] = "SKU_DIVERGENCE";
constexpr char kFields[] = "id code barcode case_barcode obsolete units_per_case stock_unit_type { code }";

std::string unit_of(const v1::ItemUpsert& item) { return item.unit().empty() ? "EA" : item.unit(); }

int64_t integer(const Json& j, const char* key) {
  int64_t v = 0;
  if (const Json* n = j.find(key); n && n->is_number()) n->as_int64(&v);
  return v;
}

Json erp_view(const v1::ItemUpsert& item) {
  Json j = Json::object();
  j.set("sku", Json::string(item.sku()));
  j.set("unit", Json::string(unit_of(item)));
  j.set("units_per_case", Json::number(static_cast<int64_t>(item.units_per_case())));
  j.set("barcode", Json::string(item.barcode()));
  j.set("active", Json::boolean(item.active()));
  return j;
}

}  // namespace

std::string SkuAudit::difference(const v1::ItemUpsert& item, const Json& product) {
  std::string out;
  auto differs = [&](const std::string& what, const std::string& erp, const std::string& clarus) {
    if (erp == clarus) return;
    out += (out.empty() ? "" : "; ") + what + ": ERP " + (erp.empty() ? "none" : erp) + ", Clarus " +
           (clarus.empty() ? "none" : clarus);
  };
  const Json* unit = product.find("stock_unit_type");
  differs("stock unit", unit_of(item), unit && unit->is_object() ? unit->get_string("code") : "");
  differs("case quantity", std::to_string(item.units_per_case()), std::to_string(integer(product, "units_per_case")));
  if (!item.barcode().empty()) differs("barcode", item.barcode(), product.get_string("barcode"));
  const Json* obsolete = product.find("obsolete");
  const bool active = !(obsolete && obsolete->is_bool() && obsolete->as_bool());
  differs("active", item.active() ? "yes" : "no", active ? "yes" : "no");
  return out;
}

SkuAuditReport SkuAudit::run() {
  std::lock_guard one_at_a_time(run_mu_);
  SkuAuditReport r;
  std::map<std::string, Json> products;
  Status read = clarus_.page_all("products", Json::object(), kFields, 200, [&](const Json& n) {
    products[n.get_string("code")] = n;
    return true;
  });
  std::map<std::string, v1::ItemUpsert> items;
  if (read.ok()) read = master_.for_each_item([&](const v1::ItemUpsert& i) { items[i.sku()] = i; });
  r.products = products.size();
  r.items = items.size();
  if (!read.ok()) {
    r.error = read.to_string();
    log::warn("audit", "the SKU audit could not read Clarus or the item master", {{"error", r.error}});
  } else {
    std::map<std::string, std::pair<std::string, Json>> found;  // sku -> reason, detail
    for (const auto& [sku, item] : items) {
      auto p = products.find(sku);
      Json detail = Json::object();
      detail.set("erp", erp_view(item));
      if (p == products.end()) {
        found[sku] = {"item " + sku + " is in the ERP but not in Clarus", detail};
      } else if (std::string d = difference(item, p->second); !d.empty()) {
        detail.set("clarus", p->second);
        found[sku] = {"product " + sku + " differs from the ERP item: " + d, detail};
      }
    }
    if (!items.empty()) {
      for (const auto& [code, p] : products) {
        if (items.count(code)) continue;
        Json detail = Json::object();
        detail.set("clarus", p);
        found[code] = {"product " + code + " is in Clarus but the ERP has no such item (created on the floor?)", detail};
      }
    }
    r.divergent = found.size();
    for (const auto& [sku, what] : found) {
      Result<ExceptionRecord> x = book_.find_subject(kItem, sku);
      const bool known = x.ok() && x->reason == what.first &&
                         (!is_closed(x->state) || x->state == ExceptionState::kDiscarded);
      if (known) continue;
      ExceptionRaise raise;
      raise.cls = kClass;
      raise.owner = std::string(v1::exception_owner(kClass));
      raise.subject_kind = kItem;
      raise.subject_id = sku;
      raise.site = site_;
      raise.key = "item:" + sku;
      raise.reason = what.first;
      raise.detail = what.second.dump();
      if (book_.raise(raise).ok()) ++r.raised;
    }
    std::set<std::string> agree;
    (void)book_.scan_unclosed([&](const ExceptionRecord& x) {
      if (x.subject_kind == kItem && x.cls == kClass && !found.count(x.subject_id)) agree.insert(x.subject_id);
      return true;
    });
    for (const std::string& sku : agree)
      if (book_.resolve_subject(kItem, sku, "system", "the SKU audit found Clarus and the ERP agree now").ok()) ++r.resolved;
    log::info("audit", "SKU audit done", {{"items", r.items}, {"products", r.products}, {"divergent", r.divergent},
                                          {"raised", r.raised}, {"resolved", r.resolved}});
  }
  r.at_ms = SystemClock::instance().wall_ms();
  std::lock_guard lock(mu_);
  last_ = r;
  return r;
}

Result<Json> SkuAudit::product(const std::string& sku) {
  Json filter = Json::object();
  Json eq = Json::object();
  eq.set("eq", Json::string(sku));
  filter.set("code", std::move(eq));
  Json found;
  SB_RETURN_IF_ERROR(clarus_.page_all("products", filter, kFields, 10, [&](const Json& n) {
    if (n.get_string("code") == sku) found = n;
    return found.is_null();
  }));
  if (found.is_null()) return Status::NotFound("Clarus has no product " + sku);
  return found;
}

Status SkuAudit::push(const std::string& sku, const ExceptionAction& action) {
  std::lock_guard one_at_a_time(run_mu_);
  std::optional<v1::ItemUpsert> item;
  {
    Result<std::unique_ptr<ReadTxn>> txn = master_.read();
    if (!txn.ok()) return txn.status();
    item = master_.item(**txn, sku);
  }
  if (!item)
    return Status::InvalidArgument("the ERP has no item " + sku + " to push: create it in the ERP, or discard this with a reason");
  v1::Command c;
  *c.mutable_item_upsert() = *item;
  Result<Applied> applied = applier_.apply(c);
  if (!applied.ok()) return applied.status();
  Result<Json> now = product(sku);
  if (!now.ok()) return now.status();
  if (std::string d = difference(*item, *now); !d.empty())
    return Status::FailedPrecondition("the ERP's values were sent, but Clarus still differs: " + d);
  Result<ExceptionRecord> x = book_.find_subject(kItem, sku);
  if (!x.ok() || is_closed(x->state)) return Status::Ok();
  ExceptionAction done = action;
  done.note += std::string(done.note.empty() ? "" : "; ") + "the ERP's values were pushed to Clarus, which now agrees";
  return book_.act(x->id, ExceptionState::kResolved, done).status();
}

SkuAuditReport SkuAudit::last() const {
  std::lock_guard lock(mu_);
  return last_;
}

}  // namespace sb::agent
