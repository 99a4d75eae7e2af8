// Checks at the site: the journal's gate holds what the site can tell is
// wrong from the ERP master data it keeps, as exceptions; later events of the
// key wait behind; master data arriving, a retry or an edit send them on in
// order (journaled in the commit that ends the hold); a discard is audited.
// Real LMDB in a scratch directory (a held event survives a reopen).
#include <memory>
#include <string>
#include <vector>

#include "agent/journal.h"
#include "agent/rules/edge_rules.h"
#include "agent/rules/master_data.h"
#include "platform/core/log.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "tests/support/temp_dir.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

v1::Event adjustment(const std::string& id, const std::string& sku, int64_t qty = 2) {
  v1::Event e;
  e.set_event_id(id);
  e.set_site_id("site-1");
  e.set_occurred_at_ms(1'764'172'800'000);
  e.set_business_key("stock:WH1:" + sku);
  v1::StockAdjustment* a = e.mutable_stock_adjustment();
  a->set_sku(sku);
  a->set_warehouse("WH1");
  a->set_quantity_delta(qty);
  a->set_unit("EA");
  return e;
}

v1::Event shipment(const std::string& id, const std::string& carrier, const std::string& tracking) {
  v1::Event e;
  e.set_event_id(id);
  e.set_site_id("site-1");
  e.set_business_key("order:" + id);
  v1::Shipment* s = e.mutable_shipment();
  s->set_shipment_reference("SH-" + id);
  s->set_warehouse("WH1");
  s->set_carrier(carrier);
  s->set_carrier_service("RM1CLS");
  s->set_tracking_number(tracking);
  v1::ShipmentLine* l = s->add_lines();
  l->set_order_line_ref("1");
  l->set_sku("SKU-1");
  l->set_quantity(3);
  return e;
}

v1::Command item(const std::string& sku, bool active) {
  v1::Command c;
  c.mutable_item_upsert()->set_sku(sku);
  c.mutable_item_upsert()->set_active(active);
  return c;
}

v1::Command carrier(const std::string& code, const std::string& pattern) {
  v1::Command c;
  c.mutable_carrier_upsert()->set_carrier(code);
  c.mutable_carrier_upsert()->set_service("RM1CLS");
  c.mutable_carrier_upsert()->set_tracking_pattern(pattern);
  return c;
}

}  // namespace

TEST_GROUP(EdgeRules) {
  testing::TempDir dir{"edge-rules"};
  std::unique_ptr<KvStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<MasterData> master;
  std::unique_ptr<ExceptionBook> book;
  std::unique_ptr<EdgeRules> rules;

  void setup() override {
    log::set_level(log::Level::kError);
    open();
  }
  void teardown() override { close(); }
  void open(EdgeRulesOptions options = {}, JournalOptions jo = {}) {
    LmdbOptions o;
    o.path = dir.file("journal");
    store = open_lmdb_store(o).value();
    committer = std::make_unique<GroupCommitter>(*store);
    journal = Journal::open(*store, *committer, SystemClock::instance(), jo).value();
    master = MasterData::open(*store, *committer).value();
    book = ExceptionBook::open(*store, *committer, SystemClock::instance(), "exceptions").value();
    rules = EdgeRules::open(*store, *committer, *journal, *master, *book, options).value();
    journal->set_gate(rules.get());
  }
  void close() {
    rules.reset();
    book.reset();
    master.reset();
    journal.reset();
    committer.reset();
    store.reset();
  }
  std::vector<AppendResult> append(std::vector<v1::Event> events) {
    Result<std::vector<AppendResult>> r = journal->append(events);
    CHECK_TEXT(r.ok(), r.status().to_string().c_str());
    return r.ok() ? *r : std::vector<AppendResult>{};
  }
  // Event ids in the journal, in seq order: what the relay will get.
  std::vector<std::string> forwarded() {
    std::vector<std::string> out;
    CHECK(journal->read(1, 1000, 1 << 20, [&](uint64_t, std::string_view b) { out.emplace_back(peek_event_id(b)); }).ok());
    return out;
  }
  ExceptionRecord exception_of(const std::string& event_id) {
    Result<ExceptionRecord> x = book->find_subject("event", event_id);
    CHECK_TEXT(x.ok(), x.status().to_string().c_str());
    return x.ok() ? *x : ExceptionRecord{};
  }
};

TEST(EdgeRules, WithNoMasterDataEverythingGoesOnToTheRelay) {
  std::vector<AppendResult> r = append({adjustment("a-1", "SKU-1"), shipment("s-1", "ANY", "")});
  CHECK_FALSE(r[0].held);
  CHECK_FALSE(r[1].held);
  LONGS_EQUAL(2, forwarded().size());
  LONGS_EQUAL(0, rules->stats().held_events);
}

