#include "relay/reconciliation.h"

#include <cmath>
#include <optional>
#include <set>
#include <vector>

#include "platform/core/log.h"
#include "stockbridge/v1/exceptions.h"

namespace sb::relay {
namespace {

constexpr char kClass[] = "INVENTORY_DRIFT";
constexpr char kSubjectKind[] = "condition";

// One warehouse quantity as the ERP would count it, for one SKU: a copy, so it
// outlives the ledger's read transaction it was found in.
struct Movement {
  std::string sku;
  std::string warehouse;  // Clarus warehouse
  std::string unit;       // Clarus unit; "" = the item's stock unit
  int64_t quantity = 0;
};

// What an event moves at its warehouse, signed as the ERP posting moves on-hand.
void add_movements(const v1::Event& e, std::vector<Movement>* out) {
  switch (e.body_case()) {
    case v1::Event::kStockAdjustment: {
      const auto& a = e.stock_adjustment();
      out->push_back({a.sku(), a.warehouse(), a.unit(), a.quantity_delta()});
      break;
    }
    case v1::Event::kShipment:
      for (const auto& l : e.shipment().lines()) out->push_back({l.sku(), e.shipment().warehouse(), l.unit(), -l.quantity()});
      break;
    case v1::Event::kGoodsReceipt:
      for (const auto& l : e.goods_receipt().lines())
        out->push_back({l.sku(), e.goods_receipt().warehouse(), l.unit(), l.received_quantity()});
      break;
    case v1::Event::kReturnReceipt:  // every inspected line is received into the ERP (the disposition is in the memo)
      for (const auto& l : e.return_receipt().lines())
        out->push_back({l.sku(), e.return_receipt().warehouse(), l.unit(), l.received_quantity()});
      break;
    default: break;
  }
}

constexpr char kBusy[] = "a reconciliation is running; try again in a minute";

std::string signed_text(double v) { return (v > 0 ? "+" : "") + report_number(v); }

}  // namespace

std::string drift_subject(const std::string& site, const std::string& location, const std::string& sku) {
  return std::string(kClass) + "/" + site + "/" + location + "/" + sku;
}

std::string Reconciler::location_for(const std::string& warehouse) const {
  if (auto it = options_.location_map.find(warehouse); it != options_.location_map.end()) return it->second;
  return options_.default_location;
}

Result<std::vector<ReconciliationReport>> Reconciler::sweep() {
  std::lock_guard lock(sweep_mu_);
  Result<std::vector<KeptSnapshot>> kept = snapshots_.latest();
  if (!kept.ok()) return kept.status();
  std::vector<ReconciliationReport> made;
  for (const KeptSnapshot& snap : *kept) {
    if (snap.parts_kept < snap.parts) continue;  // the rest of its parts are on their way
    Result<int64_t> done = reports_.reconciled_at(snap.site, snap.warehouse);
    if (!done.ok()) return done.status();
    if (*done >= snap.taken_at_ms) continue;
    Result<ReconciliationReport> r = reconcile(snap);
    if (!r.ok()) {
      log::warn("reconcile", "snapshot not reconciled yet", {{"site", snap.site}, {"warehouse", snap.warehouse},
                                                              {"why", r.status().to_string()}});
      continue;  // tried again next sweep
    }
    made.push_back(std::move(r).value());
  }
  Result<uint64_t> pruned = reports_.prune(clock_.wall_ms() - options_.keep.count());
  if (pruned.ok() && *pruned > 0) log::info("reconcile", "forgot old reconciliation reports", {{"count", *pruned}});
  return made;
}

Result<std::vector<ReconciliationReport>> Reconciler::reconcile_site(const std::string& site) {
  // Called from an HTTP handler: a running sweep may take as long as the ERP does, so no waiting for it.
  std::unique_lock lock(sweep_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    std::lock_guard s(stats_mu_);
    stats_.refused_busy++;
    return Status::FailedPrecondition(kBusy);
  }
  return reconcile_site_locked(site);
}

Result<std::vector<ReconciliationReport>> Reconciler::reconcile_site_locked(const std::string& site) {
  Result<std::vector<KeptSnapshot>> kept = snapshots_.latest();
  if (!kept.ok()) return kept.status();
  std::vector<ReconciliationReport> made;
  for (const KeptSnapshot& snap : *kept) {
    if (snap.site != site || snap.parts_kept < snap.parts) continue;
    Result<ReconciliationReport> r = reconcile(snap);
    if (!r.ok()) return r.status();
    made.push_back(std::move(r).value());
  }
  if (made.empty()) return Status::NotFound("no complete stock snapshot of site " + site + " is kept yet");
  return made;
}

ReconcilerStats Reconciler::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

Result<ReconciliationReport> Reconciler::reconcile(const KeptSnapshot& snap) {
  ReconciliationReport report;
  report.site = snap.site;
  report.warehouse = snap.warehouse;
  report.location = location_for(snap.warehouse);
  report.taken_at_ms = snap.taken_at_ms;
  report.threshold = options_.drift_threshold;
  Result<std::vector<v1::StockBalance>> balances = snapshots_.balances(snap.site, snap.warehouse);
  if (!balances.ok()) return balances.status();

  std::map<std::string, ReconciliationRow> rows;  // by SKU
  auto row = [&](const std::string& sku) -> ReconciliationRow& {
    ReconciliationRow& r = rows[sku];
    r.sku = sku;
    r.location = report.location;
    return r;
  };
  const uint64_t calls_before = erp_.calls();

  if (report.location.empty()) {
    // Nothing to compare with: the rows show what Clarus holds, and why there is no ERP side.
    for (const v1::StockBalance& b : *balances) {
      ReconciliationRow& r = row(b.sku());
      r.clarus += static_cast<double>(b.available() + b.picked());
      r.note = "warehouse " + snap.warehouse + " has no ERP location (erp.location_map); not reconciled";
    }
  } else {
    // The ERP first, the ledger second (the race this leaves is in the header).
    Result<std::vector<ErpStockLine>> erp = erp_.on_hand({report.location});
    if (!erp.ok()) return erp.status();
    // The scan holds one read transaction over the relay's whole custody: it
    // only copies the site's movements, no ERP request and no conversion in it.
    std::vector<Movement> pending;
    Status scanned = ledger_.scan_open([&](uint64_t, const LedgerRecord& rec) {
      const v1::Event& e = rec.event;
      if (e.site_id() != snap.site || e.accepted_at_ms() > snap.taken_at_ms) return;
      add_movements(e, &pending);
    });
    if (!scanned.ok()) return scanned;
    std::erase_if(pending, [&](const Movement& m) { return m.sku.empty() || location_for(m.warehouse) != report.location; });

    // Every item the report converts for, in a few requests.
    std::set<std::string> skus;
    for (const v1::StockBalance& b : *balances) skus.insert(b.sku());
    for (const Movement& m : pending) skus.insert(m.sku);
    Result<ErpItems> items = erp_.items(skus);
    if (!items.ok()) return items.status();
    std::map<std::string, std::optional<ErpStockItem>> own;  // items read on their own for their stock unit
    // A warehouse quantity in the item's base unit; a note on the row when it cannot be.
    auto base_quantity = [&](const std::string& sku, const std::string& unit, int64_t qty, std::string* note) -> double {
      if (auto u = items->unreadable.find(sku); u != items->unreadable.end()) {
        *note = "the ERP's item could not be read (" + u->second.message() + "); counted as Clarus has it";
        return static_cast<double>(qty);
      }
      auto found = items->found.find(sku);
      if (found == items->found.end()) {
        *note = "the ERP has no item " + sku + "; counted as Clarus has it";
        return static_cast<double>(qty);
      }
      const ErpStockItem* item = &found->second;
      if (unit.empty() && item->units.known() && item->stock_unit_unknown) {
        // Counted in the item's stock unit, which only its own record names: rare (Clarus gives units).
        auto [at, fresh] = own.try_emplace(sku);
        if (fresh) {
          Result<ErpStockItem> read = erp_.item(sku);
          if (read.ok()) at->second = std::move(read).value();
          else *note = "the ERP's item could not be read (" + read.status().message() + "); counted as Clarus has it";
        }
        if (!at->second) {
          if (note->empty()) *note = "the ERP's item could not be read; counted as Clarus has it";
          return static_cast<double>(qty);
        }
        item = &*at->second;
      }
      if (!item->units.known()) return static_cast<double>(qty);
      const ErpUnit* base = item->units.base();
      Result<Conversion> c = convert(item->units, sku, unit, qty, base ? base->name : "", 1.0);
      if (!c.ok()) {
        *note = c.status().message() + "; counted as Clarus has it";
        return static_cast<double>(qty);
      }
      return static_cast<double>(c->quantity);
    };

    for (const v1::StockBalance& b : *balances) {
      ReconciliationRow& r = row(b.sku());
      std::string note;
      r.clarus += base_quantity(b.sku(), b.unit(), b.available() + b.picked(), &note);
      if (!note.empty()) r.note = note;
    }
    for (const ErpStockLine& l : *erp) {
      if (l.location != report.location) continue;
      ReconciliationRow& r = row(l.sku.empty() ? "item:" + l.item_id : l.sku);
      r.erp += l.on_hand;
      r.unit_cost = l.average_cost;
      if (l.sku.empty()) r.note = "ERP item " + l.item_id + " has no SKU (itemid) the relay could read";
    }
    for (const Movement& m : pending) {
      ReconciliationRow& r = row(m.sku);
      std::string note;
      r.in_flight += base_quantity(m.sku, m.unit, m.quantity, &note);
      if (!note.empty() && r.note.empty()) r.note = note;
    }
    for (auto& [sku, r] : rows) r.drift = r.clarus - r.erp - r.in_flight;
  }
  for (auto& [sku, r] : rows) report.rows.push_back(std::move(r));
  report.add_totals();
  report.created_at_ms = clock_.wall_ms();
  report.erp_calls = erp_.calls() - calls_before;

  std::set<std::string> drifting;
  if (!report.location.empty())
    for (const ReconciliationRow& r : report.rows)
      if (std::fabs(r.drift) > options_.drift_threshold) drifting.insert(r.sku);
  Result<std::set<std::string>> before = reports_.drifting(report.site, report.location);
  if (!before.ok()) return before.status();
  SB_RETURN_IF_ERROR(reports_.add(&report, drifting));
  {
    std::lock_guard lock(stats_mu_);
    stats_.reports++;
    stats_.erp_calls += report.erp_calls;
    stats_.last_erp_calls = report.erp_calls;
  }
  log::info("reconcile", "stock reconciled",
            {{"site", report.site}, {"warehouse", report.warehouse}, {"report", report.id},
             {"rows", report.totals.rows}, {"drifting", report.totals.drifting}, {"erp_calls", report.erp_calls}});

  // The monitor: two sweeps in a row beyond the threshold raise; within it resolves.
  const stockbridge::v1::ExceptionClassInfo* info = nullptr;
  for (const auto& c : stockbridge::v1::kExceptionClasses)
    if (c.name == kClass) info = &c;
  for (const ReconciliationRow& r : report.rows) {
    if (report.location.empty()) break;
    const std::string subject = drift_subject(report.site, report.location, r.sku);
    Result<ExceptionRecord> current = book_.find_subject(kSubjectKind, subject);
    const bool unclosed = current.ok() && !is_closed(current->state);
    if (!drifting.count(r.sku)) {
      if (unclosed)
        (void)book_.resolve_subject(kSubjectKind, subject, "system",
                                    "a sweep found Clarus and the ERP within the threshold (report " + report.id + ")");
      (void)reports_.forget_acknowledgement(report.site, report.location, r.sku);
      continue;
    }
    if (!before->count(r.sku)) continue;  // the first sweep: maybe a number in flight
    if (unclosed && current->state != ExceptionState::kRetrying) continue;  // open already: no new attempt
    Result<std::optional<double>> ack = reports_.acknowledged(report.site, report.location, r.sku);
    if (!unclosed && ack.ok() && ack->has_value() && report_number(**ack) == report_number(r.drift)) continue;
    ExceptionRaise x;
    x.cls = kClass;
    x.owner = info ? std::string(info->owner) : "finance";
    x.subject_kind = kSubjectKind;
    x.subject_id = subject;
    x.site = report.site;
    x.key = "";
    x.reason = r.sku + " at ERP location " + report.location + " (warehouse " + report.warehouse + "): Clarus " +
               report_number(r.clarus) + ", ERP " + report_number(r.erp) + ", in flight " + signed_text(r.in_flight) +
               ", drift " + signed_text(r.drift) + " (base units), on two sweeps in a row; latest snapshot " +
               format_iso8601(report.taken_at_ms) + ", report " + report.id;
    Json detail = Json::object();
    detail.set("report", Json::string(report.id));
    detail.set("sku", Json::string(r.sku));
    detail.set("location", Json::string(report.location));
    detail.set("clarus", Json::number(r.clarus));
    detail.set("erp", Json::number(r.erp));
    detail.set("in_flight", Json::number(r.in_flight));
    detail.set("drift", Json::number(r.drift));
    x.detail = detail.dump();
    x.note = "drift beyond " + report_number(options_.drift_threshold) + " on two sweeps in a row";
    Result<ExceptionRecord> raised = book_.raise(x);
    if (!raised.ok()) log::warn("reconcile", "could not raise INVENTORY_DRIFT", {{"why", raised.status().to_string()}});
  }
  return report;
}

namespace {

// site, location and SKU from "INVENTORY_DRIFT/<site>/<location>/<sku>" (a SKU may hold '/').
bool parse_subject(const std::string& subject, std::string* site, std::string* location, std::string* sku) {
  const std::string prefix = std::string(kClass) + "/";
  if (subject.rfind(prefix, 0) != 0) return false;
  const size_t a = prefix.size(), b = subject.find('/', a), c = b == std::string::npos ? b : subject.find('/', b + 1);
  if (c == std::string::npos) return false;
  *site = subject.substr(a, b - a);
  *location = subject.substr(b + 1, c - b - 1);
  *sku = subject.substr(c + 1);
  return true;
}

}  // namespace

Status Reconciler::retry(const ExceptionRecord& r, const std::string& who, const std::string& note) {
  // Refused before the exception is touched: a person's retry that did not run must not leave it retrying.
  std::unique_lock lock(sweep_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    std::lock_guard s(stats_mu_);
    stats_.refused_busy++;
    return Status::FailedPrecondition(kBusy);
  }
  Result<ExceptionRecord> acted =
      book_.act(r.id, ExceptionState::kRetrying, ExceptionAction::by(who, "retry", note.empty() ? "reconcile the site now" : note));
  if (!acted.ok()) return acted.status();
  Result<std::vector<ReconciliationReport>> made = reconcile_site_locked(r.site);
  return made.ok() ? Status::Ok() : made.status();
}

Status Reconciler::discard(const ExceptionRecord& r, const std::string& who, const std::string& reason) {
  std::string site, location, sku;
  if (!parse_subject(r.subject_id, &site, &location, &sku))
    return Status::InvalidArgument("exception " + r.id + " is not about an INVENTORY_DRIFT subject");
  double drift = 0;
  if (Result<Json> d = Json::parse(r.detail); d.ok())
    if (const Json* v = d->find("drift"); v && v->is_number()) drift = v->as_double();
  SB_RETURN_IF_ERROR(reports_.acknowledge(site, location, sku, drift));
  Result<ExceptionRecord> acted = book_.act(r.id, ExceptionState::kDiscarded,
                                            ExceptionAction::by(who, "discard", "acknowledged: " + reason));
  return acted.ok() ? Status::Ok() : acted.status();
}

}  // namespace sb::relay
