// The reconciliation at the relay: what finance reads in a report and what the
// INVENTORY_DRIFT monitor raises, with the ERP's stock in memory (MemoryErpStock),
// snapshots from a twin, the real ledger and exception book on the memory store.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
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

// NetSuite as NetSuiteStock reads it, answering only the queries it makes:
// items 1..n with itemid "SKU-<n>" and n on hand at location 1; even items
// of units type "Count" (EA, CS = 12), odd ones "Pack" (EA, PK = 6). Counts
// each request, as the ERP would see them.
class FakeNetSuite final : public HttpClient {
 public:
  explicit FakeNetSuite(int n) : n_(n) {}
  Result<HttpResponse> send(const ClientRequest& r) override {
    std::lock_guard lock(mu_);
    requests++;
    const size_t get = r.url.find("/inventoryItem/");
    if (r.method == "GET" && get != std::string::npos) {
      gets++;
      const int id = std::atoi(r.url.c_str() + get + 15);
      const bool pack = id % 2;
      return HttpResponse::json(
          200, std::string(R"({"id":")") + std::to_string(id) + R"(","stockUnit":{"id":"1","refName":"Each"},)" +
                   R"("units":{"items":[{"id":"1","unitName":"Each","abbreviation":"EA","conversionRate":1},)" +
                   (pack ? R"({"id":"2","unitName":"Pack of 6","abbreviation":"PK","conversionRate":6}]}})"
                         : R"({"id":"2","unitName":"Case of 12","abbreviation":"CS","conversionRate":12}]}})"));
    }
    const std::string q = Json::parse(r.body).value().get_string("q");
    queries.push_back(q);
    Json rows = Json::array();
    if (q.find("FROM inventoryitemlocations") != std::string::npos) {
      for (int i = 1; i <= n_; ++i) {
        Json row = Json::object();
        row.set("item", Json::string(std::to_string(i)));
        row.set("location", Json::string("1"));
        row.set("quantityonhand", Json::string(std::to_string(i)));
        rows.push(std::move(row));
      }
    } else {
      const bool by_sku = q.find("WHERE itemid IN") != std::string::npos;
      for (const std::string& v : quoted(q)) {
        const int id = by_sku ? std::atoi(v.c_str() + 4) : std::atoi(v.c_str());
        if (id < 1 || id > n_) continue;
        Json row = Json::object();
        row.set("id", Json::string(std::to_string(id)));
        row.set("itemid", Json::string("SKU-" + std::to_string(id)));
        row.set("unitstype", Json::string(id % 2 ? "Pack" : "Count"));
        rows.push(std::move(row));
      }
    }
    Json page = Json::object();
    page.set("items", std::move(rows));
    page.set("hasMore", Json::boolean(false));
    return HttpResponse::json(200, page.dump());
  }
  std::mutex mu_;
  int requests = 0, gets = 0;
  std::vector<std::string> queries;

 private:
  static std::vector<std::string> quoted(const std::string& q) {
    std::vector<std::string> out;
    for (size_t a = q.find('\''); a != std::string::npos; a = q.find('\'', a)) {
      const size_t b = q.find('\'', a + 1);
      out.push_back(q.substr(a + 1, b - a - 1));
      a = b + 1;
    }
    return out;
  }
  int n_;
};

// An ERP whose on_hand() waits, while held, until let go: a sweep caught in the middle.
class HeldErp final : public ErpStock {
 public:
  explicit HeldErp(ErpStock& inner) : inner_(inner) {}
  Result<std::vector<ErpStockLine>> on_hand(const std::set<std::string>& locations) override {
    std::unique_lock lock(mu_);
    inside_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_; });
    inside_ = false;
    return inner_.on_hand(locations);
  }
  Result<ErpStockItem> item(const std::string& sku) override { return inner_.item(sku); }
  Result<ErpItems> items(const std::set<std::string>& skus) override { return inner_.items(skus); }
  uint64_t calls() const override { return inner_.calls(); }
  void hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  bool wait_inside() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return inside_; });
  }
  void let_go() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }

 private:
  ErpStock& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false, inside_ = false;
};

}  // namespace

