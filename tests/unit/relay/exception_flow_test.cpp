// Held events as exceptions at the relay: raised in the commit that holds the
// event, with class, owner and reason; retried, corrected or discarded by a
// person (each in the audit trail); re-validated when master data changes;
// resolved by themselves when they post or the ERP turns out to hold them.
// Real threads, the memory store twin, an in-test ERP (ScriptedErp).
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/log.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/exception_actions.h"
#include "relay/ledger.h"
#include "relay/poster.h"
#include "tests/unit/relay/relay_fixtures.h"
#include "tests/unit/relay/scripted_erp.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;
using namespace sb::relay::test;

namespace {

v1::Event shipment(uint64_t seq, const std::string& event_id, const std::string& carrier) {
  v1::Event e;
  e.set_event_id(event_id);
  e.set_site_id("site-a");
  e.set_seq(seq);
  e.set_occurred_at_ms(1'764'172'800'000);
  e.set_business_key("order:SO-" + event_id);
  v1::Shipment* s = e.mutable_shipment();
  s->set_order_reference("SO-" + event_id);
  s->set_erp_order_id("77");
  s->set_carrier(carrier);
  s->set_carrier_service("24");
  s->set_warehouse("WH1");
  return e;
}

PosterOptions options() {
  PosterOptions o;
  o.max_concurrency = 2;
  o.backoff = BackoffPolicy{Millis(5), Millis(20)};
  o.coalesce_max = 1;
  return o;
}

}  // namespace

TEST_GROUP(RelayExceptions) {
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<ExceptionBook> book;
  ScriptedErp erp;
  Outcomes outcomes;
  std::unique_ptr<Poster> poster;

  void setup() override {
    log::set_level(log::Level::kError);
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    ledger = Ledger::open(*store, *committer, SystemClock::instance()).value();
    book = ExceptionBook::open(*store, *committer, SystemClock::instance(), "exceptions").value();
  }
  void teardown() override {
    poster.reset();
    book.reset();
    ledger.reset();
    committer.reset();
    store.reset();
  }
  void start_poster() {
    poster = std::make_unique<Poster>(*ledger, erp, SystemClock::instance(), options(),
                                      [this](const std::string& site, const std::string& epoch,
                                             const v1::EventOutcome& o) { outcomes.add(site, epoch, o); });
    poster->set_exception_book(book.get());
    Status s = poster->load();
    CHECK_TEXT(s.ok(), s.to_string().c_str());
    poster->start();
  }
  void restart_poster() {
    poster.reset();
    start_poster();
  }
  void deliver(const std::vector<v1::Event>& events) {
    v1::UplinkBatch b = batch("site-a", "e1", events);
    Result<std::vector<IntakeResult>> r = ledger->accept({&b});
    CHECK_TEXT(r.ok(), r.status().to_string().c_str());
    poster->enqueue(r->front().fresh);
    poster->enqueue_held(r->front().held);
  }
  ExceptionRecord exception_of(const std::string& event_id) {
    Result<ExceptionRecord> x = book->find_subject("event", event_id);
    CHECK_TEXT(x.ok(), x.status().to_string().c_str());
    return x.ok() ? *x : ExceptionRecord{};
  }
  std::string state(const std::string& event_id) { return ledger->state_of(event_id).value(); }
  static void settle() { std::this_thread::sleep_for(Millis(40)); }
  // Held, its exception raised, and the poster done with it (its site was told).
  bool held(const std::string& event_id) {
    return eventually([&] {
      return state(event_id) == "held" && book->find_subject("event", event_id).ok() &&
             outcomes.has(event_id, v1::EventOutcome::HELD);
    });
  }
};

