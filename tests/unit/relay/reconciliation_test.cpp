// The reconciliation at the relay: what finance reads in a report and what the
// INVENTORY_DRIFT monitor raises, with the ERP's stock in memory (MemoryErpStock),
// snapshots from a twin, the real ledger and exception book on the memory store.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/http/http.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/erp_stock.h"
#include "relay/ledger.h"
#include "relay/reconciliation.h"
#include "relay/reconciliation_routes.h"
#include "tests/unit/relay/relay_fixtures.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;

namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;

// Snapshots as the SnapshotKeeper keeps them: the latest per site and warehouse.
class Snapshots final : public SnapshotSource {
 public:
  void take(const std::string& site, const std::string& warehouse, int64_t taken_at,
            const std::map<std::string, int64_t>& available) {
    auto& s = kept_[{site, warehouse}];
    s.first = {site, warehouse, taken_at, 1, 1, available.size()};
    s.second.clear();
    for (const auto& [sku, qty] : available) {
      v1::StockBalance b;
      b.set_sku(sku);
      b.set_available(qty);
      b.set_unit("EA");
      s.second.push_back(b);
    }
  }
  Result<std::vector<KeptSnapshot>> latest() override {
    std::vector<KeptSnapshot> out;
    for (const auto& [key, s] : kept_) out.push_back(s.first);
    return out;
  }
  Result<std::vector<v1::StockBalance>> balances(const std::string& site, const std::string& warehouse) override {
    return kept_[{site, warehouse}].second;
  }

 private:
  std::map<std::pair<std::string, std::string>, std::pair<KeptSnapshot, std::vector<v1::StockBalance>>> kept_;
};

v1::Event shipment(const std::string& site, uint64_t seq, const std::string& sku, int64_t qty, int64_t accepted_at) {
  v1::Event e;
  e.set_event_id(site + ":shipment:" + std::to_string(seq));
  e.set_site_id(site);
  e.set_seq(seq);
  e.set_accepted_at_ms(accepted_at);
  e.set_business_key("order:SO-" + std::to_string(seq));
  v1::Shipment* s = e.mutable_shipment();
  s->set_warehouse("WH1");
  s->set_erp_order_id("77");
  v1::ShipmentLine* l = s->add_lines();
  l->set_sku(sku);
  l->set_quantity(qty);
  l->set_unit("EA");
  return e;
}

}  // namespace

TEST_GROUP(Reconciliation) {
  ManualClock clock;
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<ExceptionBook> book;
  std::unique_ptr<ReconciliationStore> reports;
  MemoryErpStock erp;
  Snapshots snapshots;
  std::unique_ptr<Reconciler> reconciler;
  int64_t taken = 0;

  void setup() override {
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    ledger = Ledger::open(*store, *committer, clock).value();
    book = ExceptionBook::open(*store, *committer, clock, "exceptions").value();
    reports = ReconciliationStore::open(*store, *committer).value();
    ReconcilerOptions o;
    o.location_map = {{"WH1", "1"}};
    reconciler = std::make_unique<Reconciler>(snapshots, *ledger, erp, *book, *reports, clock, o);
    erp.set("SKU-1", "1", 100, 2.5);
    erp.set("SKU-2", "1", 40);
  }
  void teardown() override {
    reconciler.reset();
    committer->stop();
  }

  // The site sweeps its stock; the relay reconciles what it kept. Returns the report.
  ReconciliationReport sweep(const std::map<std::string, int64_t>& available) {
    clock.advance(Millis(15 * 60 * 1000));
    taken = clock.wall_ms();
    snapshots.take("site-1", "WH1", taken, available);
    Result<std::vector<ReconciliationReport>> made = reconciler->sweep();
    CHECK_TRUE_TEXT(made.ok(), made.status().to_string().c_str());
    LONGS_EQUAL(1, made->size());
    return made->front();
  }
  const ReconciliationRow& row(const ReconciliationReport& r, const std::string& sku) {
    for (const ReconciliationRow& x : r.rows)
      if (x.sku == sku) return x;
    FAIL(("no row for " + sku).c_str());
    return r.rows.front();
  }
  Result<ExceptionRecord> drift_exception(const std::string& sku) {
    return book->find_subject("condition", drift_subject("site-1", "1", sku));
  }
  bool open(const std::string& sku) {
    Result<ExceptionRecord> x = drift_exception(sku);
    return x.ok() && !is_closed(x->state);
  }
};

TEST(Reconciliation, AgreeingStockIsNoDriftAndEachSnapshotIsReconciledOnce) {
  ReconciliationReport r = sweep({{"SKU-1", 100}, {"SKU-2", 40}});
  DOUBLES_EQUAL(0, r.totals.drift, 1e-9);
  DOUBLES_EQUAL(140, r.totals.erp, 1e-9);
  DOUBLES_EQUAL(250, r.totals.erp_value, 1e-9);  // only SKU-1 has a cost
  LONGS_EQUAL(0, r.totals.drifting);
  Result<std::vector<ReconciliationReport>> again = reconciler->sweep();
  CHECK_TRUE(again.ok());
  LONGS_EQUAL(0, again->size());
}

