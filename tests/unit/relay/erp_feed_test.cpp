// The ERP change feed against the ERP simulator over real HTTP, into an
// in-memory command outbox: what the sites would be sent, and that a poll
// that fails leaves the cursor for the next one.
#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "platform/core/log.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/command_outbox.h"
#include "relay/erp_feed.h"
#include "erp_simulator.h"
#include "sim_options.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;

namespace {

// Locations 1 (site-1) and 2 (site-2) are mapped, 6 (Main) is not.
constexpr char kOrders[] = R"({
 "salesOrders":[
   {"externalId":"SO-1","location":"1","shipMethod":"9001","custbody_released_to_wms":true,
    "lines":[{"line":1,"item":"1001","quantity":10,"quantityFulfilled":4,"location":"1"},
             {"line":3,"item":"1002","quantity":2,"location":"1"}]},
   {"externalId":"SO-UNMAPPED","location":"6","shipMethod":"9001","custbody_released_to_wms":true,
    "lines":[{"line":1,"item":"1001","quantity":1}]},
   {"externalId":"SO-HELD","location":"2","shipMethod":"9002","custbody_released_to_wms":false,
    "lines":[{"line":1,"item":"1001","quantity":1}]}],
 "purchaseOrders":[{"externalId":"PO-1","location":"2","entity":"V-1","lines":[{"line":1,"item":"1002","quantity":5}]}],
 "returnAuthorizations":[{"externalId":"RMA-1","location":"1","entity":"C-1","lines":[{"line":1,"item":"1001","quantity":2,"rate":4.5}]}]})";

}  // namespace

TEST_GROUP(ErpFeed) {
  std::unique_ptr<erpsim::ErpSimulator> sim;
  std::unique_ptr<HttpClient> http = make_poco_http_client();
  std::unique_ptr<MemoryStore> store = MemoryStore::create();
  std::unique_ptr<GroupCommitter> committer = std::make_unique<GroupCommitter>(*store);
  ManualClock clock;
  std::unique_ptr<CommandOutbox> outbox;
  std::unique_ptr<ErpFeed> feed;
  int wakes = 0;

  void setup() override {
    log::set_level(log::Level::kError);
    std::signal(SIGPIPE, SIG_IGN);
    erpsim::ParsedOptions parsed = erpsim::parse_options({"--seed-items", "2"});
    sim = std::make_unique<erpsim::ErpSimulator>(parsed.options);
    STRCMP_EQUAL("", sim->start().c_str());
    admin("/_sim/seed", kOrders);
    outbox = std::move(CommandOutbox::open(*store, *committer, clock).value());
    ErpFeedOptions o;
    o.page_size = 3;  // several pages per feed
    o.timeout = Millis(5000);
    o.site_locations = {{"1", "site-1"}, {"2", "site-2"}};
    o.sites = parse_site_list("site-1, site-2");
    feed = std::move(ErpFeed::open(*http, sim->url(), nullptr, *outbox, *store, *committer, clock, o,
                                   [this] { ++wakes; })
                         .value());
  }
  void teardown() override {
    feed.reset();
    outbox.reset();
    committer->stop();
    sim.reset();
  }
  void admin(const std::string& path, const std::string& body) {
    ClientRequest r;
    r.method = "POST";
    r.url = sim->url() + path;
    r.body = body;
    Result<HttpResponse> a = http->send(r);
    CHECK_TRUE(a.ok());
    LONGS_EQUAL_TEXT(200, a->status, a->body.c_str());
  }
  std::vector<v1::Command> commands(const std::string& site, v1::Command::BodyCase kind) {
    std::vector<v1::Command> out;
    Result<std::vector<v1::Command>> queued = outbox->unacked(site, 1000);
    CHECK_TRUE(queued.ok());
    for (v1::Command& c : *queued)
      if (c.body_case() == kind) out.push_back(c);
    return out;
  }
  // A released order whose ship method (a new ship item) has no carrier code yet; polled once. Its id.
  std::string seed_order_waiting_for_carrier(const std::string& ship_item, const std::string& order) {
    admin("/_sim/seed", R"({"shipItems":[{"id":")" + ship_item + R"(","itemid":"Courier )" + ship_item +
                            R"(","carrier":"","serviceCode":""}],"salesOrders":[{"externalId":")" + order +
                            R"(","location":"1","shipMethod":")" + ship_item + R"(","custbody_released_to_wms":true,
                            "lines":[{"line":1,"item":"1001","quantity":2,"location":"1"}]}]})");
    CHECK_TRUE(feed->poll().ok());
    return id_of("salesOrder", order);
  }
  std::string id_of(const std::string& type, const std::string& external_id) {
    for (const auto& r : sim->store().ledger(type, ""))
      if (r.external_id == external_id) return r.id;
    return "";
  }
};

