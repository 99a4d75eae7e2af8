// Ledger: what the relay has taken into custody from each site's stream, and
// what it says about each event afterwards. Against the memory store twin.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/log.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/ledger.h"
#include "tests/unit/relay/relay_fixtures.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;
using namespace sb::relay::test;

namespace {

struct Scan {
  uint64_t seq;
  LedgerRecord record;
};

}  // namespace

TEST_GROUP(Ledger) {
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Ledger> ledger;
  ManualClock clock;

  void setup() override {
    log::set_level(log::Level::kError);
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    ledger = open_ledger();
  }
  void teardown() override {
    ledger.reset();
    committer.reset();
    store.reset();
  }

  std::unique_ptr<Ledger> open_ledger() {
    Result<std::unique_ptr<Ledger>> l = Ledger::open(*store, *committer, clock);
    CHECK_TEXT(l.ok(), l.status().to_string().c_str());
    return std::move(l).value();
  }

  IntakeResult take(const v1::UplinkBatch& b) {
    Result<std::vector<IntakeResult>> r = ledger->accept({&b});
    CHECK_TEXT(r.ok(), r.status().to_string().c_str());
    LONGS_EQUAL(1, r->size());
    return r->front();
  }

  std::vector<Scan> scan() {
    std::vector<Scan> out;
    Status s = ledger->scan_open([&](uint64_t seq, const LedgerRecord& rec) { out.push_back({seq, rec}); });
    CHECK_TEXT(s.ok(), s.to_string().c_str());
    return out;
  }

  std::string state(const std::string& event_id, std::string* erp_id = nullptr) {
    Result<std::string> s = ledger->state_of(event_id, erp_id);
    CHECK_TEXT(s.ok(), s.status().to_string().c_str());
    return *s;
  }
};

TEST(Ledger, ContiguousBatchesAreTakenInOrderAndAcknowledgedThroughTheirLastSeq) {
  std::vector<v1::Event> first = {adjustment("site-a", 1, "a-1", "K1"), adjustment("site-a", 2, "a-2", "K2"),
                                  adjustment("site-a", 3, "a-3", "K1")};
  IntakeResult r1 = take(batch("site-a", "e1", first));
  STRCMP_EQUAL("site-a", r1.site_id.c_str());
  STRCMP_EQUAL("e1", r1.epoch.c_str());
  UNSIGNED_LONGS_EQUAL(3, r1.acked_through);
  LONGS_EQUAL(3, r1.fresh.size());
  STRCMP_EQUAL("site-a/K1", r1.fresh[0].key.c_str());
  STRCMP_EQUAL("site-a/K2", r1.fresh[1].key.c_str());
  STRCMP_EQUAL("site-a/K1", r1.fresh[2].key.c_str());
  CHECK(r1.fresh[0].ledger_seq < r1.fresh[1].ledger_seq);
  CHECK(r1.fresh[1].ledger_seq < r1.fresh[2].ledger_seq);

  IntakeResult r2 = take(batch("site-a", "e1", run_of("site-a", 4, 5)));
  UNSIGNED_LONGS_EQUAL(5, r2.acked_through);
  LONGS_EQUAL(2, r2.fresh.size());
  CHECK(r2.fresh[0].ledger_seq > r1.fresh[2].ledger_seq);

  // What was taken is what the ledger holds, event for event.
  Result<LedgerRecord> rec = ledger->load(r1.fresh[1].ledger_seq);
  CHECK(rec.ok());
  STRCMP_EQUAL("a-2", rec->event.event_id().c_str());
  STRCMP_EQUAL("e1", rec->epoch.c_str());
  CHECK_FALSE(rec->attempted);
  CHECK_FALSE(rec->held);
  STRCMP_EQUAL("pending", state("a-1").c_str());
  UNSIGNED_LONGS_EQUAL(5, ledger->high_water("site-a", "e1"));
  LedgerStats s = ledger->stats();
  UNSIGNED_LONGS_EQUAL(5, s.taken);
  UNSIGNED_LONGS_EQUAL(5, s.pending);
  UNSIGNED_LONGS_EQUAL(0, s.posted);
}

