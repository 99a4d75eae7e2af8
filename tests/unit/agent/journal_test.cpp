// The agent's journal on the memory twin of the store: seqs, duplicates, the
// hard cap, freeing, dedup retention, and failures that must journal nothing.
#include <memory>
#include <string>
#include <vector>

#include "agent/journal.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "tests/support/temp_dir.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

v1::Event make_event(const std::string& id, int64_t qty = 1) {
  v1::Event e;
  e.set_event_id(id);
  e.set_site_id("site-1");
  e.set_occurred_at_ms(1'764'172'800'000);
  e.set_business_key("stock:WH1:SKU-1");
  auto* a = e.mutable_stock_adjustment();
  a->set_sku("SKU-1");
  a->set_warehouse("WH1");
  a->set_quantity_delta(qty);
  a->set_unit("EA");
  return e;
}

std::vector<v1::Event> events(std::initializer_list<const char*> ids) {
  std::vector<v1::Event> out;
  for (const char* id : ids) out.push_back(make_event(id));
  return out;
}

std::vector<std::string> ids_from(const Journal& j, uint64_t from) {
  std::vector<std::string> out;
  Status s = j.read(from, 1000, 1 << 20, [&](uint64_t, std::string_view b) { out.emplace_back(peek_event_id(b)); });
  CHECK(s.ok());
  return out;
}

}  // namespace

TEST_GROUP(Journal) {
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  ManualClock clock;
  std::unique_ptr<Journal> journal;

  void setup() override {
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    journal = open(JournalOptions{});
  }
  void teardown() override {
    journal.reset();
    committer.reset();
  }
  std::unique_ptr<Journal> open(JournalOptions o) {
    Result<std::unique_ptr<Journal>> j = Journal::open(*store, *committer, clock, o);
    CHECK_TRUE_TEXT(j.ok(), j.status().to_string().c_str());
    return std::move(j).value();
  }
};

TEST(Journal, AssignsGapFreeIncreasingSeqs) {
  auto batch = events({"a", "b", "c"});
  auto r = journal->append(batch);
  CHECK(r.ok());
  LONGS_EQUAL(1, (*r)[0].seq);
  LONGS_EQUAL(2, (*r)[1].seq);
  LONGS_EQUAL(3, (*r)[2].seq);
  auto more = events({"d"});
  LONGS_EQUAL(4, journal->append(more)->front().seq);
  JournalStats s = journal->stats();
  LONGS_EQUAL(4, s.last_seq);
  LONGS_EQUAL(4, s.backlog);
  CHECK(s.oldest_accepted_ms > 0);
  CHECK((std::vector<std::string>{"a", "b", "c", "d"}) == ids_from(*journal, 1));
}

TEST(Journal, StoredEventsCarryTheirSeqAndAcceptTime) {
  auto batch = events({"a", "b"});
  CHECK(journal->append(batch).ok());
  std::vector<v1::Event> read;
  CHECK(journal->read(1, 10, 1 << 20, [&](uint64_t seq, std::string_view b) {
    v1::Event e;
    CHECK(e.ParseFromArray(b.data(), static_cast<int>(b.size())));
    LONGS_EQUAL(seq, e.seq());
    read.push_back(e);
  }).ok());
  LONGS_EQUAL(2, read.size());
  LONGS_EQUAL(clock.wall_ms(), read[1].accepted_at_ms());
  STRCMP_EQUAL("b", read[1].event_id().c_str());
}

TEST(Journal, SameEventIdAgainIsADuplicateNotJournaledTwice) {
  auto first = events({"a", "b"});
  CHECK(journal->append(first).ok());
  auto again = events({"b", "c"});
  auto r = journal->append(again);
  CHECK(r.ok());
  CHECK((*r)[0].duplicate);
  LONGS_EQUAL(2, (*r)[0].seq);  // the original seq
  CHECK_FALSE((*r)[1].duplicate);
  LONGS_EQUAL(3, (*r)[1].seq);
  LONGS_EQUAL(3, journal->stats().backlog);
  CHECK((std::vector<std::string>{"a", "b", "c"}) == ids_from(*journal, 1));
}

