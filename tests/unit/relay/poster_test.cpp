// Poster: what reaches the ERP, in which order, and what the ledger and the
// sites hear back. Real time and threads, an in-test ERP (ScriptedErp), the
// memory store twin; waits poll with a deadline.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/log.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/ledger.h"
#include "relay/poster.h"
#include "tests/unit/relay/relay_fixtures.h"
#include "tests/unit/relay/scripted_erp.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;
using namespace sb::relay::test;

namespace {

PosterOptions fast_options(int max_concurrency = 4) {
  PosterOptions o;
  o.max_concurrency = max_concurrency;
  o.min_concurrency = 1;
  o.backoff = BackoffPolicy{Millis(5), Millis(20)};
  o.raise_after = 20;
  o.coalesce_max = 1;  // order and retry tests see every event posted alone; coalescing has its own tests
  return o;
}

}  // namespace

TEST_GROUP(Poster) {
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Ledger> ledger;
  ScriptedErp erp;
  Outcomes outcomes;
  std::unique_ptr<Poster> poster;

  void setup() override {
    log::set_level(log::Level::kError);
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    Result<std::unique_ptr<Ledger>> l = Ledger::open(*store, *committer, SystemClock::instance());
    CHECK_TEXT(l.ok(), l.status().to_string().c_str());
    ledger = std::move(l).value();
  }
  void teardown() override {
    poster.reset();  // joins its workers before the ledger goes
    ledger.reset();
    committer.reset();
    store.reset();
  }

  void start_poster(PosterOptions options) {
    poster = std::make_unique<Poster>(*ledger, erp, SystemClock::instance(), options,
                                      [this](const std::string& site, const std::string& epoch,
                                             const v1::EventOutcome& o) { outcomes.add(site, epoch, o); });
    Status s = poster->load();
    CHECK_TEXT(s.ok(), s.to_string().c_str());
    poster->start();
  }

  // Takes the events into the ledger (epoch "e1") and hands them to the poster, as the intake does.
  IntakeResult deliver(const std::string& site, const std::vector<v1::Event>& events) {
    IntakeResult r = take(site, events);
    if (poster) {
      poster->enqueue(r.fresh);
      poster->enqueue_held(r.held);
    }
    return r;
  }
  IntakeResult take(const std::string& site, const std::vector<v1::Event>& events) {
    v1::UplinkBatch b = batch(site, "e1", events);
    Result<std::vector<IntakeResult>> r = ledger->accept({&b});
    CHECK_TEXT(r.ok(), r.status().to_string().c_str());
    return r->front();
  }

  // Both the ledger and the poster have counted n postings (the poster counts after the ledger).
  bool posted_count_reaches(uint64_t n) {
    return eventually([&] { return ledger->stats().posted >= n && poster->stats().posted >= n; });
  }
  std::string state(const std::string& event_id, std::string* erp_id = nullptr) {
    Result<std::string> s = ledger->state_of(event_id, erp_id);
    CHECK(s.ok());
    return *s;
  }
  // Gives a wrongly scheduled post the time it would need to happen.
  static void settle() { std::this_thread::sleep_for(Millis(40)); }
};

TEST(Poster, EventsOfOneKeyPostInLedgerOrderWhileKeysOverlap) {
  erp.set_delay(Millis(8));
  start_poster(fast_options(4));
  std::vector<v1::Event> events;
  const std::vector<std::string> keys = {"SO-1", "SO-2", "SO-3"};
  uint64_t seq = 1;
  for (int round = 0; round < 4; ++round) {
    for (const std::string& k : keys) {
      events.push_back(adjustment("site-a", seq, "ev-" + std::to_string(seq), k));
      ++seq;
    }
  }
  deliver("site-a", events);
  CHECK(posted_count_reaches(12));

  for (const std::string& k : keys) {
    std::vector<ScriptedErp::Call> of_key;
    for (const ScriptedErp::Call& c : erp.calls()) {
      if (c.key == k) of_key.push_back(c);
    }
    LONGS_EQUAL(4, of_key.size());
    for (size_t i = 1; i < of_key.size(); ++i) {
      CHECK_TEXT(of_key[i - 1].seq < of_key[i].seq, ("out of order on key " + k).c_str());
      CHECK_TEXT(of_key[i].start >= of_key[i - 1].end, ("overlap on key " + k).c_str());
    }
  }
  LONGS_EQUAL(0, erp.same_key_overlaps());
  CHECK_TEXT(erp.max_in_flight() >= 2, "different keys should post at the same time");
  CHECK(erp.max_in_flight() <= 4);
  LONGS_EQUAL(12, erp.record_count());
  LONGS_EQUAL(0, erp.duplicate_posts());
  UNSIGNED_LONGS_EQUAL(0, ledger->stats().pending);
}