TEST(RelayExceptions, AHeldEventIsAnExceptionWithClassOwnerAndReasonAndOnlyItsKeyWaits) {
  erp.script_post("a-1", ErpOutcome::rejected("SKU FLOOR-1 is not an item in the ERP (UNKNOWN_SKU)", "UNKNOWN_SKU"));
  start_poster();
  deliver({adjustment("site-a", 1, "a-1", "FLOOR-1@WH1", "FLOOR-1"), adjustment("site-a", 2, "a-2", "FLOOR-1@WH1", "FLOOR-1"),
           adjustment("site-a", 3, "b-1", "SKU-2@WH1", "SKU-2")});
  CHECK(held("a-1"));
  CHECK(eventually([&] { return outcomes.has("b-1", v1::EventOutcome::POSTED); }));

  ExceptionRecord x = exception_of("a-1");
  STRCMP_EQUAL("UNKNOWN_SKU", x.cls.c_str());
  STRCMP_EQUAL("finance", x.owner.c_str());
  STRCMP_EQUAL("site-a", x.site.c_str());
  STRCMP_EQUAL("FLOOR-1@WH1", x.key.c_str());
  CHECK(x.reason.find("not an item in the ERP") != std::string::npos);
  CHECK(x.state == ExceptionState::kOpen);
  CHECK(x.detail.find("\"sku\":\"FLOOR-1\"") != std::string::npos);
  SeenOutcome seen;
  CHECK(outcomes.has("a-1", v1::EventOutcome::HELD, &seen));
  STRCMP_EQUAL("UNKNOWN_SKU", seen.outcome.exception_class().c_str());
  STRCMP_EQUAL(x.id.c_str(), seen.outcome.exception_id().c_str());
  LONGS_EQUAL(0, erp.posts_of("a-2"));  // waits behind its key's head
  LONGS_EQUAL(1, poster->waiting_behind("a-1"));
  LONGS_EQUAL(1, book->counts().by_class["UNKNOWN_SKU"]);
}

TEST(RelayExceptions, ARetryAfterTheFixPostsTheEventAndResolvesItsExceptionThenTheKeyFlows) {
  erp.script_post("a-1", ErpOutcome::rejected("the ERP refused it", "ERP_REJECTED"));
  start_poster();
  deliver({adjustment("site-a", 1, "a-1", "K"), adjustment("site-a", 2, "a-2", "K")});
  CHECK(held("a-1"));
  Status s = poster->retry_held("a-1", ExceptionAction::by("alice", "retry", "account reopened"));
  CHECK_TEXT(s.ok(), s.to_string().c_str());
  CHECK(eventually([&] { return state("a-1") == "posted" && state("a-2") == "posted"; }));
  CHECK(eventually([&] { return exception_of("a-1").state == ExceptionState::kResolved; }));
  ExceptionRecord x = exception_of("a-1");
  LONGS_EQUAL(3, x.trail.size());  // raised, retry by alice, resolved
  STRCMP_EQUAL("alice", x.trail[1].who.c_str());
  STRCMP_EQUAL("account reopened", x.trail[1].note.c_str());
  CHECK(x.trail[2].note.find("posted as ERP record") != std::string::npos);
  LONGS_EQUAL(0, book->counts().open);
  // Retrying what is no longer held is refused and changes nothing.
  LONGS_EQUAL(static_cast<int>(Code::kNotFound), static_cast<int>(poster->retry_held("a-1", ExceptionAction::by("bob", "retry", "")).code()));
}

TEST(RelayExceptions, HeldAgainAfterARetryIsTheSameExceptionWithOneMoreAttempt) {
  erp.script_post("a-1", ErpOutcome::rejected("no", "ERP_REJECTED"));
  erp.script_post("a-1", ErpOutcome::rejected("still no", "ERP_REJECTED"));
  start_poster();
  deliver({adjustment("site-a", 1, "a-1", "K")});
  CHECK(held("a-1"));
  const std::string id = exception_of("a-1").id;
  CHECK(poster->retry_held("a-1", ExceptionAction::by("alice", "retry", "")).ok());
  CHECK(eventually([&] { return exception_of("a-1").attempts == 2; }));
  ExceptionRecord x = exception_of("a-1");
  STRCMP_EQUAL(id.c_str(), x.id.c_str());
  CHECK(x.state == ExceptionState::kOpen);
  STRCMP_EQUAL("still no", x.reason.c_str());
  STRCMP_EQUAL("held", state("a-1").c_str());
}