TEST(Ledger, ARedeliveredBatchIsSkippedAndAcknowledgedAgain) {
  v1::UplinkBatch b = batch("site-a", "e1", run_of("site-a", 1, 3));
  IntakeResult first = take(b);
  IntakeResult again = take(b);
  UNSIGNED_LONGS_EQUAL(first.acked_through, again.acked_through);
  LONGS_EQUAL(3, again.redelivered);
  LONGS_EQUAL(0, again.fresh.size());
  LONGS_EQUAL(0, again.held.size());
  UNSIGNED_LONGS_EQUAL(3, ledger->stats().taken);
  LONGS_EQUAL(3, scan().size());

  // An overlapping resend takes only what is new.
  IntakeResult overlap = take(batch("site-a", "e1", run_of("site-a", 2, 5)));
  LONGS_EQUAL(2, overlap.redelivered);
  LONGS_EQUAL(2, overlap.fresh.size());
  UNSIGNED_LONGS_EQUAL(5, overlap.acked_through);
  UNSIGNED_LONGS_EQUAL(5, ledger->stats().taken);
}

TEST(Ledger, ABatchBeyondAGapWaitsForTheMissingSeqs) {
  take(batch("site-a", "e1", run_of("site-a", 1, 3)));
  IntakeResult gap = take(batch("site-a", "e1", run_of("site-a", 5, 6)));
  LONGS_EQUAL(2, gap.beyond_gap);
  LONGS_EQUAL(0, gap.fresh.size());
  UNSIGNED_LONGS_EQUAL(3, gap.acked_through);
  STRCMP_EQUAL("", state("site-a-ev-5").c_str());

  IntakeResult missing = take(batch("site-a", "e1", run_of("site-a", 4, 4)));
  UNSIGNED_LONGS_EQUAL(4, missing.acked_through);
  IntakeResult resent = take(batch("site-a", "e1", run_of("site-a", 5, 6)));
  UNSIGNED_LONGS_EQUAL(6, resent.acked_through);
  LONGS_EQUAL(2, resent.fresh.size());
  UNSIGNED_LONGS_EQUAL(6, ledger->stats().taken);
}

TEST(Ledger, AnEventIdSeenBeforeUnderAnotherSeqIsNotTakenTwice) {
  take(batch("site-a", "e1", {adjustment("site-a", 1, "adj-1", "K1")}));
  // Clarus replayed its webhook and the agent journaled the same fact again...
  IntakeResult r = take(batch("site-a", "e1", {adjustment("site-a", 2, "adj-1", "K1")}));
  LONGS_EQUAL(1, r.duplicate_ids);
  LONGS_EQUAL(0, r.fresh.size());
  UNSIGNED_LONGS_EQUAL(2, r.acked_through);  // the seq is consumed, so the agent can free it
  // ...or a reinstalled gateway sends it again under a new journal epoch.
  IntakeResult other_epoch = take(batch("site-a", "e2", {adjustment("site-a", 1, "adj-1", "K1")}));
  LONGS_EQUAL(1, other_epoch.duplicate_ids);
  LONGS_EQUAL(0, other_epoch.fresh.size());
  UNSIGNED_LONGS_EQUAL(1, other_epoch.acked_through);

  UNSIGNED_LONGS_EQUAL(1, ledger->stats().taken);
  LONGS_EQUAL(1, scan().size());
}

TEST(Ledger, InvalidEventsAreTakenAsHeldWithAReasonNeverDropped) {
  v1::Event wrong_site = adjustment("site-b", 1, "x-1", "K1");
  v1::Event no_body = adjustment("site-a", 2, "x-2", "K2");
  no_body.clear_stock_adjustment();
  v1::Event no_id = adjustment("site-a", 3, "", "K3");
  v1::Event fine = adjustment("site-a", 4, "x-4", "K4");
  IntakeResult r = take(batch("site-a", "e1", {wrong_site, no_body, no_id, fine}));

  UNSIGNED_LONGS_EQUAL(4, r.acked_through);
  LONGS_EQUAL(3, r.held.size());
  LONGS_EQUAL(1, r.fresh.size());
  std::map<uint64_t, Scan> by_seq;
  for (Scan& s : scan()) by_seq[s.seq] = s;
  LONGS_EQUAL(4, by_seq.size());

  const char* expected[] = {"site-b", "body", "event_id"};
  for (size_t i = 0; i < r.held.size(); ++i) {
    const Scan& s = by_seq.at(r.held[i].ledger_seq);
    CHECK(s.record.held);
    STRCMP_CONTAINS(expected[i], s.record.held_reason.c_str());
  }
  CHECK_FALSE(by_seq.at(r.fresh[0].ledger_seq).record.held);
  STRCMP_EQUAL("held", state("x-1").c_str());
  STRCMP_EQUAL("held", state("x-2").c_str());
  LedgerStats st = ledger->stats();
  UNSIGNED_LONGS_EQUAL(4, st.taken);
  UNSIGNED_LONGS_EQUAL(4, st.pending);
  UNSIGNED_LONGS_EQUAL(3, st.held);
}

