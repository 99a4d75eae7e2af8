// ClarusSweeper against the real Clarus simulator: after the scripted
// warehouse ships (partly), receives, takes returns and adjusts stock, one
// sweep journals each fact exactly once with docs/clarus-model.md's event ids,
// and a second sweep adds nothing; an open receipt is read again by id (the
// simulator's {id: {in: [..]}}) without holding the cursor; a first sweep
// with start_from_id -1 starts after the highest id the simulator has.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/clarus/sweeper.h"
#include "agent/journal.h"
#include "clarus_contract_support.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;
using namespace sb::contract;

namespace {

struct Ref {
  int64_t product_id;
  int64_t quantity;
  std::string line_ref;
};

std::string lines_changes(const std::vector<Ref>& lines, const char* quantity_field) {
  std::string out = "[";
  for (size_t i = 0; i < lines.size(); ++i) {
    out += std::string(i ? "," : "") + R"({"type":"ADD","attributes":{"product_id":)" + std::to_string(lines[i].product_id) +
           R"(,")" + quantity_field + R"(":)" + std::to_string(lines[i].quantity) + R"(,"alt_line_reference":")" +
           lines[i].line_ref + R"("}})";
  }
  return out + "]";
}

Json parsed(const std::string& text) {
  Result<Json> j = Json::parse(text);
  if (!j.ok()) FAIL(j.status().to_string().c_str());
  return *j;
}

}  // namespace

TEST_GROUP(ClarusSweepContract) {
  std::unique_ptr<SimTenant> tenant;
  SystemClock clock;
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<ClarusSweeper> sweeper;

  void setup() override {
    clarus_sim::SimOptions options;
    options.seed = 42;
    tenant = std::make_unique<SimTenant>(options);
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    Result<std::unique_ptr<Journal>> j = Journal::open(*store, *committer, clock, JournalOptions{});
    check_ok(j.status(), "Journal::open");
    journal = std::move(j).value();
    SweepOptions o;
    o.site_id = "site-1";
    o.page_size = 3;  // several pages even for a handful of records
    o.snapshot_interval = Millis(0);  // facts only: snapshots are not what these tests count
    o.start_from_id = 0;              // the records are made before the first sweep: read them all
    o.settle = Millis(0);             // they are all seconds old: let the cursors move
    new_sweeper(o);
  }
  void new_sweeper(const SweepOptions& o) {
    sweeper.reset();
    sweeper = std::make_unique<ClarusSweeper>(tenant->clarus(), *journal, *store, *committer, clock, o);
    check_ok(sweeper->init(), "sweeper init");
  }
  void teardown() override {
    sweeper.reset();
    journal.reset();
    committer.reset();
    store.reset();
    tenant.reset();
  }

  void goods_out(const std::string& reference, const std::string& erp_id, const std::vector<Ref>& lines) {
    check_ok(tenant->clarus()
                 .rest("POST", "/goods_outs",
                       parsed(R"({"data":{"type":"goods_outs","attributes":{"account_id":1,"warehouse_id":1,"reference":")" +
                              reference + R"(","external_system_reference1":")" + erp_id +
                              R"(","goods_out_type":"sales_order","expected_date_of_dispatch":"2026-11-27","carrier_id":1,)"
                              R"("carrier_service_id":3,"lines_changes":)" + lines_changes(lines, "order_quantity") +
                              R"(},"relationships":{"address":{"data":{"type":"addresses","attributes":{"name":"Ann","country_code":"GB"}}}}}})"))
                 .status(),
             reference.c_str());
  }
  int64_t receipt(const std::string& reference, const std::string& type, const std::string& erp_id,
                  const std::vector<Ref>& lines) {
    Result<Json> r = tenant->clarus().rest(
        "POST", "/goods_in_receipts",
        parsed(R"({"data":{"type":"goods_in_receipts","attributes":{"account_id":1,"warehouse_id":1,"reference":")" +
               reference + R"(","receipt_type":")" + type + R"(","external_system_reference1":")" + erp_id +
               R"(","lines_changes":)" + lines_changes(lines, "expected_quantity") + "}}}"));
    check_ok(r.status(), reference.c_str());
    return int_at(*r, "data.id");
  }

  // Every journaled event, in seq order.
  std::vector<v1::Event> journaled() {
    std::vector<v1::Event> out;
    check_ok(journal->read(1, 100000, 1 << 30, [&](uint64_t, std::string_view bytes) {
      v1::Event e;
      CHECK(e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
      out.push_back(std::move(e));
    }), "Journal::read");
    return out;
  }
};