TEST(ErpFeed, SeededRecordsBecomeCommandsForTheRightSites) {
  Status s = feed->poll();
  CHECK_TEXT(s.ok(), s.to_string().c_str());
  CHECK_TRUE(wakes > 0);

  // Sales order SO-1 at location 1: to site-1 only, its open lines, its ship method's carrier.
  auto releases = commands("site-1", v1::Command::kSalesOrderRelease);
  LONGS_EQUAL(1, releases.size());
  const v1::SalesOrderRelease& r = releases[0].sales_order_release();
  const std::string so = id_of("salesOrder", "SO-1");
  CHECK_TRUE(releases[0].command_id().rfind("release:" + so + "@", 0) == 0);  // one command per change of the order
  STRCMP_EQUAL(so.c_str(), r.erp_order_id().c_str());
  CHECK_FALSE(r.order_number().empty());
  STRCMP_EQUAL(("order:" + r.order_number()).c_str(), releases[0].business_key().c_str());
  STRCMP_EQUAL("ROYALMAIL", r.carrier().c_str());
  STRCMP_EQUAL("RM1CLS", r.carrier_service().c_str());
  LONGS_EQUAL(2, r.lines_size());
  STRCMP_EQUAL("1", r.lines(0).line_ref().c_str());
  STRCMP_EQUAL("SKU-0001", r.lines(0).sku().c_str());
  LONGS_EQUAL(6, r.lines(0).quantity());  // 10 ordered, 4 fulfilled
  STRCMP_EQUAL("3", r.lines(1).line_ref().c_str());
  STRCMP_EQUAL("SKU-0002", r.lines(1).sku().c_str());
  LONGS_EQUAL(2, r.lines(1).quantity());
  // The order that is not released and the one at an unmapped location go nowhere.
  LONGS_EQUAL(0, commands("site-2", v1::Command::kSalesOrderRelease).size());
  LONGS_EQUAL(1, feed->stats().skipped["unmapped_location"]);

  auto pos = commands("site-2", v1::Command::kPurchaseOrderRelease);
  LONGS_EQUAL(1, pos.size());
  STRCMP_EQUAL(("po:" + id_of("purchaseOrder", "PO-1")).c_str(), pos[0].command_id().c_str());
  LONGS_EQUAL(1, pos[0].purchase_order_release().lines_size());
  STRCMP_EQUAL("SKU-0002", pos[0].purchase_order_release().lines(0).sku().c_str());
  LONGS_EQUAL(5, pos[0].purchase_order_release().lines(0).quantity());
  LONGS_EQUAL(0, commands("site-1", v1::Command::kPurchaseOrderRelease).size());

  auto rmas = commands("site-1", v1::Command::kReturnAuthorisation);
  LONGS_EQUAL(1, rmas.size());
  LONGS_EQUAL(2, rmas[0].return_authorisation().lines(0).quantity());
  LONGS_EQUAL(0, commands("site-2", v1::Command::kReturnAuthorisation).size());

  // Master data to every site: 2 seeded items, 2 ship items.
  for (const char* site : {"site-1", "site-2"}) {
    auto items = commands(site, v1::Command::kItemUpsert);
    LONGS_EQUAL(2, items.size());
    CHECK_EQUAL(std::string(site), items[0].command_id().substr(items[0].command_id().rfind('@') + 1));
    STRCMP_EQUAL("SKU-0001", items[0].item_upsert().sku().c_str());
    STRCMP_EQUAL("item:SKU-0001", items[0].business_key().c_str());
    LONGS_EQUAL(12, items[0].item_upsert().units_per_case());
    CHECK_TRUE(items[0].item_upsert().active());
    auto carriers = commands(site, v1::Command::kCarrierUpsert);
    LONGS_EQUAL(2, carriers.size());
    STRCMP_EQUAL("ROYALMAIL", carriers[0].carrier_upsert().carrier().c_str());
    CHECK_TRUE(carriers[0].carrier_upsert().needs_tracking());
  }
  ErpFeedStats st = feed->stats();
  LONGS_EQUAL(1, st.queued["sales_order_release"]);
  LONGS_EQUAL(4, st.queued["item_upsert"]);
  CHECK_FALSE(st.cursors["SalesOrd"].empty());
  CHECK_TRUE(st.last_ok_ms > 0);
}