TEST(Ledger, EachSiteAndJournalEpochHasItsOwnHighWater) {
  take(batch("site-a", "e1", run_of("site-a", 1, 3)));
  clock.advance(Millis(5000));
  // A reinstalled gateway starts again at seq 1 under a new epoch: not a redelivery.
  IntakeResult fresh_epoch = take(batch("site-a", "e2", {adjustment("site-a", 1, "a-e2-1", "K"),
                                                         adjustment("site-a", 2, "a-e2-2", "K")}));
  LONGS_EQUAL(2, fresh_epoch.fresh.size());
  IntakeResult other_site = take(batch("site-b", "e1", run_of("site-b", 1, 1)));
  LONGS_EQUAL(1, other_site.fresh.size());

  UNSIGNED_LONGS_EQUAL(3, ledger->high_water("site-a", "e1"));
  UNSIGNED_LONGS_EQUAL(2, ledger->high_water("site-a", "e2"));
  UNSIGNED_LONGS_EQUAL(1, ledger->high_water("site-b", "e1"));
  UNSIGNED_LONGS_EQUAL(0, ledger->high_water("site-b", "e2"));

  std::map<std::string, StreamInfo> streams;
  for (const StreamInfo& si : ledger->streams()) streams[si.site_id + "/" + si.epoch] = si;
  LONGS_EQUAL(3, streams.size());
  UNSIGNED_LONGS_EQUAL(3, streams.at("site-a/e1").high_water);
  UNSIGNED_LONGS_EQUAL(2, streams.at("site-a/e2").high_water);
  LONGLONGS_EQUAL(clock.wall_ms() - 5000, streams.at("site-a/e1").last_contact_ms);
  LONGLONGS_EQUAL(clock.wall_ms(), streams.at("site-b/e1").last_contact_ms);
}

TEST(Ledger, OutcomesAreRecordedAndReportedPerEventId) {
  IntakeResult r = take(batch("site-a", "e1", run_of("site-a", 1, 3)));
  const uint64_t s1 = r.fresh[0].ledger_seq, s2 = r.fresh[1].ledger_seq, s3 = r.fresh[2].ledger_seq;
  STRCMP_EQUAL("", state("never-seen").c_str());

  CHECK(ledger->mark_attempted(s1).ok());
  CHECK(ledger->load(s1)->attempted);
  CHECK_FALSE(ledger->load(s2)->attempted);

  CHECK(ledger->mark_posted(s1, "site-a-ev-1", "IA-77").ok());
  std::string erp_id;
  STRCMP_EQUAL("posted", state("site-a-ev-1", &erp_id).c_str());
  STRCMP_EQUAL("IA-77", erp_id.c_str());
  CHECK(ledger->load(s1).status().code() == Code::kNotFound);  // out of custody

  CHECK(ledger->mark_held(s2, "site-a-ev-2", "INVALID_KEY_OR_REF: item 20").ok());
  STRCMP_EQUAL("held", state("site-a-ev-2").c_str());
  Result<LedgerRecord> held = ledger->load(s2);
  CHECK(held->held);
  STRCMP_EQUAL("INVALID_KEY_OR_REF: item 20", held->held_reason.c_str());
  STRCMP_EQUAL("pending", state("site-a-ev-3").c_str());

  LedgerStats s = ledger->stats();
  UNSIGNED_LONGS_EQUAL(1, s.posted);
  UNSIGNED_LONGS_EQUAL(2, s.pending);
  UNSIGNED_LONGS_EQUAL(1, s.held);

  // A held event resolved later (retried by a person) leaves custody and the held count.
  CHECK(ledger->mark_posted(s2, "site-a-ev-2", "IA-78").ok());
  s = ledger->stats();
  UNSIGNED_LONGS_EQUAL(2, s.posted);
  UNSIGNED_LONGS_EQUAL(1, s.pending);
  UNSIGNED_LONGS_EQUAL(0, s.held);
  CHECK_FALSE(ledger->load(s3)->held);  // untouched by its neighbours' outcomes
}