TEST(ClarusSweepContract, OneSweepJournalsEachShipmentReceiptReturnAndAdjustmentOnce) {
  goods_out("SO-1", "so-1", {{1, 7, "10"}, {2, 5, "20"}});
  goods_out("SO-2", "so-2", {{3, 4, "10"}});
  goods_out("SO-3", "so-3", {{4, 9, "10"}, {5, 3, "20"}});
  tenant->admin("POST", "/warehouse", R"({"partial_dispatch_rate":1.0})");
  tenant->admin("POST", "/warehouse/step", R"({"steps":5,"only":["dispatch"]})");
  receipt("PO-1", "purchase_order", "po-1", {{6, 20, "1"}, {7, 3, "2"}});
  receipt("RMA-1", "return", "ret-1", {{1, 2, "r1"}, {2, 1, "r2"}, {3, 1, "r3"}});
  tenant->admin("POST", "/warehouse/step", R"({"steps":2,"only":["receive","return"]})");
  tenant->admin("POST", "/warehouse/step", R"({"steps":3,"only":["adjust"]})");

  Json state = tenant->state();
  const size_t shipments = count(state, "shipments");
  const size_t adjustments = count(state, "stock_adjustments");
  CHECK(shipments >= 4);  // five partial dispatches over three orders
  LONGS_EQUAL(3, static_cast<long>(adjustments));
  LONGS_EQUAL(2, static_cast<long>(where(state, "goods_in_receipts", "status", "completed").size()));

  check_ok(sweeper->sweep_once(), "sweep_once");
  std::vector<v1::Event> events = journaled();
  LONGS_EQUAL(static_cast<long>(shipments + 2 + adjustments), static_cast<long>(events.size()));
  std::map<std::string, v1::Event> by_id;
  for (const v1::Event& e : events) {
    STRCMP_EQUAL("site-1", e.site_id().c_str());
    CHECK_TEXT(by_id.emplace(e.event_id(), e).second, ("twice: " + e.event_id()).c_str());
  }

  // Shipments: one event each, and per goods-out line they add up to what Clarus says left.
  std::map<std::string, int64_t> shipped;  // goods_out_line id -> units over the Shipment events
  for (const Json& s : at(state, "shipments")->items()) {
    const std::string id = str_at(s, "id");
    auto it = by_id.find("clarus:site-1:shipment:" + id);
    CHECK_TEXT(it != by_id.end(), ("no event for shipment " + id).c_str());
    const v1::Event& e = it->second;
    CHECK(e.has_shipment());
    const v1::Shipment& sh = e.shipment();
    STRCMP_EQUAL(("order:" + str_at(s, "goods_out.reference")).c_str(), e.business_key().c_str());
    STRCMP_EQUAL(str_at(s, "goods_out.reference").c_str(), sh.order_reference().c_str());
    STRCMP_EQUAL(str_at(s, "goods_out.external_system_reference1").c_str(), sh.erp_order_id().c_str());
    STRCMP_EQUAL(str_at(s, "goods_out.id").c_str(), sh.clarus_goods_out_id().c_str());
    STRCMP_EQUAL(id.c_str(), sh.clarus_shipment_id().c_str());
    STRCMP_EQUAL(str_at(s, "tracking_number").c_str(), sh.tracking_number().c_str());
    STRCMP_EQUAL("ROYALMAIL", sh.carrier().c_str());
    STRCMP_EQUAL("RMTRK24", sh.carrier_service().c_str());
    STRCMP_EQUAL("WH1", sh.warehouse().c_str());
    LONGS_EQUAL(int_at(s, "packages_count"), sh.packages_size());
    LONGS_EQUAL(static_cast<long>(at(s, "lines")->items().size()), sh.lines_size());
    for (const v1::ShipmentLine& l : sh.lines()) {
      CHECK(l.quantity() > 0);
      shipped[l.clarus_line_id()] += l.quantity();
    }
  }
  int lines_dispatched = 0;
  for (const Json& g : at(state, "goods_outs")->items()) {
    for (const Json& l : at(g, "lines")->items()) {
      LONGS_EQUAL_TEXT(int_at(l, "dispatch_quantity"), shipped[str_at(l, "id")],
                       (str_at(g, "reference") + " line " + str_at(l, "alt_line_reference")).c_str());
      if (int_at(l, "dispatch_quantity") > 0) ++lines_dispatched;
    }
  }
  CHECK(lines_dispatched >= 3);
  for (const v1::Event& e : events)
    for (const v1::ShipmentLine& l : e.shipment().lines()) CHECK(!l.order_line_ref().empty());

  // The purchase order and the return, with the dispositions the warehouse recorded.
  for (const Json& r : at(state, "goods_in_receipts")->items()) {
    const std::string id = str_at(r, "id");
    const bool is_return = str_at(r, "receipt_type") == "return";
    auto it = by_id.find("clarus:site-1:" + std::string(is_return ? "return:" : "receipt:") + id);
    CHECK_TEXT(it != by_id.end(), ("no event for receipt " + id).c_str());
    const v1::Event& e = it->second;
    const auto& lines = is_return ? e.return_receipt().lines() : e.goods_receipt().lines();
    if (is_return) {
      CHECK(e.has_return_receipt());
      STRCMP_EQUAL("rma:RMA-1", e.business_key().c_str());
      STRCMP_EQUAL("RMA-1", e.return_receipt().rma_reference().c_str());
      STRCMP_EQUAL("ret-1", e.return_receipt().erp_return_id().c_str());
    } else {
      CHECK(e.has_goods_receipt());
      STRCMP_EQUAL("po:PO-1", e.business_key().c_str());
      STRCMP_EQUAL("po-1", e.goods_receipt().erp_po_id().c_str());
    }
    LONGS_EQUAL(static_cast<long>(at(r, "lines")->items().size()), lines.size());
    for (int i = 0; i < lines.size(); ++i) {
      const Json& want = at(r, "lines")->items()[static_cast<size_t>(i)];
      STRCMP_EQUAL(str_at(want, "alt_line_reference").c_str(), lines[i].line_ref().c_str());
      STRCMP_EQUAL(str_at(want, "product.code").c_str(), lines[i].sku().c_str());
      LONGS_EQUAL(int_at(want, "received_quantity"), lines[i].received_quantity());
      LONGS_EQUAL(int_at(want, "expected_quantity"), lines[i].expected_quantity());
      if (is_return) {
        CHECK(!lines[i].disposition().empty());
        STRCMP_EQUAL(str_at(want, "string1").c_str(), lines[i].disposition().c_str());
      }
    }
  }

  // Adjustments, signed.
  for (const Json& a : at(state, "stock_adjustments")->items()) {
    auto it = by_id.find("clarus:site-1:adjustment:" + str_at(a, "id"));
    CHECK_TEXT(it != by_id.end(), ("no event for adjustment " + str_at(a, "id")).c_str());
    const v1::StockAdjustment& adj = it->second.stock_adjustment();
    STRCMP_EQUAL(("stock:WH1:" + str_at(a, "product.code")).c_str(), it->second.business_key().c_str());
    LONGS_EQUAL(int_at(a, "quantity"), adj.quantity_delta());
    STRCMP_EQUAL(str_at(a, "reason_code.code").c_str(), adj.reason_code().c_str());
  }

  // A second sweep finds nothing new.
  const uint64_t last = journal->last_seq();
  check_ok(sweeper->sweep_once(), "second sweep_once");
  LONGS_EQUAL(last, journal->last_seq());
  LONGS_EQUAL(static_cast<long>(events.size()), static_cast<long>(sweeper->stats().events_new));
}