TEST(Poster, ARejectedEventIsHeldAndBlocksOnlyItsOwnKey) {
  erp.script_post("a-1", ErpOutcome::rejected("Invalid item reference (INVALID_KEY_OR_REF)"));
  start_poster(fast_options(4));
  deliver("site-a", {adjustment("site-a", 1, "a-1", "SO-A"), adjustment("site-a", 2, "a-2", "SO-A"),
                     adjustment("site-a", 3, "b-1", "SO-B"), adjustment("site-a", 4, "a-3", "SO-A"),
                     adjustment("site-a", 5, "b-2", "SO-B")});
  CHECK(eventually([&] { return outcomes.has("b-2", v1::EventOutcome::POSTED) && outcomes.has("a-1", v1::EventOutcome::HELD); }));
  settle();

  CHECK(erp.holds("b-1"));
  CHECK_FALSE(erp.holds("a-1"));
  LONGS_EQUAL(0, erp.posts_of("a-2"));
  LONGS_EQUAL(0, erp.posts_of("a-3"));
  STRCMP_EQUAL("held", state("a-1").c_str());
  STRCMP_EQUAL("pending", state("a-2").c_str());
  STRCMP_EQUAL("pending", state("a-3").c_str());
  STRCMP_EQUAL("posted", state("b-2").c_str());
  PosterStats ps = poster->stats();
  UNSIGNED_LONGS_EQUAL(1, ps.blocked_keys);
  UNSIGNED_LONGS_EQUAL(1, ps.held);
  UNSIGNED_LONGS_EQUAL(2, ps.posted);
  UNSIGNED_LONGS_EQUAL(3, ps.queued);  // a-1 (held) and the two behind it
  LedgerStats ls = ledger->stats();
  UNSIGNED_LONGS_EQUAL(1, ls.held);
  UNSIGNED_LONGS_EQUAL(3, ls.pending);
}

TEST(Poster, ATransientFailureIsRetriedAfterBackoffThenPosted) {
  PosterOptions o = fast_options(2);
  o.backoff = BackoffPolicy{Millis(20), Millis(40)};  // the first retry waits 10..20 ms
  erp.script_post("t-1", ErpOutcome::retry("could not connect", false));
  start_poster(o);
  deliver("site-a", {adjustment("site-a", 1, "t-1", "SO-T")});
  CHECK(posted_count_reaches(1));

  std::vector<ScriptedErp::Call> calls = erp.calls_of("t-1");
  LONGS_EQUAL(2, calls.size());
  STRCMP_EQUAL("post", calls[0].op.c_str());
  STRCMP_EQUAL("post", calls[1].op.c_str());  // nothing was sent, so no lookup first
  CHECK(calls[1].start - calls[0].end >= Millis(9));  // 10 ms less the clock's ms rounding
  STRCMP_EQUAL("posted", state("t-1").c_str());
  PosterStats ps = poster->stats();
  UNSIGNED_LONGS_EQUAL(1, ps.retries);
  UNSIGNED_LONGS_EQUAL(1, ps.posted);
  STRCMP_CONTAINS("could not connect", ps.last_error.c_str());
}

TEST(Poster, ThrottlingHalvesConcurrencyWhichGrowsBackAfterSuccesses) {
  PosterOptions o = fast_options(4);
  o.raise_after = 4;
  erp.script_post("t-0", ErpOutcome::throttle("429 Too Many Requests", Millis(0)));
  start_poster(o);
  LONGS_EQUAL(4, poster->stats().concurrency_limit);
  deliver("site-a", {adjustment("site-a", 1, "t-0", "K0")});
  CHECK(posted_count_reaches(1));  // success 1 of 4
  LONGS_EQUAL(2, poster->stats().concurrency_limit);
  UNSIGNED_LONGS_EQUAL(1, poster->stats().throttled);

  // Three more successes (2..4): at most two calls at once meanwhile.
  erp.set_delay(Millis(15));
  erp.reset_max_in_flight();
  deliver("site-a", {adjustment("site-a", 2, "t-1", "K1"), adjustment("site-a", 3, "t-2", "K2"),
                     adjustment("site-a", 4, "t-3", "K3")});
  CHECK(posted_count_reaches(4));
  CHECK(erp.max_in_flight() <= 2);
  CHECK(eventually([&] { return poster->stats().concurrency_limit == 3; }));

  erp.set_delay(Millis(0));
  deliver("site-a", {adjustment("site-a", 5, "t-4", "K4"), adjustment("site-a", 6, "t-5", "K5"),
                     adjustment("site-a", 7, "t-6", "K6"), adjustment("site-a", 8, "t-7", "K7")});
  CHECK(posted_count_reaches(8));
  CHECK(eventually([&] { return poster->stats().concurrency_limit == 4; }));
  LONGS_EQUAL(4, poster->stats().max_concurrency);
}