TEST(Ledger, RecordingAPostingTwiceCountsItOnce) {
  IntakeResult r = take(batch("site-a", "e1", run_of("site-a", 1, 2)));
  CHECK(ledger->mark_posted(r.fresh[0].ledger_seq, "site-a-ev-1", "IA-1").ok());
  CHECK(ledger->mark_posted(r.fresh[0].ledger_seq, "site-a-ev-1", "IA-1").ok());
  LedgerStats s = ledger->stats();
  UNSIGNED_LONGS_EQUAL(1, s.posted);
  UNSIGNED_LONGS_EQUAL(1, s.pending);
}

TEST(Ledger, ScanOpenVisitsExactlyWhatIsStillInCustody) {
  IntakeResult r = take(batch("site-a", "e1", run_of("site-a", 1, 4)));
  CHECK(ledger->mark_posted(r.fresh[0].ledger_seq, "site-a-ev-1", "IA-1").ok());
  CHECK(ledger->mark_attempted(r.fresh[1].ledger_seq).ok());
  CHECK(ledger->mark_held(r.fresh[2].ledger_seq, "site-a-ev-3", "UNKNOWN_SKU").ok());

  std::vector<Scan> open = scan();
  LONGS_EQUAL(3, open.size());
  UNSIGNED_LONGS_EQUAL(r.fresh[1].ledger_seq, open[0].seq);
  UNSIGNED_LONGS_EQUAL(r.fresh[2].ledger_seq, open[1].seq);
  UNSIGNED_LONGS_EQUAL(r.fresh[3].ledger_seq, open[2].seq);
  CHECK(open[0].record.attempted);
  CHECK_FALSE(open[0].record.held);
  CHECK(open[1].record.held);
  STRCMP_EQUAL("UNKNOWN_SKU", open[1].record.held_reason.c_str());
  CHECK_FALSE(open[2].record.attempted);
  CHECK_FALSE(open[2].record.held);
  STRCMP_EQUAL("site-a-ev-4", open[2].record.event.event_id().c_str());
  STRCMP_EQUAL("e1", open[2].record.epoch.c_str());
}

TEST(Ledger, CountersAndHighWaterSurviveReopening) {
  IntakeResult r = take(batch("site-a", "e1", run_of("site-a", 1, 3)));
  take(batch("site-a", "e1", {adjustment("site-b", 4, "bad-4", "K")}));  // held at once
  CHECK(ledger->mark_posted(r.fresh[0].ledger_seq, "site-a-ev-1", "IA-1").ok());
  CHECK(ledger->mark_held(r.fresh[1].ledger_seq, "site-a-ev-2", "UNKNOWN_SKU").ok());
  LedgerStats before = ledger->stats();

  ledger.reset();  // the relay restarts on the same store
  ledger = open_ledger();
  LedgerStats after = ledger->stats();
  UNSIGNED_LONGS_EQUAL(before.taken, after.taken);
  UNSIGNED_LONGS_EQUAL(before.pending, after.pending);
  UNSIGNED_LONGS_EQUAL(before.held, after.held);
  UNSIGNED_LONGS_EQUAL(before.posted, after.posted);
  UNSIGNED_LONGS_EQUAL(4, after.taken);
  UNSIGNED_LONGS_EQUAL(3, after.pending);
  UNSIGNED_LONGS_EQUAL(2, after.held);
  UNSIGNED_LONGS_EQUAL(1, after.posted);
  UNSIGNED_LONGS_EQUAL(4, ledger->high_water("site-a", "e1"));

  // New events get new ledger seqs; nothing in custody is overwritten.
  IntakeResult more = take(batch("site-a", "e1", run_of("site-a", 5, 5)));
  LONGS_EQUAL(1, more.fresh.size());
  CHECK(more.fresh[0].ledger_seq > r.fresh[2].ledger_seq);
  LONGS_EQUAL(4, scan().size());
  STRCMP_EQUAL("pending", state("site-a-ev-3").c_str());
}

TEST(Ledger, AFailedCommitTakesNothingAndAcknowledgesNothing) {
  store->fail_commits(1, Status::IoError("fsync failed"));
  v1::UplinkBatch b = batch("site-a", "e1", run_of("site-a", 1, 3));
  Result<std::vector<IntakeResult>> failed = ledger->accept({&b});
  CHECK_FALSE(failed.ok());
  CHECK(failed.status().code() == Code::kIoError);
  UNSIGNED_LONGS_EQUAL(0, ledger->high_water("site-a", "e1"));
  STRCMP_EQUAL("", state("site-a-ev-1").c_str());
  LONGS_EQUAL(0, scan().size());
  LedgerStats s = ledger->stats();
  UNSIGNED_LONGS_EQUAL(0, s.taken);
  UNSIGNED_LONGS_EQUAL(0, s.pending);

  // The agent resends the same batch; this time it is taken in full.
  IntakeResult r = take(b);
  UNSIGNED_LONGS_EQUAL(3, r.acked_through);
  LONGS_EQUAL(3, r.fresh.size());
  UNSIGNED_LONGS_EQUAL(3, ledger->stats().taken);
}