TEST(Reconciliation, AShipmentNotYetPostedIsInFlightNotDrift) {
  // Clarus shipped 5 of SKU-1 before the sweep; the ERP has not got it yet.
  const int64_t before = clock.wall_ms() + 1;  // journaled before the next snapshot
  v1::UplinkBatch b = test::batch("site-1", "e1", {shipment("site-1", 1, "SKU-1", 5, before)});
  CHECK_TRUE(ledger->accept({&b}).ok());
  for (int i = 0; i < 2; ++i) {
    ReconciliationReport r = sweep({{"SKU-1", 95}, {"SKU-2", 40}});
    DOUBLES_EQUAL(-5, row(r, "SKU-1").in_flight, 1e-9);
    DOUBLES_EQUAL(0, row(r, "SKU-1").drift, 1e-9);
  }
  CHECK_FALSE(drift_exception("SKU-1").ok());
}

TEST(Reconciliation, AnEventJournaledAfterTheSnapshotIsNotNetted) {
  ReconciliationReport first = sweep({{"SKU-1", 100}, {"SKU-2", 40}});
  v1::UplinkBatch b = test::batch("site-1", "e1", {shipment("site-1", 1, "SKU-1", 5, taken + 60'000)});
  CHECK_TRUE(ledger->accept({&b}).ok());
  snapshots.take("site-1", "WH1", taken + 1, {{"SKU-1", 100}, {"SKU-2", 40}});
  ReconciliationReport r = reconciler->sweep()->front();
  DOUBLES_EQUAL(0, row(r, "SKU-1").in_flight, 1e-9);
  DOUBLES_EQUAL(0, row(r, "SKU-1").drift, 1e-9);
}

TEST(Reconciliation, DriftIsRaisedOnlyOnTheSecondSweepInARowAndNotBumpedAfter) {
  ReconciliationReport r1 = sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  DOUBLES_EQUAL(20, row(r1, "SKU-1").drift, 1e-9);
  DOUBLES_EQUAL(50, *row(r1, "SKU-1").drift_value(), 1e-9);
  CHECK_FALSE(open("SKU-1"));  // one sweep may be a number in flight
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  Result<ExceptionRecord> x = drift_exception("SKU-1");
  CHECK_TRUE(x.ok());
  STRCMP_EQUAL("INVENTORY_DRIFT", x->cls.c_str());
  STRCMP_EQUAL("finance", x->owner.c_str());
  STRCMP_EQUAL("site-1", x->site.c_str());
  CHECK_TRUE_TEXT(x->reason.find("Clarus 120, ERP 100, in flight 0, drift +20") != std::string::npos, x->reason.c_str());
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  LONGS_EQUAL(1, drift_exception("SKU-1")->attempts);  // open already: not raised again
  CHECK_FALSE(open("SKU-2"));
}

TEST(Reconciliation, DriftThatComesAndGoesIsNeverRaised) {
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  sweep({{"SKU-1", 100}, {"SKU-2", 40}});
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  CHECK_FALSE(drift_exception("SKU-1").ok());
}

TEST(Reconciliation, ResolvesWhenASweepAgreesAgain) {
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  CHECK_TRUE(open("SKU-1"));
  erp.set("SKU-1", "1", 120, 2.5);  // finance adjusts the ERP
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  CHECK_TRUE(drift_exception("SKU-1")->state == ExceptionState::kResolved);
}

TEST(Reconciliation, TheThresholdIsInErpUnits) {
  ReconcilerOptions o;
  o.location_map = {{"WH1", "1"}};
  o.drift_threshold = 3;
  reconciler = std::make_unique<Reconciler>(snapshots, *ledger, erp, *book, *reports, clock, o);
  sweep({{"SKU-1", 103}, {"SKU-2", 36}});
  ReconciliationReport r = sweep({{"SKU-1", 103}, {"SKU-2", 36}});
  LONGS_EQUAL(1, r.totals.drifting);  // SKU-2 (-4), not SKU-1 (+3)
  CHECK_FALSE(open("SKU-1"));
  CHECK_TRUE(open("SKU-2"));
}

TEST(Reconciliation, ASkuOnOneSideOnlyAndUnmappedOnesKeepTheirRows) {
  ReconciliationReport r = sweep({{"SKU-1", 100}, {"SKU-2", 40}, {"SKU-NEW", 7}});
  DOUBLES_EQUAL(7, row(r, "SKU-NEW").clarus, 1e-9);
  DOUBLES_EQUAL(0, row(r, "SKU-NEW").erp, 1e-9);
  CHECK_TRUE(row(r, "SKU-NEW").note.find("no item SKU-NEW") != std::string::npos);
  // ERP stock Clarus does not have.
  ReconciliationReport r2 = sweep({{"SKU-1", 100}});
  DOUBLES_EQUAL(40, row(r2, "SKU-2").erp, 1e-9);
  DOUBLES_EQUAL(-40, row(r2, "SKU-2").drift, 1e-9);
  // A warehouse with no ERP location: rows with a note, no drift raised.
  clock.advance(Millis(1000));
  snapshots.take("site-1", "WH9", clock.wall_ms(), {{"SKU-1", 3}});
  Result<std::vector<ReconciliationReport>> made = reconciler->sweep();
  CHECK_TRUE(made.ok());
  LONGS_EQUAL(1, made->size());
  const ReconciliationReport& u = made->front();
  STRCMP_EQUAL("", u.location.c_str());
  DOUBLES_EQUAL(3, row(u, "SKU-1").clarus, 1e-9);
  CHECK_TRUE(row(u, "SKU-1").note.find("no ERP location") != std::string::npos);
}

TEST(Reconciliation, CsvQuotesFieldsAndEndsWithTotals) {
  ReconciliationReport r;
  r.location = "1";
  r.rows.push_back({"SKU,\"odd\"", "1", 12, 10, -1, 3, 2.5, ""});
  r.rows.push_back({"SKU-2", "1", 5, 5, 0, 0, std::nullopt, "line one\nline two"});
  r.add_totals();
  const std::string csv = report_csv(r);
  STRCMP_EQUAL(
      "sku,erp_location,clarus_quantity,erp_quantity,in_flight,drift,unit_cost,erp_value,drift_value,note\r\n"
      "\"SKU,\"\"odd\"\"\",1,12,10,-1,3,2.5,25,7.5,\r\n"
      "SKU-2,1,5,5,0,0,,,,\"line one\nline two\"\r\n"
      "TOTAL,1,17,15,-1,3,,25,7.5,\"2 rows, 1 drifting, 1 with a note\"\r\n",
      csv.c_str());
}

TEST(Reconciliation, ReportsAreKeptForTheirRetentionThenPruned) {
  sweep({{"SKU-1", 100}, {"SKU-2", 40}});
  clock.advance(Millis(30 * kDay));
  sweep({{"SKU-1", 100}, {"SKU-2", 40}});
  LONGS_EQUAL(2, reports->list("", 100)->size());
  clock.advance(Millis(6 * kDay));  // the first is 36 days old now
  sweep({{"SKU-1", 100}, {"SKU-2", 40}});
  Result<std::vector<ReconciliationReport>> kept = reports->list("", 100);
  LONGS_EQUAL(2, kept->size());
  CHECK_TRUE(kept->front().created_at_ms > kept->back().created_at_ms);  // newest first
}

TEST(Reconciliation, RoutesListShowAndDownloadReports) {
  ReconciliationReport made = sweep({{"SKU-1", 100}, {"SKU-2", 40}});
  Router router;
  add_report_routes(router, *reconciler);
  HttpRequest list;
  list.method = "GET";
  list.path = "/api/reports";
  list.query = "site=site-1";
  HttpResponse l = router.handle(list);
  LONGS_EQUAL(200, l.status);
  CHECK_TRUE(l.body.find(made.id) != std::string::npos);
  HttpRequest csv = list;
  csv.query = "";
  csv.path = "/api/reports/" + made.id + ".csv";
  HttpResponse c = router.handle(csv);
  LONGS_EQUAL(200, c.status);
  CHECK_TRUE(c.content_type.rfind("text/csv", 0) == 0);
  CHECK_TRUE(c.header("Content-Disposition").find("attachment; filename=\"reconciliation-site-1-WH1-") == 0);
  CHECK_TRUE(c.body.find("TOTAL,1,140,140,0,0,,250,0,") != std::string::npos);
  HttpRequest missing = csv;
  missing.path = "/api/reports/RC-nope";
  LONGS_EQUAL(404, router.handle(missing).status);
}

TEST(Reconciliation, RetryReconcilesNowAndDiscardAcknowledges) {
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  ExceptionRecord x = drift_exception("SKU-1").value();
  // Retry after the ERP was fixed: resolved by the sweep it runs.
  erp.set("SKU-1", "1", 120, 2.5);
  CHECK_TRUE(reconciler->retry(x, "ann", "counted again").ok());
  CHECK_TRUE(drift_exception("SKU-1")->state == ExceptionState::kResolved);
  // Drift again for two sweeps; discarded as acknowledged: not raised again while it stays.
  erp.set("SKU-1", "1", 110, 2.5);
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  ExceptionRecord y = drift_exception("SKU-1").value();
  CHECK_TRUE(y.id != x.id);
  CHECK_TRUE(reconciler->discard(y, "ann", "known damage, written off next month").ok());
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  CHECK_TRUE(drift_exception("SKU-1")->state == ExceptionState::kDiscarded);
  // A different drift is news again (after two sweeps).
  erp.set("SKU-1", "1", 90, 2.5);
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  CHECK_TRUE(open("SKU-1"));
}

TEST(Reconciliation, AnErpThatCannotAnswerLeavesTheSnapshotForNextTime) {
  clock.advance(Millis(1000));
  snapshots.take("site-1", "WH1", clock.wall_ms(), {{"SKU-1", 100}, {"SKU-2", 40}});
  erp.fail_next(Status::Unavailable("ERP down"));
  LONGS_EQUAL(0, reconciler->sweep()->size());
  LONGS_EQUAL(1, reconciler->sweep()->size());
}