TEST(ErpFeed, ASecondPollQueuesNothingNewAndANewOrderIsPickedUp) {
  CHECK_TRUE(feed->poll().ok());
  const uint64_t one = outbox->stats("site-1").waiting, two = outbox->stats("site-2").waiting;
  CHECK_TRUE(feed->poll().ok());
  LONGS_EQUAL(one, outbox->stats("site-1").waiting);
  LONGS_EQUAL(two, outbox->stats("site-2").waiting);

  admin("/_sim/seed", R"({"salesOrders":[{"externalId":"SO-NEW","location":"2","shipMethod":"9002",
      "custbody_released_to_wms":true,"lines":[{"line":1,"item":"1001","quantity":3}]}]})");
  CHECK_TRUE(feed->poll().ok());
  auto releases = commands("site-2", v1::Command::kSalesOrderRelease);
  LONGS_EQUAL(1, releases.size());
  STRCMP_EQUAL("DPD", releases[0].sales_order_release().carrier().c_str());
  LONGS_EQUAL(two + 1, outbox->stats("site-2").waiting);
}

TEST(ErpFeed, AnItemChangedTwiceWithinOneSecondReachesTheSitesBothTimes) {
  std::vector<std::string> changed;
  ErpFeedOptions o;
  o.timeout = Millis(5000);
  o.site_locations = {{"1", "site-1"}};
  o.on_master_data = [&](const std::string& kind, const std::string& code) { changed.push_back(kind + " " + code); };
  feed.reset();
  feed = std::move(ErpFeed::open(*http, sim->url(), nullptr, *outbox, *store, *committer, clock, o).value());
  CHECK_TRUE(feed->poll().ok());
  const size_t first = commands("site-1", v1::Command::kItemUpsert).size();
  LONGS_EQUAL(4, changed.size());  // the two seeded items and two ship items
  // Made inactive and polled, then (the same second, quite possibly) active again and polled.
  admin("/_sim/seed", R"({"items":[{"id":"1002","itemid":"SKU-0002","isinactive":true}]})");
  CHECK_TRUE(feed->poll().ok());
  admin("/_sim/seed", R"({"items":[{"id":"1002","itemid":"SKU-0002","isinactive":false}]})");
  CHECK_TRUE(feed->poll().ok());
  auto items = commands("site-1", v1::Command::kItemUpsert);
  LONGS_EQUAL(first + 2, items.size());
  CHECK_FALSE(items[items.size() - 2].item_upsert().active());
  CHECK_TRUE(items.back().item_upsert().active());
  LONGS_EQUAL(6, changed.size());
  // Reading the same changes again queues nothing and signals nothing.
  CHECK_TRUE(feed->poll().ok());
  LONGS_EQUAL(first + 2, commands("site-1", v1::Command::kItemUpsert).size());
  LONGS_EQUAL(6, changed.size());
}

TEST(ErpFeed, TheErpDownStopsThePollAndKeepsTheCursor) {
  CHECK_TRUE(feed->poll().ok());
  const auto cursors = feed->stats().cursors;
  admin("/_sim/seed", R"({"salesOrders":[{"externalId":"SO-LATE","location":"1","shipMethod":"9001",
      "custbody_released_to_wms":true,"lines":[{"line":1,"item":"1002","quantity":1}]}]})");
  admin("/_sim/faults", R"({"error_503":1,"apply_to":"all"})");
  CHECK_FALSE(feed->poll().ok());
  ErpFeedStats st = feed->stats();
  CHECK_FALSE(st.last_error.empty());
  LONGS_EQUAL(1, st.failed_polls);
  CHECK_TRUE(cursors == st.cursors);
  LONGS_EQUAL(1, commands("site-1", v1::Command::kSalesOrderRelease).size());

  Status s = feed->poll();
  CHECK_TEXT(s.ok(), s.to_string().c_str());
  LONGS_EQUAL(2, commands("site-1", v1::Command::kSalesOrderRelease).size());
  CHECK_TRUE(feed->stats().last_error.empty());
}