TEST(ClarusSweepContract, AnOpenReceiptIsReadAgainByIdWithoutHoldingTheCursor) {
  const int64_t first = receipt("PO-A", "purchase_order", "po-a", {{1, 5, "1"}});
  const int64_t second = receipt("PO-B", "purchase_order", "po-b", {{2, 6, "1"}});
  tenant->admin("POST", "/warehouse/step", R"({"steps":1,"only":["receive"]})");
  Json state = tenant->state();
  std::vector<Json> done = where(state, "goods_in_receipts", "status", "completed");
  LONGS_EQUAL(1, static_cast<long>(done.size()));
  const int64_t received = int_at(done[0], "id");
  const int64_t open = received == first ? second : first;

  check_ok(sweeper->sweep_once(), "sweep with one receipt open");
  std::vector<v1::Event> events = journaled();
  LONGS_EQUAL(1, static_cast<long>(events.size()));
  STRCMP_EQUAL(("clarus:site-1:receipt:" + std::to_string(received)).c_str(), events[0].event_id().c_str());
  SweepCursor cursor = sweeper->stats().cursors["goods_in_receipts"];
  LONGS_EQUAL(second, cursor.cursor);  // past the open one too
  LONGS_EQUAL(open, cursor.held_at);
  LONGS_EQUAL(1, static_cast<long>(cursor.open));

  check_ok(sweeper->sweep_once(), "sweep with the receipt still open");
  LONGS_EQUAL(0, static_cast<long>(sweeper->stats().events_duplicate));  // the completed one is not read again

  tenant->admin("POST", "/warehouse/step", R"({"steps":1,"only":["receive"]})");
  check_ok(sweeper->sweep_once(), "sweep after the second receipt completed");
  events = journaled();
  LONGS_EQUAL(2, static_cast<long>(events.size()));
  STRCMP_EQUAL(("clarus:site-1:receipt:" + std::to_string(open)).c_str(), events[1].event_id().c_str());
  cursor = sweeper->stats().cursors["goods_in_receipts"];
  LONGS_EQUAL(second, cursor.cursor);
  LONGS_EQUAL(0, cursor.held_at);
  LONGS_EQUAL(0, static_cast<long>(cursor.open));
  LONGS_EQUAL(0, static_cast<long>(sweeper->stats().events_duplicate));
}