TEST(Journal, DuplicateInsideOneBatchIsJournaledOnce) {
  auto batch = events({"x", "x", "y"});
  auto r = journal->append(batch);
  CHECK(r.ok());
  CHECK_FALSE((*r)[0].duplicate);
  CHECK((*r)[1].duplicate);
  LONGS_EQUAL((*r)[0].seq, (*r)[1].seq);
  LONGS_EQUAL(2, journal->stats().backlog);
}

TEST(Journal, HardCapRefusesTheWholeBatchAndKeepsWhatWasAccepted) {
  journal = open(JournalOptions{3, Millis(1000)});
  auto two = events({"a", "b"});
  CHECK(journal->append(two).ok());
  auto two_more = events({"c", "d"});
  auto r = journal->append(two_more);
  CHECK_FALSE(r.ok());
  LONGS_EQUAL(static_cast<int>(Code::kResourceExhausted), static_cast<int>(r.status().code()));
  LONGS_EQUAL(2, journal->stats().backlog);
  CHECK((std::vector<std::string>{"a", "b"}) == ids_from(*journal, 1));
  // A duplicate of an accepted event still answers (it adds nothing).
  auto dup = events({"a"});
  CHECK(journal->append(dup).ok());
  // Once the relay took some, there is room again.
  CHECK(journal->release_through(2).ok());
  CHECK(journal->append(two_more).ok());
  LONGS_EQUAL(2, journal->stats().backlog);
}

TEST(Journal, ReleaseFreesOnlyThroughTheAcknowledgedSeq) {
  auto batch = events({"a", "b", "c", "d"});
  CHECK(journal->append(batch).ok());
  CHECK(journal->release_through(2).ok());
  JournalStats s = journal->stats();
  LONGS_EQUAL(2, s.acked_through);
  LONGS_EQUAL(2, s.backlog);
  CHECK((std::vector<std::string>{"c", "d"}) == ids_from(*journal, 1));
  CHECK(journal->release_through(1).ok());  // going back is a no-op
  LONGS_EQUAL(2, journal->stats().acked_through);
  CHECK(journal->release_through(99).ok());  // never past what exists
  LONGS_EQUAL(4, journal->stats().acked_through);
  LONGS_EQUAL(0, journal->stats().backlog);
  LONGS_EQUAL(0, journal->stats().oldest_accepted_ms);
}