TEST(ErpFeed, ACancelledOrderIsCancelledAtItsSite) {
  CHECK_TRUE(feed->poll().ok());
  admin("/_sim/seed", R"({"salesOrders":[{"externalId":"SO-1","location":"1","shipMethod":"9001",
      "custbody_released_to_wms":true,"status":"cancelled",
      "lines":[{"line":1,"item":"1001","quantity":10,"quantityFulfilled":4,"location":"1"},
               {"line":3,"item":"1002","quantity":2,"location":"1"}]}]})");
  CHECK_TRUE(feed->poll().ok());
  auto cancels = commands("site-1", v1::Command::kSalesOrderCancel);
  LONGS_EQUAL(1, cancels.size());
  const std::string so = id_of("salesOrder", "SO-1");
  CHECK_TRUE(cancels[0].command_id().rfind("cancel:" + so + "@", 0) == 0);
  STRCMP_EQUAL(so.c_str(), cancels[0].sales_order_cancel().erp_order_id().c_str());
  LONGS_EQUAL(0, commands("site-2", v1::Command::kSalesOrderCancel).size());
  CHECK_TRUE(feed->poll().ok());  // read again: not cancelled twice
  LONGS_EQUAL(1, commands("site-1", v1::Command::kSalesOrderCancel).size());
}

TEST(ErpFeed, AnOrderNoLongerReleasedIsCancelled) {
  CHECK_TRUE(feed->poll().ok());
  admin("/_sim/seed", R"({"salesOrders":[{"externalId":"SO-1","location":"1","shipMethod":"9001",
      "custbody_released_to_wms":false,
      "lines":[{"line":1,"item":"1001","quantity":10,"quantityFulfilled":4,"location":"1"},
               {"line":3,"item":"1002","quantity":2,"location":"1"}]}]})");
  CHECK_TRUE(feed->poll().ok());
  LONGS_EQUAL(1, commands("site-1", v1::Command::kSalesOrderCancel).size());
}

// An item the ERP counts in cases goes down with CS as its stock unit; order
// lines go down in that unit, converted from the line's own units, and a line
// that is not a whole number of cases is not sent.
TEST(ErpFeed, QuantitiesGoDownInTheItemsStockUnit) {
  admin("/_sim/seed", R"({"items":[{"id":"30","itemid":"CASE-SKU","externalId":"CASE-SKU","stockUnit":"Case of 12",
                            "units":[{"name":"Each","rate":1},{"name":"Case of 12","rate":12}]}],
    "salesOrders":[{"externalId":"SO-CS","location":"1","custbody_released_to_wms":true,
                    "lines":[{"line":1,"item":"30","quantity":24,"location":"1"}]},
                   {"externalId":"SO-ODD","location":"1","custbody_released_to_wms":true,
                    "lines":[{"line":1,"item":"30","quantity":30,"location":"1"}]}],
    "purchaseOrders":[{"externalId":"PO-CS","location":"1","lines":[{"line":1,"item":"30","quantity":2,"units":"Case of 12"}]}]})");
  Status s = feed->poll();
  CHECK_TEXT(s.ok(), s.to_string().c_str());

  bool item_seen = false;
  for (const v1::Command& c : commands("site-1", v1::Command::kItemUpsert)) {
    if (c.item_upsert().sku() != "CASE-SKU") continue;
    item_seen = true;
    STRCMP_EQUAL("CS", c.item_upsert().unit().c_str());
  }
  CHECK_TRUE(item_seen);
  const std::string so = id_of("salesOrder", "SO-CS");
  bool order_seen = false;
  for (const v1::Command& c : commands("site-1", v1::Command::kSalesOrderRelease)) {
    CHECK_TRUE(c.sales_order_release().erp_order_id() != id_of("salesOrder", "SO-ODD"));
    if (c.sales_order_release().erp_order_id() != so) continue;
    order_seen = true;
    LONGS_EQUAL(2, c.sales_order_release().lines(0).quantity());  // 24 Each = 2 cases
    STRCMP_EQUAL("CS", c.sales_order_release().lines(0).unit().c_str());
  }
  CHECK_TRUE(order_seen);
  LONGS_EQUAL(1, feed->stats().skipped["uom_not_convertible"]);
  auto pos = commands("site-1", v1::Command::kPurchaseOrderRelease);
  LONGS_EQUAL(1, pos.size());
  LONGS_EQUAL(2, pos[0].purchase_order_release().lines(0).quantity());  // 2 Case of 12 = 2 cases
}