TEST(Poster, AfterAnAmbiguousFailureTheRecordIsLookedUpNotPostedAgain) {
  // The ERP created the record but the answer was lost (a timeout).
  erp.script_post("amb-1", ErpOutcome::retry("timed out", true), /*lands=*/true);
  start_poster(fast_options(2));
  deliver("site-a", {adjustment("site-a", 1, "amb-1", "SO-1")});
  CHECK(posted_count_reaches(1));

  std::vector<ScriptedErp::Call> calls = erp.calls_of("amb-1");
  LONGS_EQUAL(2, calls.size());
  STRCMP_EQUAL("post", calls[0].op.c_str());
  STRCMP_EQUAL("find", calls[1].op.c_str());
  LONGS_EQUAL(0, erp.duplicate_posts());
  std::string held_by_erp, recorded;
  CHECK(erp.holds("amb-1", &held_by_erp));
  STRCMP_EQUAL("posted", state("amb-1", &recorded).c_str());
  STRCMP_EQUAL(held_by_erp.c_str(), recorded.c_str());
  UNSIGNED_LONGS_EQUAL(1, poster->stats().found_by_lookup);
  CHECK(eventually([&] { return outcomes.has("amb-1", v1::EventOutcome::POSTED); }));
}

TEST(Poster, AfterAnAmbiguousFailureThatDidNotLandTheEventIsPostedOnce) {
  erp.script_post("amb-2", ErpOutcome::retry("connection reset", true), /*lands=*/false);
  start_poster(fast_options(2));
  deliver("site-a", {adjustment("site-a", 1, "amb-2", "SO-1")});
  CHECK(posted_count_reaches(1));

  std::vector<ScriptedErp::Call> calls = erp.calls_of("amb-2");
  LONGS_EQUAL(3, calls.size());
  STRCMP_EQUAL("post", calls[0].op.c_str());
  STRCMP_EQUAL("find", calls[1].op.c_str());
  STRCMP_EQUAL("post", calls[2].op.c_str());
  CHECK(erp.holds("amb-2"));
  LONGS_EQUAL(0, erp.duplicate_posts());
}

TEST(Poster, AnEventAttemptedBeforeACrashIsLookedUpFirst) {
  IntakeResult r = take("site-a", {adjustment("site-a", 1, "crash-1", "SO-1"), adjustment("site-a", 2, "crash-2", "SO-2")});
  // The previous relay process marked both attempted; only the first post landed.
  CHECK(ledger->mark_attempted(r.fresh[0].ledger_seq).ok());
  CHECK(ledger->mark_attempted(r.fresh[1].ledger_seq).ok());
  erp.hold_record("crash-1", "IA-500");

  start_poster(fast_options(2));
  CHECK(posted_count_reaches(2));

  std::vector<ScriptedErp::Call> landed = erp.calls_of("crash-1");
  LONGS_EQUAL(1, landed.size());
  STRCMP_EQUAL("find", landed[0].op.c_str());
  std::string erp_id;
  STRCMP_EQUAL("posted", state("crash-1", &erp_id).c_str());
  STRCMP_EQUAL("IA-500", erp_id.c_str());

  std::vector<ScriptedErp::Call> lost = erp.calls_of("crash-2");
  LONGS_EQUAL(2, lost.size());
  STRCMP_EQUAL("find", lost[0].op.c_str());
  STRCMP_EQUAL("post", lost[1].op.c_str());
  LONGS_EQUAL(0, erp.duplicate_posts());
  UNSIGNED_LONGS_EQUAL(1, poster->stats().found_by_lookup);
}