TEST(ClarusSweepContract, AFirstSweepStartsAfterTheHighestIdAndYoungRecordsAreReadAgainFree) {
  goods_out("SO-1", "so-1", {{1, 2, "10"}});
  goods_out("SO-2", "so-2", {{2, 1, "10"}});
  tenant->admin("POST", "/warehouse/step", R"({"steps":2,"only":["dispatch"]})");
  receipt("PO-1", "purchase_order", "po-1", {{3, 4, "1"}});
  Json state = tenant->state();
  int64_t highest_shipment = 0;
  for (const Json& s : at(state, "shipments")->items()) highest_shipment = std::max(highest_shipment, int_at(s, "id"));
  CHECK(highest_shipment > 0);

  SweepOptions o;
  o.site_id = "site-1";
  o.page_size = 3;
  o.snapshot_interval = Millis(0);  // the defaults otherwise: start_from_id -1, settle 120 s
  new_sweeper(o);
  check_ok(sweeper->sweep_once(), "first sweep");
  LONGS_EQUAL(0, static_cast<long>(journaled().size()));  // history is not journaled
  LONGS_EQUAL(highest_shipment, sweeper->stats().cursors["shipments"].cursor);

  goods_out("SO-3", "so-3", {{4, 1, "10"}});
  tenant->admin("POST", "/warehouse/step", R"({"steps":1,"only":["dispatch"]})");
  check_ok(sweeper->sweep_once(), "second sweep");
  std::vector<v1::Event> events = journaled();
  CHECK(!events.empty());  // young, journaled at once
  for (const v1::Event& e : events) STRCMP_EQUAL("order:SO-3", e.business_key().c_str());
  // Seconds old: the cursor waits before them, the next sweep reads them again for free.
  LONGS_EQUAL(highest_shipment, sweeper->stats().cursors["shipments"].cursor);
  CHECK(sweeper->stats().cursors["shipments"].settling_at > highest_shipment);
  check_ok(sweeper->sweep_once(), "third sweep");
  LONGS_EQUAL(static_cast<long>(events.size()), static_cast<long>(journaled().size()));
  LONGS_EQUAL(static_cast<long>(events.size()), static_cast<long>(sweeper->stats().events_duplicate));
}

TEST(ClarusSweepContract, ReadingACompletedGoodsOutMarksItsLastShipmentComplete) {
  goods_out("SO-9", "so-9", {{1, 4, "10"}, {2, 2, "20"}});
  tenant->admin("POST", "/warehouse", R"({"partial_dispatch_rate":0})");
  tenant->admin("POST", "/warehouse/step", R"({"steps":1,"only":["dispatch"]})");
  Json g = where(tenant->state(), "goods_outs", "reference", "SO-9").at(0);
  STRCMP_EQUAL("COMPLETED", str_at(g, "goods_out_status.code").c_str());

  check_ok(sweeper->read_goods_out(int_at(g, "id")), "read_goods_out");
  std::vector<v1::Event> events = journaled();
  LONGS_EQUAL(1, static_cast<long>(events.size()));
  CHECK(events[0].shipment().order_complete());
  STRCMP_EQUAL("order:SO-9", events[0].business_key().c_str());
  // The sweep reads the same shipment: the journal keeps one.
  check_ok(sweeper->sweep_once(), "sweep_once");
  LONGS_EQUAL(1, static_cast<long>(journaled().size()));
  LONGS_EQUAL(1, static_cast<long>(sweeper->stats().events_duplicate));
}