TEST(Ledger, SeveralBatchesInOneCallEachGetTheirOwnResult) {
  v1::UplinkBatch a = batch("site-a", "e1", run_of("site-a", 1, 2));
  v1::UplinkBatch a_next = batch("site-a", "e1", run_of("site-a", 3, 3));
  v1::UplinkBatch b = batch("site-b", "e1", run_of("site-b", 1, 1));
  Result<std::vector<IntakeResult>> r = ledger->accept({&a, &b, &a_next});
  CHECK(r.ok());
  LONGS_EQUAL(3, r->size());
  UNSIGNED_LONGS_EQUAL(2, (*r)[0].acked_through);
  STRCMP_EQUAL("site-b", (*r)[1].site_id.c_str());
  UNSIGNED_LONGS_EQUAL(1, (*r)[1].acked_through);
  UNSIGNED_LONGS_EQUAL(3, (*r)[2].acked_through);  // sees the first batch of its stream
  LONGS_EQUAL(1, (*r)[2].fresh.size());
}

TEST(Ledger, PostedIdsAreForgottenAfterTheRetentionPendingOnesNever) {
  LedgerOptions o;
  o.dedup_retention = Millis(60'000);
  ledger.reset();
  ledger = std::move(Ledger::open(*store, *committer, clock, o).value());
  IntakeResult r = take(batch("site-a", "e1", run_of("site-a", 1, 3)));
  CHECK(ledger->mark_posted(r.fresh[0].ledger_seq, "site-a-ev-1", "701").ok());
  CHECK(ledger->mark_posted(r.fresh[1].ledger_seq, "site-a-ev-2", "702").ok());
  LONGS_EQUAL(0, *ledger->prune_posted_ids());  // not old enough
  clock.advance(Millis(61'000));
  LONGS_EQUAL(2, *ledger->prune_posted_ids());
  STRCMP_EQUAL("", ledger->state_of("site-a-ev-1")->c_str());
  STRCMP_EQUAL("pending", ledger->state_of("site-a-ev-3")->c_str());  // still in custody: kept
  // A very late resend under a new journal is taken again; the ERP's external id check is the backstop.
  IntakeResult again = take(batch("site-a", "e2", {adjustment("site-a", 1, "site-a-ev-1", "k")}));
  LONGS_EQUAL(1, again.fresh.size());
  LONGS_EQUAL(0, *ledger->prune_posted_ids());
}

TEST(Ledger, AUsedUpDiskAllowanceRefusesIntakeButStillRecordsOutcomes) {
  IntakeResult r = take(batch("site-a", "e1", run_of("site-a", 1, 2)));
  LedgerOptions o;
  o.max_bytes = 1;  // already used up
  ledger.reset();
  ledger = std::move(Ledger::open(*store, *committer, clock, o).value());
  v1::UplinkBatch more = batch("site-a", "e1", run_of("site-a", 3, 4));
  Result<std::vector<IntakeResult>> refused = ledger->accept({&more});
  CHECK_FALSE(refused.ok());
  LONGS_EQUAL(static_cast<int>(Code::kResourceExhausted), static_cast<int>(refused.status().code()));
  LONGS_EQUAL(2, ledger->high_water("site-a", "e1"));  // nothing acknowledged: the site resends later
  CHECK(ledger->mark_posted(r.fresh[0].ledger_seq, "site-a-ev-1", "701").ok());
  STRCMP_EQUAL("posted", ledger->state_of("site-a-ev-1")->c_str());
}

TEST(Ledger, TheSameBusinessKeyAtTwoSitesIsTwoOrderingKeys) {
  // One site's held event must never hold up another site's work.
  IntakeResult a = take(batch("site-a", "e1", {adjustment("site-a", 1, "a-1", "stock:WH1:SKU-1")}));
  IntakeResult b = take(batch("site-b", "e1", {adjustment("site-b", 1, "b-1", "stock:WH1:SKU-1")}));
  STRCMP_EQUAL("site-a/stock:WH1:SKU-1", a.fresh[0].key.c_str());
  STRCMP_EQUAL("site-b/stock:WH1:SKU-1", b.fresh[0].key.c_str());
}