// A row passed over for a reason that clears without the record changing
// waits, is read again by id on later polls, and goes out once it can.
TEST(ErpFeed, AnOrderWaitingForItsShipMethodsCarrierCodeGoesOutOnceTheShipItemHasOne) {
  const std::string so = seed_order_waiting_for_carrier("9100", "SO-WAIT");
  auto released = [&] {
    for (const v1::Command& c : commands("site-1", v1::Command::kSalesOrderRelease))
      if (c.sales_order_release().erp_order_id() == so) return true;
    return false;
  };
  CHECK_FALSE(released());
  ErpFeedStats st = feed->stats();
  LONGS_EQUAL(1, st.skipped["unknown_ship_method"]);
  bool waits = false;
  for (const auto& w : st.waiting) waits = waits || (w.id == so && w.reason == "unknown_ship_method");
  CHECK_TRUE(waits);
  // Polled again while nothing changed: still waiting, counted and logged once.
  CHECK_TRUE(feed->poll().ok());
  LONGS_EQUAL(1, feed->stats().skipped["unknown_ship_method"]);
  CHECK_FALSE(released());

  // The ship item gets its carrier code; the order itself does not change.
  admin("/_sim/seed", R"({"shipItems":[{"id":"9100","itemid":"Courier 9100","carrier":"DPD","serviceCode":"DPDNEXT"}]})");
  CHECK_TRUE(feed->poll().ok());
  CHECK_TRUE(released());
  for (const auto& w : feed->stats().waiting) CHECK_TRUE(w.id != so);
  LONGS_EQUAL(1, feed->stats().waiting_total);  // SO-UNMAPPED still waits for its location
}

// An order at an unmapped location waits too, and is read again after a
// restart (the location map is config).
TEST(ErpFeed, AnOrderAtAnUnmappedLocationWaitsAndIsReadAgainAfterARestart) {
  CHECK_TRUE(feed->poll().ok());
  const std::string so = id_of("salesOrder", "SO-UNMAPPED");
  bool waits = false;
  for (const auto& w : feed->stats().waiting) waits = waits || (w.id == so && w.reason == "unmapped_location");
  CHECK_TRUE(waits);
  // Restarted with location 6 mapped to site-1.
  feed.reset();
  ErpFeedOptions o;
  o.page_size = 3;
  o.timeout = Millis(5000);
  o.site_locations = {{"1", "site-1"}, {"2", "site-2"}, {"6", "site-1"}};
  o.sites = parse_site_list("site-1, site-2");
  feed = std::move(ErpFeed::open(*http, sim->url(), nullptr, *outbox, *store, *committer, clock, o).value());
  CHECK_TRUE(feed->poll().ok());
  bool released = false;
  for (const v1::Command& c : commands("site-1", v1::Command::kSalesOrderRelease))
    released = released || c.sales_order_release().erp_order_id() == so;
  CHECK_TRUE(released);
  LONGS_EQUAL(0, feed->stats().waiting_total);
}

// The order's ship-to address subrecord goes down with the release, in
// Clarus's address lines; an order without one goes without.
TEST(ErpFeed, AReleaseCarriesTheOrdersShipToAddress) {
  admin("/_sim/seed", R"({"salesOrders":[{"externalId":"SO-ADDR","location":"1","custbody_released_to_wms":true,
    "email":"buyer@example.com","shipDate":"2026-11-30",
    "shippingAddress":{"addressee":"Acme Ltd","addr1":"1 Quay St","addr2":"Unit 4","city":"Bristol","state":"Avon",
                       "zip":"BS1 4DJ","country":"GB","addrPhone":"+44 117 000 0000"},
    "lines":[{"line":1,"item":"1001","quantity":1,"location":"1"}]}]})");
  CHECK_TRUE(feed->poll().ok());
  const std::string so = id_of("salesOrder", "SO-ADDR");
  bool seen = false;
  for (const v1::Command& c : commands("site-1", v1::Command::kSalesOrderRelease)) {
    const v1::SalesOrderRelease& r = c.sales_order_release();
    if (r.erp_order_id() == so) {
      seen = true;
      STRCMP_EQUAL("Acme Ltd", r.ship_to().name().c_str());
      STRCMP_EQUAL("1 Quay St", r.ship_to().address_1().c_str());
      STRCMP_EQUAL("Unit 4", r.ship_to().address_2().c_str());
      STRCMP_EQUAL("Bristol", r.ship_to().address_3().c_str());
      STRCMP_EQUAL("Avon", r.ship_to().address_4().c_str());
      STRCMP_EQUAL("BS1 4DJ", r.ship_to().postcode().c_str());
      STRCMP_EQUAL("GB", r.ship_to().country_code().c_str());
      STRCMP_EQUAL("+44 117 000 0000", r.ship_to().phone_number().c_str());
      STRCMP_EQUAL("buyer@example.com", r.ship_to().email_address().c_str());
      STRCMP_EQUAL("2026-11-30", r.expected_dispatch_date().c_str());
    } else if (r.order_number() == "SO-1" || r.erp_order_id() == id_of("salesOrder", "SO-1")) {
      STRCMP_EQUAL("", r.ship_to().address_1().c_str());  // seeded without an address
    }
  }
  CHECK_TRUE(seen);
}