TEST(EdgeRules, AnInactiveItemIsHeldForFinanceAndItsKeyWaitsWhileOthersFlow) {
  CHECK(master->record(item("SKU-9", false)).ok());
  std::vector<AppendResult> r =
      append({adjustment("a-1", "SKU-9"), adjustment("b-1", "SKU-1"), adjustment("a-2", "SKU-9")});
  CHECK(r[0].held);
  CHECK_FALSE(r[1].held);
  CHECK(r[2].held);  // waits behind a-1
  CHECK(forwarded() == std::vector<std::string>{"b-1"});
  ExceptionRecord x = exception_of("a-1");
  STRCMP_EQUAL("INACTIVE_SKU", x.cls.c_str());
  STRCMP_EQUAL("finance", x.owner.c_str());
  CHECK(x.reason.find("SKU-9 is inactive") != std::string::npos);
  CHECK_FALSE(book->find_subject("event", "a-2").ok());  // waiting, not an exception of its own
  LONGS_EQUAL(1, rules->waiting_behind("a-1"));
  LONGS_EQUAL(2, rules->stats().held_events);
  // A resend of a held event is a duplicate: not held or journaled twice.
  std::vector<AppendResult> again = append({adjustment("a-1", "SKU-9")});
  CHECK(again[0].duplicate);
  LONGS_EQUAL(2, rules->stats().held_events);
}

TEST(EdgeRules, WhenTheItemIsActiveAgainTheHeldEventsGoOnInOrderByThemselves) {
  CHECK(master->record(item("SKU-9", false)).ok());
  append({adjustment("a-1", "SKU-9"), adjustment("a-2", "SKU-9"), adjustment("b-1", "SKU-1")});
  LONGS_EQUAL(0, rules->revalidate("nothing changed"));
  LONGS_EQUAL(1, exception_of("a-1").trail.size());  // a re-validation that changes nothing writes nothing

  CHECK(master->record(item("SKU-9", true)).ok());
  LONGS_EQUAL(2, rules->revalidate("item SKU-9 arrived from the ERP"));
  CHECK(forwarded() == (std::vector<std::string>{"b-1", "a-1", "a-2"}));
  ExceptionRecord x = exception_of("a-1");
  CHECK(x.state == ExceptionState::kResolved);
  STRCMP_EQUAL("system", x.trail.back().who.c_str());
  CHECK(x.trail.back().note.find("item SKU-9 arrived from the ERP") != std::string::npos);
  LONGS_EQUAL(0, rules->stats().held_events);
  LONGS_EQUAL(3, journal->last_seq());
}

TEST(EdgeRules, AnUnknownCarrierIsFixedByAnEditAndTheCorrectionIsForwarded) {
  CHECK(master->record(carrier("ROYALMAIL", "^[A-Z]{2}[0-9]{9}GB$")).ok());
  std::vector<AppendResult> r = append({shipment("s-1", "RM", "AB123456789GB")});
  CHECK(r[0].held);
  ExceptionRecord x = exception_of("s-1");
  STRCMP_EQUAL("UNKNOWN_CARRIER", x.cls.c_str());
  STRCMP_EQUAL("IT", x.owner.c_str());

  // An edit that still fails is refused and changes nothing.
  v1::Event wrong = rules->held_event("s-1").value();
  wrong.mutable_shipment()->set_carrier("ROYAL");
  LONGS_EQUAL(static_cast<int>(Code::kInvalidArgument), static_cast<int>(rules->edit(wrong, ExceptionAction::by("ian", "edit")).code()));
  CHECK(forwarded().empty());

  v1::Event fixed = rules->held_event("s-1").value();
  fixed.mutable_shipment()->set_carrier("ROYALMAIL");
  ExceptionAction a = ExceptionAction::by("ian", "edit", "renamed in Clarus");
  a.change = "carrier: 'RM' -> 'ROYALMAIL'";
  CHECK(rules->edit(fixed, a).ok());
  CHECK(forwarded() == std::vector<std::string>{"s-1"});
  v1::Event sent;
  CHECK(journal->read(1, 1, 1 << 20, [&](uint64_t, std::string_view b) { sent.ParseFromArray(b.data(), static_cast<int>(b.size())); }).ok());
  STRCMP_EQUAL("ROYALMAIL", sent.shipment().carrier().c_str());
  x = exception_of("s-1");
  CHECK(x.state == ExceptionState::kResolved);
  STRCMP_EQUAL("ian", x.trail.back().who.c_str());
  STRCMP_EQUAL("carrier: 'RM' -> 'ROYALMAIL'", x.trail.back().change.c_str());
}