TEST(RelayExceptions, AnEditCorrectsTheHeldEventAndTheErpGetsTheCorrection) {
  erp.script_post("s-1", ErpOutcome::rejected("carrier RM service 24 has no active ship item (UNKNOWN_CARRIER)", "UNKNOWN_CARRIER"));
  start_poster();
  deliver({shipment(1, "s-1", "RM")});
  CHECK(held("s-1"));
  ExceptionRecord x = exception_of("s-1");
  STRCMP_EQUAL("IT", x.owner.c_str());

  RelayExceptionActions actions(*ledger, *poster);
  std::vector<std::string> fields = actions.editable(x);
  CHECK(std::find(fields.begin(), fields.end(), "carrier") != fields.end());
  Status s = actions.edit(x, {{"carrier", "ROYALMAIL"}}, "carol", "carrier renamed in Clarus");
  CHECK_TEXT(s.ok(), s.to_string().c_str());
  CHECK(eventually([&] { return state("s-1") == "posted"; }));
  STRCMP_EQUAL("ROYALMAIL", erp.last_posted("s-1").shipment().carrier().c_str());
  CHECK(eventually([&] { return exception_of("s-1").state == ExceptionState::kResolved; }));
  x = exception_of("s-1");
  STRCMP_EQUAL("edit", x.trail[1].action.c_str());
  STRCMP_EQUAL("carol", x.trail[1].who.c_str());
  STRCMP_EQUAL("carrier: 'RM' -> 'ROYALMAIL'", x.trail[1].change.c_str());
  CHECK(x.detail.find("ROYALMAIL") != std::string::npos);

  // A field the event does not have is refused, and nothing changes.
  erp.script_post("s-2", ErpOutcome::rejected("no", "UNKNOWN_CARRIER"));
  deliver({shipment(2, "s-2", "RM")});
  CHECK(held("s-2"));
  Status bad = actions.edit(exception_of("s-2"), {{"sku", "X"}}, "carol", "");
  LONGS_EQUAL(static_cast<int>(Code::kInvalidArgument), static_cast<int>(bad.code()));
  STRCMP_EQUAL("held", state("s-2").c_str());
  LONGS_EQUAL(1, exception_of("s-2").trail.size());
}

TEST(RelayExceptions, ADiscardTakesTheEventOutOfCustodyWithAnAuditEntryAndItsKeyGoesOn) {
  erp.script_post("a-1", ErpOutcome::rejected("5 EA is not a whole number of cases (UOM_NOT_CONVERTIBLE)", "UOM_NOT_CONVERTIBLE"));
  start_poster();
  deliver({adjustment("site-a", 1, "a-1", "K"), adjustment("site-a", 2, "a-2", "K")});
  CHECK(held("a-1"));
  Status s = poster->discard_held("a-1", ExceptionAction::by("dave", "discard", "recounted: the 5 were a miscount"));
  CHECK_TEXT(s.ok(), s.to_string().c_str());
  CHECK(eventually([&] { return state("a-2") == "posted"; }));
  STRCMP_EQUAL("discarded", state("a-1").c_str());
  CHECK_FALSE(erp.holds("a-1"));
  CHECK(outcomes.has("a-1", v1::EventOutcome::DISCARDED));
  ExceptionRecord x = exception_of("a-1");
  CHECK(x.state == ExceptionState::kDiscarded);
  STRCMP_EQUAL("dave", x.trail.back().who.c_str());
  STRCMP_EQUAL("recounted: the 5 were a miscount", x.trail.back().note.c_str());
  UNSIGNED_LONGS_EQUAL(1, ledger->stats().discarded);
  UNSIGNED_LONGS_EQUAL(0, ledger->stats().held);
  UNSIGNED_LONGS_EQUAL(0, ledger->stats().pending);
  // A resend of the discarded event is not taken again.
  v1::UplinkBatch again = batch("site-a", "e2", {adjustment("site-a", 1, "a-1", "K")});
  Result<std::vector<IntakeResult>> r = ledger->accept({&again});
  CHECK(r.ok());
  CHECK(r->front().fresh.empty());
}