TEST_GROUP(Reconciliation) {
  ManualClock clock;
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<HeldErp> held;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<ExceptionBook> book;
  std::unique_ptr<ReconciliationStore> reports;
  MemoryErpStock erp;
  Snapshots snapshots;
  std::unique_ptr<Reconciler> reconciler;
  int64_t taken = 0;

  void use(ErpStock& stock) {
    ReconcilerOptions o;
    o.location_map = {{"WH1", "1"}};
    reconciler = std::make_unique<Reconciler>(snapshots, *ledger, stock, *book, *reports, clock, o);
  }
  uint64_t entries(const char* table) {
    TableId t = store->table(table).value();
    return store->read().value()->count(t).value();
  }

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
    if (held) held->let_go();
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
  // Each kept report has its two summaries, and the pruned one's went with it.
  LONGS_EQUAL(2, entries("recon_reports"));
  LONGS_EQUAL(4, entries("recon_summaries"));
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
  CHECK_TRUE(l.body.find("\"erp_calls\":") != std::string::npos);  // what the reconciliation cost the ERP
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

// A SKU or note a warehouse typed must not run as a formula when finance opens
// the CSV in a spreadsheet; numbers (negative ones too) stay numbers.
TEST(Reconciliation, CsvTextThatLooksLikeAFormulaIsPrefixedNumbersAreNot) {
  ReconciliationReport r;
  r.location = "1";
  r.rows.push_back({"=HYPERLINK(\"http://x\",\"y\")", "1", 1, 1, 0, 0, std::nullopt, ""});
  r.rows.push_back({"+SKU", "1", 0, 2, 0, -2, 1.5, "-counted twice"});
  r.rows.push_back({"@SUM(A1)", "1", 0, 0, -3, 3, std::nullopt, "\tnote"});
  r.rows.push_back({"SKU-=1", "-1", 0, 0, 0, 0, std::nullopt, "=1+1"});
  r.add_totals();
  STRCMP_EQUAL(
      "sku,erp_location,clarus_quantity,erp_quantity,in_flight,drift,unit_cost,erp_value,drift_value,note\r\n"
      "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",1,1,1,0,0,,,,\r\n"
      "'+SKU,1,0,2,0,-2,1.5,3,-3,'-counted twice\r\n"
      "'@SUM(A1),1,0,0,-3,3,,,,'\tnote\r\n"
      "SKU-=1,'-1,0,0,0,0,,,,'=1+1\r\n"
      "TOTAL,1,1,3,-3,1,,3,-3,\"4 rows, 2 drifting, 3 with a note\"\r\n",
      report_csv(r).c_str());
}

// The listing reads the small summaries, not the reports: a site's own, newest
// first, even when a full report could not be parsed; a report stored without
// a summary (before they existed) is not listed, still readable, and pruned.
TEST(Reconciliation, ListingReadsSummariesAndToleratesAReportWithoutOne) {
  ReconciliationReport a = sweep({{"SKU-1", 100}, {"SKU-2", 40}});
  snapshots.take("site-2", "WH1", clock.wall_ms(), {{"SKU-1", 100}});
  LONGS_EQUAL(1, reconciler->sweep()->size());
  Result<std::vector<ReconciliationReport>> site1 = reports->list("site-1", 20);
  LONGS_EQUAL(1, site1->size());
  STRCMP_EQUAL(a.id.c_str(), site1->front().id.c_str());
  LONGS_EQUAL(2, site1->front().totals.rows);
  CHECK_TRUE(site1->front().rows.empty());
  LONGS_EQUAL(1, reports->list("site-2", 20)->size());
  LONGS_EQUAL(2, reports->list("", 20)->size());
  LONGS_EQUAL(1, reports->list("", 1)->size());
  LONGS_EQUAL(0, reports->list("site-3", 20)->size());

  TableId full = store->table("recon_reports").value();
  CHECK_TRUE(committer->run([&](WriteTxn& t) { return t.put(full, a.id, "not json"); }).ok());
  LONGS_EQUAL(1, reports->list("site-1", 20)->size());  // listed from its summary alone

  ReconciliationReport old = a;
  old.id = "RC-0000000000001-99";
  old.created_at_ms = 1;
  CHECK_TRUE(committer->run([&](WriteTxn& t) { return t.put(full, old.id, old.to_json(true).dump()); }).ok());
  LONGS_EQUAL(2, reports->list("", 20)->size());
  CHECK_TRUE(reports->get(old.id).ok());
  LONGS_EQUAL(1, reports->prune(2).value());
  CHECK_FALSE(reports->get(old.id).ok());
  LONGS_EQUAL(4, entries("recon_summaries"));
}

// The ERP is the narrowest pipe: a 450-SKU snapshot with shipments in flight
// costs the ERP a handful of requests (on-hand, the items' SKUs and units in
// chunks of 200, one item record per units type), not one or two per SKU, and
// the report says how many. The units a shipment was counted in still convert.
TEST(Reconciliation, ItemsAreReadInBulkAndTheReportCountsErpCalls) {
  constexpr int kSkus = 450;
  FakeNetSuite ns(kSkus);
  NetSuiteStock stock(ns, {"http://erp", nullptr});
  use(stock);
  std::map<std::string, int64_t> available;
  for (int i = 1; i <= kSkus; ++i) available["SKU-" + std::to_string(i)] = i;
  available["SKU-2"] = 2 - 12;  // shipped 1 CS of 12 before the snapshot, not posted yet
  available["SKU-3"] = 3 - 6;   // 1 PK of 6
  available["SKU-9999"] = 1;    // no such item
  std::vector<v1::Event> shipped = {shipment("site-1", 1, "SKU-2", 1, clock.wall_ms()),
                                    shipment("site-1", 2, "SKU-3", 1, clock.wall_ms())};
  shipped[0].mutable_shipment()->mutable_lines(0)->set_unit("CS");
  shipped[1].mutable_shipment()->mutable_lines(0)->set_unit("PK");
  v1::UplinkBatch b = test::batch("site-1", "e1", shipped);
  CHECK_TRUE(ledger->accept({&b}).ok());

  ReconciliationReport r = sweep(available);
  DOUBLES_EQUAL(-12, row(r, "SKU-2").in_flight, 1e-9);
  DOUBLES_EQUAL(-6, row(r, "SKU-3").in_flight, 1e-9);
  DOUBLES_EQUAL(0, row(r, "SKU-2").drift, 1e-9);
  DOUBLES_EQUAL(0, row(r, "SKU-3").drift, 1e-9);
  CHECK_TRUE(row(r, "SKU-9999").note.find("no item SKU-9999") != std::string::npos);
  LONGS_EQUAL(1, r.totals.drifting);  // SKU-9999 only
  // 1 on-hand page + 3 chunks of item ids + 3 chunks of SKUs + 2 units types.
  LONGS_EQUAL(9, ns.requests);
  LONGS_EQUAL(2, ns.gets);
  LONGS_EQUAL(9, r.erp_calls);
  CHECK_TRUE(reports->get(r.id)->to_json(false).dump().find("\"erp_calls\":9") != std::string::npos);
  // The next sweep reads the ERP's on-hand again, and what it knows of the items from memory
  // (SKU-9999 is asked again: it may have been created since).
  ReconciliationReport again = sweep(available);
  LONGS_EQUAL(2, again.erp_calls);
  LONGS_EQUAL(2, reconciler->stats().reports);
  LONGS_EQUAL(11, reconciler->stats().erp_calls);
}

// A person's retry runs in an HTTP handler: while a sweep is running it is
// refused at once, saying so, and the exception is left as it was.
TEST(Reconciliation, RetryWhileASweepRunsIsRefusedAtOnce) {
  held = std::make_unique<HeldErp>(erp);
  use(*held);
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  sweep({{"SKU-1", 120}, {"SKU-2", 40}});
  ExceptionRecord x = drift_exception("SKU-1").value();
  held->hold();
  clock.advance(Millis(60'000));
  snapshots.take("site-1", "WH1", clock.wall_ms(), {{"SKU-1", 120}, {"SKU-2", 40}});
  std::thread running([&] { (void)reconciler->sweep(); });
  CHECK_TRUE(held->wait_inside());
  const auto start = std::chrono::steady_clock::now();
  Status s = reconciler->retry(x, "ann", "counted again");
  const auto took = std::chrono::steady_clock::now() - start;
  held->let_go();
  running.join();
  CHECK_TRUE(s.code() == Code::kFailedPrecondition);
  STRCMP_EQUAL("a reconciliation is running; try again in a minute", s.message().c_str());
  CHECK_TRUE(took < std::chrono::seconds(1));
  CHECK_TRUE(drift_exception("SKU-1")->state == ExceptionState::kOpen);
  LONGS_EQUAL(1, reconciler->stats().refused_busy);
  CHECK_TRUE(reconciler->retry(x, "ann", "counted again").ok());  // the sweep is over: runs now
}