TEST(Journal, FreedIdsStayDuplicatesUntilRetentionThenArePruned) {
  journal = open(JournalOptions{100, Millis(60'000)});
  auto batch = events({"a"});
  CHECK(journal->append(batch).ok());
  CHECK(journal->release_through(1).ok());
  auto again = events({"a"});
  CHECK(journal->append(again)->front().duplicate);
  LONGS_EQUAL(0, *journal->prune_ids());  // not old enough
  clock.advance(Millis(61'000));
  LONGS_EQUAL(1, *journal->prune_ids());
  auto late = events({"a"});
  auto r = journal->append(late);
  CHECK_FALSE(r->front().duplicate);  // beyond retention it is new (the relay still dedupes it)
  LONGS_EQUAL(2, r->front().seq);
}

TEST(Journal, ReadHonoursCountAndByteCaps) {
  std::vector<v1::Event> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(make_event("e" + std::to_string(i)));
  CHECK(journal->append(batch).ok());
  size_t n = 0;
  CHECK(journal->read(3, 4, 1 << 20, [&](uint64_t seq, std::string_view) { LONGS_EQUAL(3 + n, seq); ++n; }).ok());
  LONGS_EQUAL(4, n);
  n = 0;
  CHECK(journal->read(1, 100, 1, [&](uint64_t, std::string_view) { ++n; }).ok());
  LONGS_EQUAL(1, n);  // at least one event even when it alone exceeds the byte cap
}

TEST(Journal, AFailedCommitJournalsNothingAndSeqsStayGapFree) {
  auto first = events({"a"});
  CHECK(journal->append(first).ok());
  store->fail_commits(1, Status::IoError("injected EIO"));
  auto doomed = events({"b", "c"});
  auto r = journal->append(doomed);
  CHECK_FALSE(r.ok());
  LONGS_EQUAL(static_cast<int>(Code::kIoError), static_cast<int>(r.status().code()));
  LONGS_EQUAL(1, journal->stats().last_seq);
  auto retry = events({"b", "c"});
  auto ok = journal->append(retry);
  CHECK(ok.ok());
  LONGS_EQUAL(2, (*ok)[0].seq);  // b was never journaled, so it is new, at the next seq
  CHECK((std::vector<std::string>{"a", "b", "c"}) == ids_from(*journal, 1));
}

TEST(Journal, ReopeningKeepsSeqEpochAndAcknowledgements) {
  auto batch = events({"a", "b", "c"});
  CHECK(journal->append(batch).ok());
  CHECK(journal->release_through(1).ok());
  std::string epoch = journal->epoch();
  journal = open(JournalOptions{});
  STRCMP_EQUAL(epoch.c_str(), journal->epoch().c_str());
  LONGS_EQUAL(3, journal->stats().last_seq);
  LONGS_EQUAL(1, journal->stats().acked_through);
  auto more = events({"c", "d"});
  auto r = journal->append(more);
  CHECK((*r)[0].duplicate);
  LONGS_EQUAL(4, (*r)[1].seq);
}

TEST(Journal, AJournalFromANewerFormatIsRefusedAndLeftUntouched) {
  auto meta = store->table("meta");
  {
    auto txn = store->write();
    CHECK((*txn)->put(*meta, "format", "99").ok());
    CHECK((*txn)->commit().ok());
  }
  Result<std::unique_ptr<Journal>> j = Journal::open(*store, *committer, clock, JournalOptions{});
  CHECK_FALSE(j.ok());
  LONGS_EQUAL(static_cast<int>(Code::kFailedPrecondition), static_cast<int>(j.status().code()));
  auto txn = store->read();
  std::string v;
  CHECK((*txn)->get(*meta, "format", &v).ok());
  STRCMP_EQUAL("99", v.c_str());
}

TEST(Journal, PeekEventIdReadsTheFirstField) {
  v1::Event e = make_event(std::string(300, 'q'));  // a multi-byte length varint
  std::string b = e.SerializeAsString();
  STRCMP_EQUAL(e.event_id().c_str(), std::string(peek_event_id(b)).c_str());
  CHECK(peek_event_id("").empty());
  CHECK(peek_event_id("\x0a\x7f").empty());  // truncated
}

// On real LMDB: when the disk allowance is used up, appends are refused, yet
// freeing what the relay acknowledged still works (it needs pages too), and
// afterwards the journal accepts events again. Without the reserve above the
// allowance, the release itself would hit MDB_MAP_FULL and the journal would wedge.
TEST(Journal, AFullDiskAllowanceRefusesAppendsButNeverWedges) {
  testing::TempDir dir("journal-full");
  LmdbOptions o;
  o.path = dir.file("journal");
  o.initial_map_bytes = 4ull << 20;
  o.max_map_bytes = 4ull << 20;  // allowance 2 MiB + reserve 2 MiB
  auto lmdb = open_lmdb_store(o);
  CHECK_TRUE_TEXT(lmdb.ok(), lmdb.status().to_string().c_str());
  GroupCommitter lmdb_committer(**lmdb);
  JournalOptions jo;
  jo.max_bytes = 2ull << 20;
  auto j = std::move(Journal::open(**lmdb, lmdb_committer, clock, jo).value());
  uint64_t n = 0;
  Status refused;
  for (int round = 0; round < 1000 && refused.ok(); ++round) {
    std::vector<v1::Event> batch;
    for (int k = 0; k < 100; ++k) batch.push_back(make_event("fill-" + std::to_string(n++)));
    auto r = j->append(batch);
    if (!r.ok()) refused = r.status();
    clock.advance(Millis(300));  // let the allowance check refresh
  }
  LONGS_EQUAL(static_cast<int>(Code::kResourceExhausted), static_cast<int>(refused.code()));
  CHECK(refused.message().find("disk allowance") != std::string::npos);
  const uint64_t held = j->stats().last_seq;
  CHECK(held > 1000);
  Status freed = j->release_through(held);
  CHECK_TRUE_TEXT(freed.ok(), freed.to_string().c_str());
  LONGS_EQUAL(0, j->stats().backlog);
  clock.advance(Millis(300));
  std::vector<v1::Event> more{make_event("after-the-drain")};
  auto r = j->append(more);
  CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
}

// LMDB refuses keys over 511 bytes. An id that long must be refused before
// anything is written: a half-written append in a shared commit once left the
// journal answering later events as duplicates of the wrong seq.
TEST(Journal, AnOverlongEventIdIsRefusedAndTheJournalGoesOn) {
  testing::TempDir dir("journal-long-id");
  LmdbOptions lo;
  lo.path = dir.file("lmdb");
  Result<std::unique_ptr<KvStore>> lmdb = open_lmdb_store(lo);
  CHECK_TRUE(lmdb.ok());
  GroupCommitter lc(**lmdb);
  Result<std::unique_ptr<Journal>> j = Journal::open(**lmdb, lc, clock, JournalOptions{});
  CHECK_TRUE(j.ok());
  const std::string long_id(600, 'x');
  auto good_then_long = events({"first", long_id.c_str()});
  Result<std::vector<AppendResult>> r = (*j)->append(good_then_long);
  CHECK_FALSE(r.ok());
  LONGS_EQUAL(static_cast<int>(Code::kInvalidArgument), static_cast<int>(r.status().code()));
  LONGS_EQUAL(0, (*j)->last_seq());
  auto next = events({"first", "second"});
  r = (*j)->append(next);
  CHECK_TRUE_TEXT(r.ok(), r.status().to_string().c_str());
  LONGS_EQUAL(1, (*r)[0].seq);
  CHECK_FALSE((*r)[0].duplicate);
  LONGS_EQUAL(2, (*r)[1].seq);
  lc.stop();
}

namespace {

v1::Event shipment(const std::string& id) {
  v1::Event e = make_event(id);
  e.mutable_shipment()->set_clarus_shipment_id(id);
  return e;
}

std::string kinds_text(const BacklogByKind& k) {
  std::string out;
  for (const auto& [kind, n] : k.counts) out += kind + "=" + std::to_string(n) + " ";
  return out + (k.complete ? "complete" : "partial");
}

}  // namespace

TEST(Journal, BacklogByKindCountsAgainOnlyWhatItCannotReuse) {
  std::vector<v1::Event> batch{shipment("s1"), shipment("s2"), make_event("a1"), make_event("a2")};
  CHECK_TRUE(journal->append(batch).ok());
  Result<BacklogByKind> first = journal->backlog_by_kind(100);
  CHECK_TRUE(first.ok());
  STRCMP_EQUAL("Shipment=2 StockAdjustment=2 complete", kinds_text(*first).c_str());

  // New events: only they are read, and the result is what a full count says.
  std::vector<v1::Event> more{shipment("s3")};
  CHECK_TRUE(journal->append(more).ok());
  Result<BacklogByKind> grown = journal->backlog_by_kind(100, &*first);
  CHECK_TRUE(grown.ok());
  STRCMP_EQUAL("Shipment=3 StockAdjustment=2 complete", kinds_text(*grown).c_str());
  STRCMP_EQUAL(kinds_text(*journal->backlog_by_kind(100)).c_str(), kinds_text(*grown).c_str());

  // Events freed: counted afresh.
  CHECK_TRUE(journal->release_through(2).ok());
  Result<BacklogByKind> freed = journal->backlog_by_kind(100, &*grown);
  CHECK_TRUE(freed.ok());
  STRCMP_EQUAL("Shipment=1 StockAdjustment=2 complete", kinds_text(*freed).c_str());

  // Over the limit: the oldest only, said to be partial, and reused as it is.
  Result<BacklogByKind> capped = journal->backlog_by_kind(2, &*freed);
  CHECK_TRUE(capped.ok());
  STRCMP_EQUAL("StockAdjustment=2 partial", kinds_text(*capped).c_str());
  std::vector<v1::Event> later{shipment("s4")};
  CHECK_TRUE(journal->append(later).ok());
  STRCMP_EQUAL("StockAdjustment=2 partial", kinds_text(*journal->backlog_by_kind(2, &*capped)).c_str());
}