TEST(EdgeRules, AMissingTrackingNumberIsHeldForTheWarehouseAndAnAliasLetsTheCarrierThrough) {
  close();
  EdgeRulesOptions o;
  o.carrier_aliases = {{"RM", "ROYALMAIL"}};
  open(o);
  CHECK(master->record(carrier("ROYALMAIL", "^[A-Z]{2}[0-9]{9}GB$")).ok());
  std::vector<AppendResult> r = append({shipment("s-1", "RM", ""), shipment("s-2", "RM", "AB123456789GB")});
  CHECK(r[0].held);
  CHECK_FALSE(r[1].held);
  ExceptionRecord x = exception_of("s-1");
  STRCMP_EQUAL("BAD_TRACKING", x.cls.c_str());
  STRCMP_EQUAL("warehouse", x.owner.c_str());
  // A retry that still fails is held again, with the attempt counted.
  CHECK(rules->retry("s-1", ExceptionAction::by("wendy", "retry")).ok());
  x = exception_of("s-1");
  LONGS_EQUAL(2, x.attempts);
  CHECK(x.state == ExceptionState::kOpen);
  STRCMP_EQUAL("wendy", x.trail.back().who.c_str());
  CHECK(forwarded() == std::vector<std::string>{"s-2"});
}

TEST(EdgeRules, ADiscardIsAuditedAndTheEventsBehindItGoOn) {
  CHECK(master->record(item("SKU-9", false)).ok());
  append({adjustment("a-1", "SKU-9"), adjustment("a-2", "SKU-9")});
  CHECK(master->record(item("SKU-9", true)).ok());  // no re-validation yet: a-1 is still held
  LONGS_EQUAL(static_cast<int>(Code::kFailedPrecondition),
              static_cast<int>(rules->discard("a-2", ExceptionAction::by("dave", "discard", "x")).code()));  // not the head
  CHECK(rules->discard("a-1", ExceptionAction::by("dave", "discard", "booked by hand in the ERP")).ok());
  CHECK(forwarded() == std::vector<std::string>{"a-2"});
  ExceptionRecord x = exception_of("a-1");
  CHECK(x.state == ExceptionState::kDiscarded);
  STRCMP_EQUAL("booked by hand in the ERP", x.trail.back().note.c_str());
  LONGS_EQUAL(static_cast<int>(Code::kNotFound), static_cast<int>(rules->retry("a-1", ExceptionAction::by("dave", "retry")).code()));
  LONGS_EQUAL(1, rules->stats().discarded);
}

TEST(EdgeRules, HeldEventsAndTheirExceptionsSurviveAReopen) {
  CHECK(master->record(item("SKU-9", false)).ok());
  append({adjustment("a-1", "SKU-9"), adjustment("a-2", "SKU-9")});
  close();
  open();
  LONGS_EQUAL(2, rules->stats().held_events);
  LONGS_EQUAL(1, master->items());
  STRCMP_EQUAL("INACTIVE_SKU", exception_of("a-1").cls.c_str());
  CHECK(master->record(item("SKU-9", true)).ok());
  LONGS_EQUAL(2, rules->revalidate("item SKU-9 arrived from the ERP"));
  CHECK(forwarded() == (std::vector<std::string>{"a-1", "a-2"}));
}

TEST(EdgeRules, AnUnmappedWarehouseAndANegativeShipmentAreHeld) {
  close();
  EdgeRulesOptions o;
  o.location_map = {{"WH1", "1"}};
  open(o);
  v1::Event elsewhere = adjustment("a-1", "SKU-1");
  elsewhere.mutable_stock_adjustment()->set_warehouse("WH7");
  elsewhere.set_business_key("stock:WH7:SKU-1");
  v1::Event negative = shipment("s-1", "ROYALMAIL", "AB123456789GB");
  negative.mutable_shipment()->mutable_lines(0)->set_quantity(-1);
  std::vector<AppendResult> r = append({elsewhere, negative});
  CHECK(r[0].held);
  CHECK(r[1].held);
  STRCMP_EQUAL("UNMAPPED_LOCATION", exception_of("a-1").cls.c_str());
  STRCMP_EQUAL("INVALID_EVENT", exception_of("s-1").cls.c_str());
  CHECK(forwarded().empty());
}

TEST(EdgeRules, HeldEventsCountTowardTheJournalsHardCap) {
  close();
  JournalOptions jo;
  jo.max_events = 3;
  open({}, jo);
  CHECK(master->record(item("SKU-9", false)).ok());
  append({adjustment("a-1", "SKU-9"), adjustment("a-2", "SKU-9"), adjustment("b-1", "SKU-1")});
  std::vector<v1::Event> more{adjustment("b-2", "SKU-1")};
  Result<std::vector<AppendResult>> r = journal->append(more);
  LONGS_EQUAL(static_cast<int>(Code::kResourceExhausted), static_cast<int>(r.status().code()));
  LONGS_EQUAL(2, rules->stats().held_events);
}