TEST(Poster, OutcomesReachTheSinkWithSiteEpochAndErpIdOrReason) {
  erp.script_post("o-2", ErpOutcome::rejected("Item 20 is inactive (INACTIVE_SKU)"));
  start_poster(fast_options(2));
  deliver("site-q", {adjustment("site-q", 1, "o-1", "K1"), adjustment("site-q", 2, "o-2", "K2")});
  CHECK(eventually([&] { return outcomes.size() >= 2; }));

  SeenOutcome posted, held;
  CHECK(outcomes.has("o-1", v1::EventOutcome::POSTED, &posted));
  STRCMP_EQUAL("site-q", posted.site.c_str());
  STRCMP_EQUAL("e1", posted.epoch.c_str());
  UNSIGNED_LONGS_EQUAL(1, posted.outcome.seq());
  std::string erp_id;
  CHECK(erp.holds("o-1", &erp_id));
  STRCMP_EQUAL(erp_id.c_str(), posted.outcome.erp_id().c_str());
  CHECK(posted.outcome.at_ms() > 0);

  CHECK(outcomes.has("o-2", v1::EventOutcome::HELD, &held));
  STRCMP_EQUAL("site-q", held.site.c_str());
  STRCMP_EQUAL("e1", held.epoch.c_str());
  UNSIGNED_LONGS_EQUAL(2, held.outcome.seq());
  STRCMP_EQUAL("Item 20 is inactive (INACTIVE_SKU)", held.outcome.reason().c_str());
}

TEST(Poster, AnInvalidEventNeverReachesTheErpLiveOrAfterARestart) {
  // Seq 2 names another site: the ledger holds it at intake.
  std::vector<v1::Event> events = {adjustment("site-a", 1, "v-1", "SO-1"), adjustment("site-b", 2, "v-2", "SO-1"),
                                   adjustment("site-a", 3, "v-3", "SO-2")};
  take("site-a", events);
  start_poster(fast_options(2));  // a restart: the queues come from the ledger
  CHECK(eventually([&] { return erp.holds("v-1") && erp.holds("v-3"); }));
  settle();
  LONGS_EQUAL(0, erp.posts_of("v-2"));
  STRCMP_EQUAL("held", state("v-2").c_str());
  UNSIGNED_LONGS_EQUAL(1, ledger->stats().held);

  // The same, live: taken while the poster runs.
  deliver("site-a", {adjustment("site-a", 4, "v-4", "SO-4"), adjustment("site-c", 5, "v-5", "SO-4"),
                     adjustment("site-a", 6, "v-6", "SO-4")});
  CHECK(eventually([&] { return erp.holds("v-4"); }));
  settle();
  LONGS_EQUAL(0, erp.posts_of("v-5"));
  STRCMP_EQUAL("held", state("v-5").c_str());
}

// --- Coalescing stock adjustments under backlog ---

namespace {

std::vector<v1::Event> adjustments_of(const std::string& site, uint64_t first, const std::vector<int64_t>& deltas,
                                      const std::string& sku = "SKU-1") {
  std::vector<v1::Event> out;
  uint64_t seq = first;
  for (int64_t d : deltas) {
    out.push_back(adjustment(site, seq, site + "-adj-" + std::to_string(seq), "stock:WH1:" + sku, sku, d));
    ++seq;
  }
  return out;
}

PosterOptions coalescing(int max) {
  PosterOptions o = fast_options(2);
  o.coalesce_max = max;
  return o;
}

}  // namespace

TEST(Poster, UnderBacklogAdjustmentsOfOneSkuAndWarehouseNetIntoOneRecordListingEveryEvent) {
  std::vector<int64_t> deltas;
  int64_t sum = 0;
  for (int i = 0; i < 50; ++i) {
    deltas.push_back(i % 5 == 0 ? 7 : -2);
    sum += deltas.back();
  }
  take("site-a", adjustments_of("site-a", 1, deltas));  // waiting before the poster starts: a backlog
  start_poster(coalescing(200));
  CHECK(posted_count_reaches(50));

  std::vector<ScriptedErp::Net> nets = erp.nets();
  LONGS_EQUAL(1, nets.size());
  LONGS_EQUAL(sum, nets[0].quantity);
  LONGS_EQUAL(50, nets[0].covers.size());
  STRCMP_EQUAL("site-a-adj-1", nets[0].covers.front().c_str());
  STRCMP_EQUAL("site-a-adj-50", nets[0].covers.back().c_str());
  LONGS_EQUAL(1, erp.record_count());
  LONGS_EQUAL(1, erp.calls().size());

  std::string first_id, last_id;
  STRCMP_EQUAL("posted", state("site-a-adj-1", &first_id).c_str());
  STRCMP_EQUAL("posted", state("site-a-adj-50", &last_id).c_str());
  CHECK(!first_id.empty());
  STRCMP_EQUAL(first_id.c_str(), last_id.c_str());
  CHECK(eventually([&] { return outcomes.size() >= 50; }));
  SeenOutcome o;
  CHECK(outcomes.has("site-a-adj-37", v1::EventOutcome::POSTED, &o));
  STRCMP_EQUAL(first_id.c_str(), o.outcome.erp_id().c_str());
  PosterStats st = poster->stats();
  UNSIGNED_LONGS_EQUAL(49, st.calls_saved);
  UNSIGNED_LONGS_EQUAL(50, st.coalesced_events);
  UNSIGNED_LONGS_EQUAL(1, st.coalesced_records);
  UNSIGNED_LONGS_EQUAL(0, ledger->stats().pending);
}

