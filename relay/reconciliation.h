// Reconciler: stock reconciliation between Clarus and the ERP, per site and
// warehouse, each time the site sends a stock snapshot (the visibility issue's
// INVENTORY_DRIFT monitor and the reconciliation reports).
//
// For each kept InventorySnapshot that is complete (all parts) and not yet
// reconciled, one *sweep*: per SKU at the warehouse's ERP location
//   drift = Clarus quantity - ERP on-hand - in flight
// all in the ERP item's base unit, where
//   Clarus quantity = the snapshot's available + picked (still in the building),
//   ERP on-hand     = ErpStock::on_hand() read during the sweep,
//   in flight       = the net of this site's events the relay holds but has not
//                     posted (ledger pending or held) that the agent journaled
//                     at or before the snapshot's moment (accepted_at <= taken_at,
//                     both the agent's clock): shipments -, receipts and return
//                     receipts +, stock adjustments their signed delta, mapped to
//                     ERP location and units as the NetSuite connector maps them.
// The report is stored (reconciliation_store.h) and kept for `keep`.
//
// The race that remains, and why two sweeps in a row. The snapshot is one
// moment at the site; the ERP's on-hand and the ledger are read later, one
// after the other, while the poster keeps posting:
//   - an event of the snapshot's past posted between the ERP read and the
//     ledger read is in neither (not yet in the ERP, no longer in custody);
//   - an event journaled after the snapshot but posted before the ERP read is
//     in the ERP's number and not in Clarus's (the relay no longer holds its
//     body, so it cannot be netted back out);
//   - Clarus events that happened while the agent paged stock_balances may be
//     in the snapshot but journaled after its moment.
// Each of these is a number in flight that a later snapshot no longer shows
// (by then the event is on both sides), so a SKU is flagged only when two
// consecutive sweeps of the site both find it beyond the threshold. Real drift
// persists and is flagged on the second sweep. Reconciling each snapshot soon
// after it is kept (reconcile.interval) keeps the second case small; a SKU
// that moves steadily between snapshot and sweep can still show a transient
// row in a report, which is why reports show in-flight and drift side by side.
// A sweep within the threshold resolves the exception at once.
//
// Exceptions: class INVENTORY_DRIFT (owner finance), subject kind "condition",
// id "INVENTORY_DRIFT/<site>/<erp location>/<sku>". An exception already open
// is not raised again each sweep (attempts stay); one a person retried is
// (the retry's sweep found it still there). A discarded one is acknowledged:
// not raised again while the drift stays at the acknowledged number.
// What a sweep costs the ERP (the narrowest pipe): the items a report needs are
// read in bulk after the ledger is read (ErpStock::items), never one request
// per SKU, and never while the ledger's read transaction is open: the scan
// only copies the site's in-flight movements. Each report carries the ERP
// requests it took (erp_calls); stats() sums them.
// Thread-safety: sweep(), reconcile_site() and the actions may be called from
// any thread; sweeps run one at a time. reconcile_site() (and so retry) does
// not wait for a running sweep: it answers FailedPrecondition, because it
// runs in an HTTP handler and a sweep may take as long as the ERP does.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/store/exception_book.h"
#include "relay/erp_stock.h"
#include "relay/ledger.h"
#include "relay/reconciliation_store.h"
#include "relay/snapshot_keeper.h"

namespace sb::relay {

struct ReconcilerOptions {
  Millis interval{60'000};       // how often kept snapshots are looked for (main.cpp's timer)
  double drift_threshold = 0;    // |drift| beyond this, in ERP base units, is drift
  Millis keep{35LL * 24 * 3600 * 1000};
  std::map<std::string, std::string> location_map;  // Clarus warehouse -> ERP location (erp.location_map)
  std::string default_location;                     // erp.default_location
};

// What the relay's snapshots are read through: the SnapshotKeeper, or a twin.
class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  virtual Result<std::vector<KeptSnapshot>> latest() = 0;
  virtual Result<std::vector<v1::StockBalance>> balances(const std::string& site, const std::string& warehouse) = 0;
};

class KeeperSnapshots final : public SnapshotSource {
 public:
  explicit KeeperSnapshots(SnapshotKeeper& keeper) : keeper_(keeper) {}
  Result<std::vector<KeptSnapshot>> latest() override { return keeper_.latest(); }
  Result<std::vector<v1::StockBalance>> balances(const std::string& site, const std::string& warehouse) override {
    return keeper_.balances(site, warehouse);
  }

 private:
  SnapshotKeeper& keeper_;
};

struct ReconcilerStats {
  uint64_t reports = 0;        // reports made
  uint64_t erp_calls = 0;      // ERP requests those reconciliations made (pages included)
  uint64_t refused_busy = 0;   // reconcile_site() calls refused because a sweep was running
  uint64_t last_erp_calls = 0; // of the latest report
};

class Reconciler {
 public:
  Reconciler(SnapshotSource& snapshots, Ledger& ledger, ErpStock& erp, ExceptionBook& book,
             ReconciliationStore& reports, const Clock& clock, ReconcilerOptions options)
      : snapshots_(snapshots), ledger_(ledger), erp_(erp), book_(book), reports_(reports), clock_(clock),
        options_(std::move(options)) {}

  // Reconciles every complete snapshot not reconciled yet, then prunes reports
  // older than `keep`. Returns the reports made. An ERP that cannot answer
  // leaves the snapshot for the next call.
  Result<std::vector<ReconciliationReport>> sweep();
  // Reconciles the latest snapshot of each of the site's warehouses now,
  // reconciled before or not (a retry of an INVENTORY_DRIFT exception).
  // FailedPrecondition, at once, while a sweep is running.
  Result<std::vector<ReconciliationReport>> reconcile_site(const std::string& site);

  // The exception actions for INVENTORY_DRIFT (the relay's ExceptionActions
  // calls these for that class): retry = reconcile the site now (the
  // exception is resolved, or raised again with the numbers as they are;
  // FailedPrecondition, with the exception untouched, while a sweep runs);
  // discard = acknowledged with the reason: closed, and not raised again
  // while the drift stays at that number. Each records its trail entry.
  Status retry(const ExceptionRecord& r, const std::string& who, const std::string& note);
  Status discard(const ExceptionRecord& r, const std::string& who, const std::string& reason);

  ReconciliationStore& reports() { return reports_; }
  const ReconcilerOptions& options() const { return options_; }
  ReconcilerStats stats() const;

 private:
  Result<std::vector<ReconciliationReport>> reconcile_site_locked(const std::string& site);
  Result<ReconciliationReport> reconcile(const KeptSnapshot& snap);
  std::string location_for(const std::string& warehouse) const;
  Status monitor(const ReconciliationReport& report);

  SnapshotSource& snapshots_;
  Ledger& ledger_;
  ErpStock& erp_;
  ExceptionBook& book_;
  ReconciliationStore& reports_;
  const Clock& clock_;
  ReconcilerOptions options_;
  std::mutex sweep_mu_;  // one sweep at a time: streaks are read and written by it
  mutable std::mutex stats_mu_;
  ReconcilerStats stats_;
};

// "INVENTORY_DRIFT/<site>/<erp location>/<sku>"
std::string drift_subject(const std::string& site, const std::string& location, const std::string& sku);

}  // namespace sb::relay