TEST(RelayExceptions, MasterDataChangesReleaseOnlyTheClassesThatWaitForIt) {
  erp.script_post("u-1", ErpOutcome::rejected("SKU NEW-1 is not an item in the ERP (UNKNOWN_SKU)", "UNKNOWN_SKU"));
  erp.script_post("o-1", ErpOutcome::rejected("more than open (OVER_SHIPMENT)", "OVER_SHIPMENT"));
  start_poster();
  deliver({adjustment("site-a", 1, "u-1", "K1", "NEW-1"), shipment(2, "o-1", "ROYALMAIL")});
  CHECK(held("u-1"));
  CHECK(held("o-1"));
  LONGS_EQUAL(1, poster->revalidate_master_data("item NEW-1 changed in the ERP"));
  CHECK(erp.refreshes() >= 1);
  CHECK(eventually([&] { return state("u-1") == "posted"; }));
  CHECK(eventually([&] { return exception_of("u-1").state == ExceptionState::kResolved; }));
  ExceptionRecord u = exception_of("u-1");
  LONGS_EQUAL(2, u.trail.size());  // raised, resolved: a re-validation writes only what came of it
  STRCMP_EQUAL("system", u.trail[1].who.c_str());
  STRCMP_EQUAL("re-validated (item NEW-1 changed in the ERP): posted as ERP record IA-1", u.trail[1].note.c_str());
  STRCMP_EQUAL("held", state("o-1").c_str());
  LONGS_EQUAL(1, exception_of("o-1").trail.size());
  LONGS_EQUAL(0, poster->revalidate_master_data("again"));  // nothing left that master data clears
}

TEST(RelayExceptions, AReValidationThatFindsTheSameProblemLeavesTheExceptionAsItWas) {
  erp.script_post("u-1", ErpOutcome::rejected("SKU NEW-1 is not an item in the ERP (UNKNOWN_SKU)", "UNKNOWN_SKU"));
  erp.script_post("u-1", ErpOutcome::rejected("SKU NEW-1 is not an item in the ERP (UNKNOWN_SKU)", "UNKNOWN_SKU"));
  erp.script_post("u-1", ErpOutcome::rejected("item NEW-1 is inactive in the ERP (INACTIVE_SKU)", "INACTIVE_SKU"));
  start_poster();
  deliver({adjustment("site-a", 1, "u-1", "K1", "NEW-1")});
  CHECK(held("u-1"));
  LONGS_EQUAL(1, poster->revalidate_master_data("item OTHER changed in the ERP"));
  CHECK(eventually([&] { return erp.posts_of("u-1") == 2 && state("u-1") == "held" && poster->stats().blocked_keys == 1; }));
  settle();
  ExceptionRecord x = exception_of("u-1");
  LONGS_EQUAL(1, x.trail.size());
  LONGS_EQUAL(1, x.attempts);
  CHECK(x.state == ExceptionState::kOpen);
  // Held again for another reason: that is news, and it is written down.
  LONGS_EQUAL(1, poster->revalidate_master_data("item NEW-1 changed in the ERP"));
  CHECK(eventually([&] { return exception_of("u-1").cls == "INACTIVE_SKU"; }));
  x = exception_of("u-1");
  LONGS_EQUAL(2, x.trail.size());
  LONGS_EQUAL(2, x.attempts);
}

TEST(RelayExceptions, ARetriedEventTheErpAlreadyHoldsResolvesAsSupersededWithoutASecondRecord) {
  erp.script_post("a-1", ErpOutcome::rejected("the ERP refused it", "ERP_REJECTED"));
  start_poster();
  deliver({adjustment("site-a", 1, "a-1", "K")});
  CHECK(held("a-1"));
  erp.hold_record("a-1", "IA-900");  // someone keyed it into the ERP by hand, with our external id
  CHECK(poster->retry_held("a-1", ExceptionAction::by("erin", "retry", "")).ok());
  CHECK(eventually([&] { return exception_of("a-1").state == ExceptionState::kResolved; }));
  std::string erp_id;
  CHECK_TRUE(ledger->state_of("a-1", &erp_id).ok());
  STRCMP_EQUAL("IA-900", erp_id.c_str());
  CHECK(exception_of("a-1").trail.back().note.find("superseded") != std::string::npos);
  LONGS_EQUAL(0, erp.posts_of("a-1") - 1);  // only the first, refused post
}