TEST(Poster, AGroupIsCappedAndStopsAtTheFirstEventThatDoesNotNetWithIt) {
  std::vector<v1::Event> events = adjustments_of("site-a", 1, {-1, -1, -1, -1, -1});
  // Seq 6: another SKU under the same business key; seq 7..9 the first SKU again.
  v1::Event other = adjustment("site-a", 6, "site-a-adj-6", "stock:WH1:SKU-1", "SKU-2", -4);
  events.push_back(other);
  for (const v1::Event& e : adjustments_of("site-a", 7, {2, 2, 2})) events.push_back(e);
  take("site-a", events);
  start_poster(coalescing(3));
  CHECK(posted_count_reaches(9));

  std::vector<ScriptedErp::Net> nets = erp.nets();
  // 1-3 (capped at 3), then 4-5 (stopped by the other SKU), 6 alone, 7-9.
  LONGS_EQUAL(3, nets.size());
  LONGS_EQUAL(-3, nets[0].quantity);
  LONGS_EQUAL(3, nets[0].covers.size());
  LONGS_EQUAL(-2, nets[1].quantity);
  STRCMP_EQUAL("site-a-adj-4", nets[1].event_id.c_str());
  LONGS_EQUAL(2, nets[1].covers.size());
  LONGS_EQUAL(6, nets[2].quantity);
  STRCMP_EQUAL("site-a-adj-7", nets[2].event_id.c_str());
  LONGS_EQUAL(1, erp.posts_of("site-a-adj-6"));
  // In ledger order, one at a time.
  std::vector<ScriptedErp::Call> calls = erp.calls();
  LONGS_EQUAL(4, calls.size());
  const char* expected[] = {"site-a-adj-1", "site-a-adj-4", "site-a-adj-6", "site-a-adj-7"};
  for (size_t i = 0; i < 4; ++i) STRCMP_EQUAL(expected[i], calls[i].event_id.c_str());
  UNSIGNED_LONGS_EQUAL(5, poster->stats().calls_saved);
}

TEST(Poster, AGroupNeverNetsToZeroSoEveryEventKeepsARecord) {
  take("site-a", adjustments_of("site-a", 1, {5, -3, -2}));
  start_poster(coalescing(200));
  CHECK(posted_count_reaches(3));
  // 5-3-2 = 0 cannot be posted: the group gives back its last event until its net is not zero.
  std::vector<ScriptedErp::Net> nets = erp.nets();
  LONGS_EQUAL(1, nets.size());
  LONGS_EQUAL(2, nets[0].covers.size());
  LONGS_EQUAL(2, nets[0].quantity);
  std::vector<ScriptedErp::Call> calls = erp.calls();
  LONGS_EQUAL(2, calls.size());
  STRCMP_EQUAL("site-a-adj-3", calls[1].event_id.c_str());  // -2 posts alone
  LONGS_EQUAL(1, erp.posts_of("site-a-adj-3"));
  std::string erp_id;
  for (int s = 1; s <= 3; ++s) {
    STRCMP_EQUAL("posted", state("site-a-adj-" + std::to_string(s), &erp_id).c_str());
    CHECK(!erp_id.empty());
  }
}