namespace {

// Passes requests on and keeps the SuiteQL queries, to see what the feed asks.
class RecordingHttp final : public HttpClient {
 public:
  explicit RecordingHttp(HttpClient& inner) : inner_(inner) {}
  Result<HttpResponse> send(const ClientRequest& r) override {
    if (r.url.find("/query/v1/suiteql") != std::string::npos) {
      Result<Json> q = Json::parse(r.body);
      if (q.ok()) queries.push_back(q->get_string("q"));
    }
    return inner_.send(r);
  }
  std::vector<std::string> queries;

 private:
  HttpClient& inner_;
};

}  // namespace

// Each poll reads from two minutes behind its cursor, so a row committed late
// with an earlier stamp is still read.
TEST(ErpFeed, APollReadsFromTheOverlapBehindItsCursor) {
  CHECK_TRUE(feed->poll().ok());
  const std::string cursor = feed->stats().cursors["item"];
  CHECK_FALSE(cursor.empty());
  RecordingHttp recording(*http);
  feed.reset();
  ErpFeedOptions o;
  o.timeout = Millis(5000);
  o.site_locations = {{"1", "site-1"}, {"2", "site-2"}};
  o.overlap = Millis(120'000);
  feed = std::move(ErpFeed::open(recording, sim->url(), nullptr, *outbox, *store, *committer, clock, o).value());
  CHECK_TRUE(feed->poll().ok());
  int64_t at = 0;
  CHECK_TRUE(parse_iso8601(cursor + "Z", &at));
  const std::string expected = "TO_TIMESTAMP('" + format_iso8601(at - 120'000).substr(0, 19) + "'";
  bool seen = false;
  for (const std::string& q : recording.queries)
    seen = seen || (q.find("FROM item") != std::string::npos && q.find(expected) != std::string::npos);
  CHECK_TEXT(seen, (expected + " not in: " + (recording.queries.empty() ? "" : recording.queries.front())).c_str());
}

// A waiting row whose reason becomes one waiting cannot cure stops waiting.
TEST(ErpFeed, AWaitingRowThatNoLongerNeedsToWaitLeavesTheWaitingList) {
  const std::string so = seed_order_waiting_for_carrier("9101", "SO-DONE");
  const uint64_t waiting = feed->stats().waiting_total;
  // Fulfilled in the ERP meanwhile (no open lines), the ship item still without a carrier code.
  admin("/_sim/seed", R"({"shipItems":[{"id":"9101","itemid":"Courier 9101","carrier":"UPS","serviceCode":"STD"}]})");
  ClientRequest f;
  f.method = "POST";
  f.url = sim->url() + "/services/rest/record/v1/salesOrder/" + so + "/!transform/itemFulfillment";
  f.body = R"({"item":{"items":[{"orderLine":1,"quantity":2}]}})";
  Result<HttpResponse> done = http->send(f);
  CHECK_TRUE(done.ok());
  LONGS_EQUAL_TEXT(204, done->status, done->body.c_str());
  CHECK_TRUE(feed->poll().ok());
  for (const auto& w : feed->stats().waiting) CHECK_TRUE(w.id != so);
  LONGS_EQUAL(waiting - 1, feed->stats().waiting_total);
}