TEST(RelayExceptions, AfterARestartAHeldEventKeepsItsOneExceptionAndARetryStillResolvesIt) {
  erp.script_post("a-1", ErpOutcome::rejected("the ERP refused it", "ERP_REJECTED"));
  erp.script_post("a-1", ErpOutcome::retry("ERP down", false));
  start_poster();
  deliver({adjustment("site-a", 1, "a-1", "K")});
  CHECK(held("a-1"));
  const std::string id = exception_of("a-1").id;
  restart_poster();
  PosterStats ps = poster->stats();
  UNSIGNED_LONGS_EQUAL(1, ps.blocked_keys);
  CHECK(poster->retry_held("a-1", ExceptionAction::by("alice", "retry", "")).ok());
  restart_poster();  // retried, not yet posted: the exception is still 'retrying'
  CHECK(eventually([&] { return state("a-1") == "posted"; }));
  CHECK(eventually([&] { return exception_of("a-1").state == ExceptionState::kResolved; }));
  STRCMP_EQUAL(id.c_str(), exception_of("a-1").id.c_str());
  Result<std::vector<ExceptionRecord>> all = book->list({});
  LONGS_EQUAL(1, all->size());
}

TEST(RelayExceptions, AnInvalidEventHeldAtIntakeIsAnExceptionForIT) {
  start_poster();
  v1::Event bad = adjustment("site-a", 1, "x-1", "");
  deliver({bad});
  CHECK(eventually([&] { return book->find_subject("event", "x-1").ok(); }));
  ExceptionRecord x = exception_of("x-1");
  STRCMP_EQUAL("INVALID_EVENT", x.cls.c_str());
  STRCMP_EQUAL("IT", x.owner.c_str());
  CHECK(poster->discard_held("x-1", ExceptionAction::by("ivan", "discard", "test event from a bench")).ok());
  STRCMP_EQUAL("discarded", state("x-1").c_str());
}

TEST(RelayExceptions, AChangedItemReleasesOnlyTheHoldsThatNameIt) {
  erp.script_post("u-1", ErpOutcome::rejected("SKU NEW-1 is not an item in the ERP (UNKNOWN_SKU)", "UNKNOWN_SKU"));
  erp.script_post("u-2", ErpOutcome::rejected("SKU NEW-2 is not an item in the ERP (UNKNOWN_SKU)", "UNKNOWN_SKU"));
  erp.script_post("s-1", ErpOutcome::rejected("carrier RM has no ship item (UNKNOWN_CARRIER)", "UNKNOWN_CARRIER"));
  start_poster();
  deliver({adjustment("site-a", 1, "u-1", "K1", "NEW-1"), adjustment("site-a", 2, "u-2", "K2", "NEW-2"),
           shipment(3, "s-1", "RM")});
  CHECK(held("u-1"));
  CHECK(held("u-2"));
  CHECK(held("s-1"));
  MasterDataScope item;
  item.skus = {"NEW-2"};
  LONGS_EQUAL(1, poster->revalidate_master_data("item NEW-2 changed in the ERP", &item));
  CHECK(eventually([&] { return state("u-2") == "posted"; }));
  STRCMP_EQUAL("held", state("u-1").c_str());
  STRCMP_EQUAL("held", state("s-1").c_str());
  LONGS_EQUAL(1, erp.posts_of("u-1"));
  MasterDataScope carrier;
  carrier.carriers = true;
  LONGS_EQUAL(1, poster->revalidate_master_data("ship item ROYALMAIL/24 changed in the ERP", &carrier));
  CHECK(eventually([&] { return state("s-1") == "posted"; }));
  STRCMP_EQUAL("held", state("u-1").c_str());
}