TEST(Poster, AGroupAttemptedBeforeACrashIsFoundAgainAsTheSameGroup) {
  IntakeResult r = take("site-a", adjustments_of("site-a", 1, {-1, -1, -1, -1, -1}));
  // The last process posted 1-3 as one net record, which landed; 4 and 5 came behind it.
  CHECK(ledger->mark_attempted(r.fresh[0].ledger_seq, {r.fresh[1].ledger_seq, r.fresh[2].ledger_seq}).ok());
  erp.hold_record("site-a-adj-1", "IA-900");

  start_poster(coalescing(200));
  CHECK(posted_count_reaches(5));
  std::string erp_id;
  for (int s = 1; s <= 3; ++s) {
    STRCMP_EQUAL("posted", state("site-a-adj-" + std::to_string(s), &erp_id).c_str());
    STRCMP_EQUAL("IA-900", erp_id.c_str());
  }
  std::vector<ScriptedErp::Call> first = erp.calls_of("site-a-adj-1");
  LONGS_EQUAL(1, first.size());
  STRCMP_EQUAL("find", first[0].op.c_str());
  // 4 and 5 were never part of it: they net into a record of their own.
  std::vector<ScriptedErp::Net> nets = erp.nets();
  LONGS_EQUAL(1, nets.size());
  STRCMP_EQUAL("site-a-adj-4", nets[0].event_id.c_str());
  LONGS_EQUAL(-2, nets[0].quantity);
  LONGS_EQUAL(0, erp.duplicate_posts());
  UNSIGNED_LONGS_EQUAL(1, poster->stats().found_by_lookup);
}

TEST(Poster, AGroupWhosePostDidNotLandIsPostedAgainWithTheSameMembers) {
  IntakeResult r = take("site-a", adjustments_of("site-a", 1, {-1, -1, -1, -1}));
  CHECK(ledger->mark_attempted(r.fresh[0].ledger_seq, {r.fresh[1].ledger_seq}).ok());
  start_poster(coalescing(200));
  CHECK(posted_count_reaches(4));
  std::vector<ScriptedErp::Net> nets = erp.nets();
  LONGS_EQUAL(2, nets.size());
  LONGS_EQUAL(2, nets[0].covers.size());  // 1 and 2 as before the crash, not all four
  LONGS_EQUAL(-2, nets[0].quantity);
  STRCMP_EQUAL("site-a-adj-3", nets[1].event_id.c_str());
  LONGS_EQUAL(0, erp.duplicate_posts());
}

TEST(Poster, ARejectedNetHoldsItsFirstEventAndTheRestWaitBehindIt) {
  erp.script_post("site-a-adj-1", ErpOutcome::rejected("SKU SKU-1 is not an item in the ERP (UNKNOWN_SKU)"));
  take("site-a", adjustments_of("site-a", 1, {-1, -1, -1}));
  take("site-a", adjustments_of("site-a", 4, {3}, "SKU-9"));
  start_poster(coalescing(200));
  CHECK(eventually([&] { return erp.holds("site-a-adj-4"); }));
  CHECK(eventually([&] { return state("site-a-adj-1") == "held"; }));
  settle();
  STRCMP_EQUAL("pending", state("site-a-adj-2").c_str());
  UNSIGNED_LONGS_EQUAL(3, ledger->stats().pending);
  UNSIGNED_LONGS_EQUAL(1, poster->stats().blocked_keys);
}

TEST(Poster, WithNoBacklogEachAdjustmentPostsAloneAsItComes) {
  start_poster(coalescing(200));
  for (uint64_t s = 1; s <= 3; ++s) {
    deliver("site-a", adjustments_of("site-a", s, {-1}));
    CHECK(posted_count_reaches(s));
  }
  LONGS_EQUAL(0, erp.nets().size());
  LONGS_EQUAL(3, erp.record_count());
}

// A snapshot an older relay held ("not posted") is no longer held: it goes
// on (to the snapshot keeper) and the snapshots behind it follow.
TEST(Poster, ASnapshotHeldByAnOlderVersionNoLongerBlocksItsKey) {
  auto snapshot = [](uint64_t seq, const std::string& id) {
    v1::Event e;
    e.set_event_id(id);
    e.set_site_id("site-a");
    e.set_seq(seq);
    e.set_business_key("snapshot:WH1");
    e.mutable_inventory_snapshot()->set_warehouse("WH1");
    e.mutable_inventory_snapshot()->set_taken_at_ms(static_cast<int64_t>(seq));
    return e;
  };
  IntakeResult r = take("site-a", {snapshot(1, "snap-1"), snapshot(2, "snap-2")});
  CHECK(ledger->mark_held(r.fresh[0].ledger_seq, "snap-1",
                          "InventorySnapshot events are for reconciliation and are not posted; held until the "
                          "reconciliation reads them")
            .ok());
  start_poster(fast_options(2));
  CHECK(posted_count_reaches(2));
  STRCMP_EQUAL("posted", state("snap-1").c_str());
  STRCMP_EQUAL("posted", state("snap-2").c_str());
  UNSIGNED_LONGS_EQUAL(0, ledger->stats().held);
}
