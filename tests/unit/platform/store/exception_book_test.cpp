// ExceptionBook: the life of an exception (raise, held again, act, resolve),
// what the lists and counts show, prune by retention, persistence across a
// reopen and the *_in variants inside a caller's transaction. Each behaviour is
// checked against the memory twin and a real LMDB store alike.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "tests/unit/platform/store/store_checks.h"
#include "tests/unit/platform/store/store_harness.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

// A book over a store, with a clock the test moves by hand.
struct Desk {
  Desk(KvStore& store, ManualClock& clock, ExceptionBook::Options options = {}) : committer(store) {
    auto b = ExceptionBook::open(store, committer, clock, "exc", options);
    CHECK_OK(b.status());
    book = std::move(b).value();
  }
  GroupCommitter committer;
  std::unique_ptr<ExceptionBook> book;
};

ExceptionRaise hold(const std::string& event_id, const std::string& cls = "UNKNOWN_SKU",
                    const std::string& owner = "warehouse", const std::string& site = "S1") {
  ExceptionRaise r;
  r.cls = cls;
  r.owner = owner;
  r.subject_kind = "event";
  r.subject_id = event_id;
  r.site = site;
  r.key = "SO-" + event_id;
  r.reason = "the item is not in the ERP";
  r.detail = R"({"sku":"X-1"})";
  return r;
}

ExceptionRecord raise_ok(ExceptionBook& book, const ExceptionRaise& r) {
  Result<ExceptionRecord> rec = book.raise(r);
  CHECK_OK(rec.status());
  return rec.ok() ? *rec : ExceptionRecord{};
}

ExceptionAction by(const std::string& who, const std::string& action, const std::string& note,
                   const std::string& change = "") {
  return {0, who, action, note, change};
}

// Ids joined by ',' in the order listed.
std::string ids(const Result<std::vector<ExceptionRecord>>& list) {
  if (!list.ok()) return "<" + list.status().to_string() + ">";
  std::string out;
  for (const ExceptionRecord& r : *list) out += (out.empty() ? "" : ",") + r.id;
  return out;
}

std::string listed(ExceptionBook& book, ExceptionFilter f) { return ids(book.list(f)); }

}  // namespace

TEST_GROUP(ExceptionBookLmdb) {
  std::unique_ptr<LmdbUnderTest> lmdb;
  StoreUnderTest* sut = nullptr;
  void setup() override {
    lmdb = std::make_unique<LmdbUnderTest>();
    CHECK_OK(lmdb->open_status());
    sut = lmdb.get();
  }
  void teardown() override { lmdb.reset(); }
};

TEST_GROUP(ExceptionBookMemory) {
  std::unique_ptr<MemoryUnderTest> memory;
  StoreUnderTest* sut = nullptr;
  void setup() override {
    memory = std::make_unique<MemoryUnderTest>();
    sut = memory.get();
  }
  void teardown() override { memory.reset(); }
};

// Defines the body once and registers it in both groups.
#define BOOK_TEST(name)                                 \
  static void name(KvStore& store);                     \
  TEST(ExceptionBookLmdb, name) { name(sut->store()); }   \
  TEST(ExceptionBookMemory, name) { name(sut->store()); } \
  static void name(KvStore& store)

BOOK_TEST(ASubjectHeldAgainIsTheSameExceptionTriedOnceMore) {
  ManualClock clock;
  Desk desk(store, clock);
  ExceptionRecord first = raise_ok(*desk.book, hold("e1"));
  STRCMP_EQUAL("EX-000001", first.id.c_str());
  UNSIGNED_LONGS_EQUAL(1, first.attempts);
  CHECK_TRUE(first.state == ExceptionState::kOpen);

  clock.advance(5min);
  ExceptionRaise again = hold("e1", "MISSING_UNIT", "finance");
  again.reason = "the ERP has no unit 'case' for the item";
  ExceptionRecord second = raise_ok(*desk.book, again);

  STRCMP_EQUAL("EX-000001", second.id.c_str());
  UNSIGNED_LONGS_EQUAL(2, second.attempts);
  STRCMP_EQUAL("MISSING_UNIT", second.cls.c_str());
  STRCMP_EQUAL("finance", second.owner.c_str());
  STRCMP_EQUAL("the ERP has no unit 'case' for the item", second.reason.c_str());
  LONGS_EQUAL(first.first_seen_ms, second.first_seen_ms);
  LONGS_EQUAL(first.first_seen_ms + 5 * 60 * 1000, second.updated_ms);
  UNSIGNED_LONGS_EQUAL(2, second.trail.size());
  STRCMP_EQUAL("raised", second.trail[0].action.c_str());
  STRCMP_EQUAL("held again", second.trail[1].action.c_str());
  STRCMP_EQUAL("the ERP has no unit 'case' for the item", second.trail[1].note.c_str());
  STRCMP_EQUAL("cls: 'UNKNOWN_SKU' -> 'MISSING_UNIT'; owner: 'warehouse' -> 'finance'",
               second.trail[1].change.c_str());

  // What is stored is what raise() answered.
  Result<ExceptionRecord> stored = desk.book->get("EX-000001");
  CHECK_OK(stored.status());
  CHECK_TRUE(stored->to_json().dump() == second.to_json().dump());
  ExceptionCounts c = desk.book->counts();
  UNSIGNED_LONGS_EQUAL(1, c.open);
  UNSIGNED_LONGS_EQUAL(1, c.by_class["MISSING_UNIT"]);
  UNSIGNED_LONGS_EQUAL(0, c.by_class.count("UNKNOWN_SKU"));
}

BOOK_TEST(ActionsMoveTheStateAndAClosedExceptionTakesNoMore) {
  ManualClock clock;
  Desk desk(store, clock);
  ExceptionRecord rec = raise_ok(*desk.book, hold("e1"));

  Result<ExceptionRecord> retried = desk.book->act(rec.id, ExceptionState::kRetrying, by("ana", "retry", "sku added"));
  CHECK_OK(retried.status());
  CHECK_TRUE(retried->state == ExceptionState::kRetrying);
  LONGS_EQUAL(clock.wall_ms(), retried->trail.back().at_ms);  // stamped when 0
  UNSIGNED_LONGS_EQUAL(1, desk.book->counts().retrying);

  const std::string detail = R"({"sku":"X-2"})";
  Result<ExceptionRecord> edited = desk.book->act(rec.id, ExceptionState::kRetrying,
                                                  by("ana", "edit", "typo", "sku: 'X-1' -> 'X-2'"), &detail);
  CHECK_OK(edited.status());
  STRCMP_EQUAL(detail.c_str(), edited->detail.c_str());
  STRCMP_EQUAL("sku: 'X-1' -> 'X-2'", edited->trail.back().change.c_str());

  Result<ExceptionRecord> discarded =
      desk.book->act(rec.id, ExceptionState::kDiscarded, by("ben", "discard", "duplicate of SO-7"));
  CHECK_OK(discarded.status());
  CHECK_TRUE(discarded->state == ExceptionState::kDiscarded);
  UNSIGNED_LONGS_EQUAL(0, desk.book->counts().open);

  // Closed: every further action is refused (409) and the trail stays as it was.
  CHECK_CODE(Code::kFailedPrecondition,
             desk.book->act(rec.id, ExceptionState::kRetrying, by("ana", "retry", "")).status());
  CHECK_CODE(Code::kFailedPrecondition,
             desk.book->act(rec.id, ExceptionState::kResolved, by("ana", "resolve", "")).status());
  Result<ExceptionRecord> after = desk.book->get(rec.id);
  CHECK_OK(after.status());
  UNSIGNED_LONGS_EQUAL(4, after->trail.size());
  STRCMP_EQUAL("raised,retry,edit,discard",
               (after->trail[0].action + "," + after->trail[1].action + "," + after->trail[2].action + "," +
                after->trail[3].action).c_str());
  STRCMP_EQUAL("ben", after->trail[3].who.c_str());

  CHECK_CODE(Code::kNotFound, desk.book->act("EX-000099", ExceptionState::kRetrying, by("a", "retry", "")).status());
  CHECK_CODE(Code::kNotFound, desk.book->act("bogus", ExceptionState::kRetrying, by("a", "retry", "")).status());
  CHECK_CODE(Code::kNotFound, desk.book->get("EX-0000001").status());
}

BOOK_TEST(ResolveSubjectClosesItsExceptionAndANewHoldOpensANewOne) {
  ManualClock clock;
  Desk desk(store, clock);
  raise_ok(*desk.book, hold("e1"));
  raise_ok(*desk.book, hold("e2"));

  Result<ExceptionRecord> resolved = desk.book->resolve_subject("event", "e1", "system", "posted as IF-88");
  CHECK_OK(resolved.status());
  STRCMP_EQUAL("EX-000001", resolved->id.c_str());
  CHECK_TRUE(resolved->state == ExceptionState::kResolved);
  STRCMP_EQUAL("resolved", resolved->trail.back().action.c_str());
  STRCMP_EQUAL("posted as IF-88", resolved->trail.back().note.c_str());
  CHECK_CODE(Code::kNotFound, desk.book->resolve_subject("event", "e1", "system", "again").status());
  CHECK_CODE(Code::kNotFound, desk.book->resolve_subject("event", "never", "system", "").status());
  CHECK_CODE(Code::kNotFound, desk.book->resolve_subject("command", "e2", "system", "").status());

  // The closed one is still what the subject shows until it is held again.
  Result<ExceptionRecord> found = desk.book->find_subject("event", "e1");
  CHECK_OK(found.status());
  STRCMP_EQUAL("EX-000001", found->id.c_str());

  ExceptionRecord fresh = raise_ok(*desk.book, hold("e1"));
  STRCMP_EQUAL("EX-000003", fresh.id.c_str());
  UNSIGNED_LONGS_EQUAL(1, fresh.attempts);
  UNSIGNED_LONGS_EQUAL(1, fresh.trail.size());
  found = desk.book->find_subject("event", "e1");
  CHECK_OK(found.status());
  STRCMP_EQUAL("EX-000003", found->id.c_str());
  Result<ExceptionRecord> old = desk.book->get("EX-000001");
  CHECK_OK(old.status());
  CHECK_TRUE(old->state == ExceptionState::kResolved);
  CHECK_CODE(Code::kNotFound, desk.book->find_subject("event", "never").status());
}

BOOK_TEST(HeldAgainWhileRetryingGoesBackToOpen) {
  ManualClock clock;
  Desk desk(store, clock);
  ExceptionRecord rec = raise_ok(*desk.book, hold("e1"));
  CHECK_OK(desk.book->act(rec.id, ExceptionState::kRetrying, by("ana", "retry", "")).status());
  ExceptionRecord again = raise_ok(*desk.book, hold("e1"));
  STRCMP_EQUAL(rec.id.c_str(), again.id.c_str());
  CHECK_TRUE(again.state == ExceptionState::kOpen);
  UNSIGNED_LONGS_EQUAL(2, again.attempts);
  UNSIGNED_LONGS_EQUAL(0, desk.book->counts().retrying);
}

BOOK_TEST(ListFiltersNewestFirst) {
  ManualClock clock;
  Desk desk(store, clock);
  raise_ok(*desk.book, hold("e1", "UNKNOWN_SKU", "warehouse", "S1"));  // 1: resolved below
  raise_ok(*desk.book, hold("e2", "UNKNOWN_SKU", "warehouse", "S2"));  // 2: retrying
  raise_ok(*desk.book, hold("e3", "BAD_CARRIER", "warehouse", "S1"));  // 3: open
  raise_ok(*desk.book, hold("e4", "CREDIT_HOLD", "finance", "S1"));    // 4: discarded
  raise_ok(*desk.book, hold("e5", "CREDIT_HOLD", "finance", "S2"));    // 5: open
  CHECK_OK(desk.book->resolve_subject("event", "e1", "system", "posted").status());
  CHECK_OK(desk.book->act("EX-000002", ExceptionState::kRetrying, by("ana", "retry", "")).status());
  CHECK_OK(desk.book->act("EX-000004", ExceptionState::kDiscarded, by("ben", "discard", "cancelled")).status());

  ExceptionFilter all;
  STRCMP_EQUAL("EX-000005,EX-000004,EX-000003,EX-000002,EX-000001", listed(*desk.book, all).c_str());
  ExceptionFilter f;
  f.cls = "UNKNOWN_SKU";
  STRCMP_EQUAL("EX-000002,EX-000001", listed(*desk.book, f).c_str());
  f = {};
  f.owner = "finance";
  STRCMP_EQUAL("EX-000005,EX-000004", listed(*desk.book, f).c_str());
  f = {};
  f.site = "S2";
  STRCMP_EQUAL("EX-000005,EX-000002", listed(*desk.book, f).c_str());
  f = {};
  f.only_unclosed = true;
  STRCMP_EQUAL("EX-000005,EX-000003,EX-000002", listed(*desk.book, f).c_str());
  f.owner = "warehouse";
  STRCMP_EQUAL("EX-000003,EX-000002", listed(*desk.book, f).c_str());
  f = {};
  f.state = ExceptionState::kRetrying;
  STRCMP_EQUAL("EX-000002", listed(*desk.book, f).c_str());
  f.state = ExceptionState::kOpen;
  STRCMP_EQUAL("EX-000005,EX-000003", listed(*desk.book, f).c_str());
  f.state = ExceptionState::kDiscarded;
  STRCMP_EQUAL("EX-000004", listed(*desk.book, f).c_str());
  f.state = ExceptionState::kResolved;
  f.only_unclosed = true;  // contradictory: nothing
  STRCMP_EQUAL("", listed(*desk.book, f).c_str());
  f = {};
  f.limit = 2;
  STRCMP_EQUAL("EX-000005,EX-000004", listed(*desk.book, f).c_str());
  f.only_unclosed = true;
  STRCMP_EQUAL("EX-000005,EX-000003", listed(*desk.book, f).c_str());
  f = {};
  f.cls = "NO_SUCH_CLASS";
  STRCMP_EQUAL("", listed(*desk.book, f).c_str());
}

BOOK_TEST(CountsAreOfTheUnclosedByClassAndOwner) {
  ManualClock clock;
  Desk desk(store, clock);
  ExceptionCounts none = desk.book->counts();
  UNSIGNED_LONGS_EQUAL(0, none.open);
  LONGS_EQUAL(0, none.oldest_first_seen_ms);

  const int64_t t0 = clock.wall_ms();
  raise_ok(*desk.book, hold("e1", "UNKNOWN_SKU", "warehouse"));
  clock.advance(1h);
  raise_ok(*desk.book, hold("e2", "UNKNOWN_SKU", "warehouse"));
  raise_ok(*desk.book, hold("e3", "CREDIT_HOLD", "finance"));
  raise_ok(*desk.book, hold("e4", "CREDIT_HOLD", "finance"));
  CHECK_OK(desk.book->act("EX-000003", ExceptionState::kRetrying, by("ana", "retry", "")).status());
  CHECK_OK(desk.book->act("EX-000004", ExceptionState::kDiscarded, by("ana", "discard", "cancelled")).status());

  ExceptionCounts c = desk.book->counts();
  UNSIGNED_LONGS_EQUAL(3, c.open);
  UNSIGNED_LONGS_EQUAL(1, c.retrying);
  UNSIGNED_LONGS_EQUAL(2, c.by_class["UNKNOWN_SKU"]);
  UNSIGNED_LONGS_EQUAL(1, c.by_class["CREDIT_HOLD"]);
  UNSIGNED_LONGS_EQUAL(2, c.by_owner["warehouse"]);
  UNSIGNED_LONGS_EQUAL(1, c.by_owner["finance"]);
  LONGS_EQUAL(t0, c.oldest_first_seen_ms);

  CHECK_OK(desk.book->resolve_subject("event", "e1", "system", "posted").status());
  c = desk.book->counts();
  UNSIGNED_LONGS_EQUAL(2, c.open);
  UNSIGNED_LONGS_EQUAL(1, c.by_class["UNKNOWN_SKU"]);
  LONGS_EQUAL(t0 + 3600 * 1000, c.oldest_first_seen_ms);
}

BOOK_TEST(ScanUnclosedVisitsOldestFirstAcrossChunksAndStops) {
  ManualClock clock;
  Desk desk(store, clock);
  // 600 raised in the caller's one transaction (more than one chunk of the scan).
  {
    auto w = store.write();
    CHECK_OK(w.status());
    for (int i = 1; i <= 600; ++i) CHECK_OK(desk.book->raise_in(**w, hold("e" + std::to_string(i))));
    CHECK_OK((*w)->commit());
  }
  {
    auto w = store.write();
    CHECK_OK(w.status());
    for (int i = 2; i <= 600; i += 2) {
      CHECK_OK(desk.book->resolve_subject_in(**w, "event", "e" + std::to_string(i), "system", "posted"));
    }
    CHECK_OK((*w)->commit());
  }
  std::vector<std::string> seen;
  CHECK_OK(desk.book->scan_unclosed([&](const ExceptionRecord& r) {
    seen.push_back(r.subject_id);
    return true;
  }));
  UNSIGNED_LONGS_EQUAL(300, seen.size());
  STRCMP_EQUAL("e1", seen.front().c_str());
  STRCMP_EQUAL("e3", seen[1].c_str());
  STRCMP_EQUAL("e599", seen.back().c_str());

  seen.clear();
  CHECK_OK(desk.book->scan_unclosed([&](const ExceptionRecord& r) {
    seen.push_back(r.id);
    return seen.size() < 3;
  }));
  UNSIGNED_LONGS_EQUAL(3, seen.size());
  STRCMP_EQUAL("EX-000005", seen.back().c_str());
}

BOOK_TEST(RaiseInACallersTransactionThatAbortsLeavesNothing) {
  ManualClock clock;
  Desk desk(store, clock);
  {
    auto w = store.write();
    CHECK_OK(w.status());
    ExceptionRecord out;
    CHECK_OK(desk.book->raise_in(**w, hold("e1"), &out));
    STRCMP_EQUAL("EX-000001", out.id.c_str());
    // The transaction sees its own exception...
    Result<ExceptionRecord> inside = desk.book->find_subject_in(**w, "event", "e1");
    CHECK_OK(inside.status());
    STRCMP_EQUAL("EX-000001", inside->id.c_str());
  }  // ...and is destroyed without commit.
  CHECK_CODE(Code::kNotFound, desk.book->get("EX-000001").status());
  CHECK_CODE(Code::kNotFound, desk.book->find_subject("event", "e1").status());
  STRCMP_EQUAL("", listed(*desk.book, {}).c_str());
  UNSIGNED_LONGS_EQUAL(0, desk.book->counts().open);
  // The aborted raise took no id.
  STRCMP_EQUAL("EX-000001", raise_ok(*desk.book, hold("e2")).id.c_str());
}

BOOK_TEST(InVariantsCommitWithTheCallersOwnWrites) {
  ManualClock clock;
  Desk desk(store, clock);
  auto held = store.table("held");
  CHECK_OK(held.status());
  {
    auto w = store.write();
    CHECK_OK(w.status());
    CHECK_OK((*w)->put(*held, "e1", "held"));
    CHECK_OK(desk.book->raise_in(**w, hold("e1")));
    CHECK_OK((*w)->commit());
  }
  STRCMP_EQUAL("held", committed(store, *held, "e1").c_str());
  {
    auto w = store.write();
    CHECK_OK(w.status());
    CHECK_OK((*w)->del(*held, "e1"));
    ExceptionRecord out;
    CHECK_OK(desk.book->resolve_subject_in(**w, "event", "e1", "system", "posted", &out));
    CHECK_TRUE(out.state == ExceptionState::kResolved);
    CHECK_CODE(Code::kFailedPrecondition,
               desk.book->act_in(**w, out.id, ExceptionState::kRetrying, by("ana", "retry", "")));
    CHECK_OK((*w)->commit());
  }
  STRCMP_EQUAL("<NOT_FOUND>", committed(store, *held, "e1").c_str());
  Result<ExceptionRecord> rec = desk.book->get("EX-000001");
  CHECK_OK(rec.status());
  CHECK_TRUE(rec->state == ExceptionState::kResolved);
}

BOOK_TEST(PruneForgetsClosedExceptionsPastRetentionOnly) {
  ManualClock clock;
  ExceptionBook::Options options;
  options.retention = std::chrono::duration_cast<Millis>(std::chrono::hours(24 * 10));
  Desk desk(store, clock, options);
  raise_ok(*desk.book, hold("old-open"));   // 1: never closed
  raise_ok(*desk.book, hold("resolved"));   // 2
  raise_ok(*desk.book, hold("discarded"));  // 3
  raise_ok(*desk.book, hold("late"));       // 4: closed 5 days later
  raise_ok(*desk.book, hold("again"));      // 5: closed, then 6 for the same subject
  CHECK_OK(desk.book->resolve_subject("event", "resolved", "system", "posted").status());
  CHECK_OK(desk.book->act("EX-000003", ExceptionState::kDiscarded, by("ben", "discard", "cancelled")).status());
  CHECK_OK(desk.book->resolve_subject("event", "again", "system", "posted").status());
  ExceptionRecord six = raise_ok(*desk.book, hold("again"));
  STRCMP_EQUAL("EX-000006", six.id.c_str());
  clock.advance(std::chrono::hours(24 * 5));
  CHECK_OK(desk.book->resolve_subject("event", "late", "system", "posted").status());

  Result<uint64_t> none = desk.book->prune();  // nothing closed 10 days ago yet
  CHECK_OK(none.status());
  UNSIGNED_LONGS_EQUAL(0, *none);

  clock.advance(std::chrono::hours(24 * 6));
  Result<uint64_t> pruned = desk.book->prune();
  CHECK_OK(pruned.status());
  UNSIGNED_LONGS_EQUAL(3, *pruned);  // 2, 3 and 5
  STRCMP_EQUAL("EX-000006,EX-000004,EX-000001", listed(*desk.book, {}).c_str());
  CHECK_CODE(Code::kNotFound, desk.book->get("EX-000002").status());
  CHECK_CODE(Code::kNotFound, desk.book->find_subject("event", "resolved").status());
  CHECK_CODE(Code::kNotFound, desk.book->find_subject("event", "discarded").status());
  // Their subjects are forgotten too (the index stays bounded): old-open, late, again remain.
  auto subjects = store.table("exc_subject");
  CHECK_OK(subjects.status());
  UNSIGNED_LONGS_EQUAL(3, committed_count(store, *subjects));
  // The subject held again still shows its newer exception.
  Result<ExceptionRecord> again = desk.book->find_subject("event", "again");
  CHECK_OK(again.status());
  STRCMP_EQUAL("EX-000006", again->id.c_str());
  // Ids are never reused.
  STRCMP_EQUAL("EX-000007", raise_ok(*desk.book, hold("resolved")).id.c_str());

  clock.advance(std::chrono::hours(24 * 5));
  pruned = desk.book->prune();
  CHECK_OK(pruned.status());
  UNSIGNED_LONGS_EQUAL(1, *pruned);  // 4
  STRCMP_EQUAL("EX-000007,EX-000006,EX-000001", listed(*desk.book, {}).c_str());
}

BOOK_TEST(PruneStopsAtMax) {
  ManualClock clock;
  ExceptionBook::Options options;
  options.retention = Millis(1000);
  Desk desk(store, clock, options);
  for (int i = 1; i <= 5; ++i) {
    raise_ok(*desk.book, hold("e" + std::to_string(i)));
    CHECK_OK(desk.book->resolve_subject("event", "e" + std::to_string(i), "system", "posted").status());
  }
  clock.advance(2s);
  Result<uint64_t> pruned = desk.book->prune(2);
  CHECK_OK(pruned.status());
  UNSIGNED_LONGS_EQUAL(2, *pruned);
  STRCMP_EQUAL("EX-000005,EX-000004,EX-000003", listed(*desk.book, {}).c_str());
  pruned = desk.book->prune();
  CHECK_OK(pruned.status());
  UNSIGNED_LONGS_EQUAL(3, *pruned);
  STRCMP_EQUAL("", listed(*desk.book, {}).c_str());
}

BOOK_TEST(IdsPastSixDigitsStillListNewestFirst) {
  ManualClock clock;
  Desk desk(store, clock);
  // Skips the counter ahead rather than raising a million exceptions.
  auto meta = store.table("exc_meta");
  CHECK_OK(meta.status());
  CHECK_OK(put_all(store, *meta, {{"next_id", encode_u64_key(999'999)}}));
  STRCMP_EQUAL("EX-999999", raise_ok(*desk.book, hold("e1")).id.c_str());
  STRCMP_EQUAL("EX-1000000", raise_ok(*desk.book, hold("e2")).id.c_str());
  STRCMP_EQUAL("EX-1000000,EX-999999", listed(*desk.book, {}).c_str());
  CHECK_OK(desk.book->get("EX-1000000").status());
  CHECK_OK(desk.book->act("EX-1000000", ExceptionState::kRetrying, by("ana", "retry", "")).status());
}

BOOK_TEST(ARaiseWithoutSubjectOrClassIsRefused) {
  ManualClock clock;
  Desk desk(store, clock);
  ExceptionRaise r = hold("e1");
  r.subject_id = "";
  CHECK_CODE(Code::kInvalidArgument, desk.book->raise(r).status());
  r = hold("e1");
  r.cls = "";
  CHECK_CODE(Code::kInvalidArgument, desk.book->raise(r).status());
  r = hold(std::string(600, 'x'));
  CHECK_CODE(Code::kInvalidArgument, desk.book->raise(r).status());
  STRCMP_EQUAL("", listed(*desk.book, {}).c_str());
  STRCMP_EQUAL("EX-000001", raise_ok(*desk.book, hold("e1")).id.c_str());
}

BOOK_TEST(TwoBooksInOneStoreKeepApart) {
  ManualClock clock;
  GroupCommitter committer(store);
  auto agent = ExceptionBook::open(store, committer, clock, "exc");
  auto relay = ExceptionBook::open(store, committer, clock, "rexc");
  CHECK_OK(agent.status());
  CHECK_OK(relay.status());
  raise_ok(**agent, hold("e1"));
  STRCMP_EQUAL("EX-000001", raise_ok(**relay, hold("e1")).id.c_str());
  UNSIGNED_LONGS_EQUAL(1, (*agent)->counts().open);
  CHECK_OK((*agent)->resolve_subject("event", "e1", "system", "posted").status());
  UNSIGNED_LONGS_EQUAL(1, (*relay)->counts().open);
}

TEST(ExceptionBookLmdb, IdsAndRecordsOutliveAReopen) {
  ManualClock clock;
  {
    Desk desk(lmdb->store(), clock);
    raise_ok(*desk.book, hold("e1"));
    raise_ok(*desk.book, hold("e1"));
    raise_ok(*desk.book, hold("e2", "CREDIT_HOLD", "finance"));
    CHECK_OK(desk.book->resolve_subject("event", "e2", "system", "posted").status());
  }
  CHECK_OK(lmdb->reopen(LmdbOptions{}));
  Desk desk(lmdb->store(), clock);
  Result<ExceptionRecord> e1 = desk.book->get("EX-000001");
  CHECK_OK(e1.status());
  UNSIGNED_LONGS_EQUAL(2, e1->attempts);
  UNSIGNED_LONGS_EQUAL(2, e1->trail.size());
  ExceptionCounts c = desk.book->counts();
  UNSIGNED_LONGS_EQUAL(1, c.open);
  UNSIGNED_LONGS_EQUAL(1, c.by_owner["warehouse"]);
  // Held again after the reopen: the same exception; a closed subject gets a new id, never an old one.
  STRCMP_EQUAL("EX-000001", raise_ok(*desk.book, hold("e1")).id.c_str());
  STRCMP_EQUAL("EX-000003", raise_ok(*desk.book, hold("e2")).id.c_str());
  STRCMP_EQUAL("EX-000003,EX-000002,EX-000001", listed(*desk.book, {}).c_str());
}

TEST(ExceptionBookMemory, AFailedCommitIsNotAcknowledgedAndRecordsNothing) {
  ManualClock clock;
  Desk desk(memory->store(), clock);
  memory->memory().fail_commits(1, Status::IoError("fsync failed"));
  CHECK_CODE(Code::kIoError, desk.book->raise(hold("e1")).status());
  CHECK_CODE(Code::kNotFound, desk.book->find_subject("event", "e1").status());
  STRCMP_EQUAL("EX-000001", raise_ok(*desk.book, hold("e1")).id.c_str());
}

TEST_GROUP(ExceptionRecordJson) {};

TEST(ExceptionRecordJson, RoundTripsEveryField) {
  ExceptionRecord r;
  r.id = "EX-000042";
  r.cls = "BAD_CARRIER";
  r.owner = "warehouse";
  r.subject_kind = "event";
  r.subject_id = "e-9";
  r.site = "S1";
  r.key = "SO-9";
  r.reason = "the carrier code is unknown";
  r.detail = R"({"carrier":"ZZ"})";
  r.state = ExceptionState::kRetrying;
  r.first_seen_ms = 1'764'172'800'000;
  r.updated_ms = 1'764'172'900'000;
  r.attempts = 3;
  r.trail = {{1, "system", "raised", "unknown carrier", ""}, {2, "ana", "edit", "fixed", "carrier: 'ZZ' -> 'UPS'"}};
  Json j = r.to_json();
  STRCMP_EQUAL("retrying", j.get_string("state").c_str());
  Result<Json> parsed = Json::parse(j.dump());
  CHECK_OK(parsed.status());
  Result<ExceptionRecord> back = ExceptionRecord::from_json(*parsed);
  CHECK_OK(back.status());
  STRCMP_EQUAL(j.dump().c_str(), back->to_json().dump().c_str());
  UNSIGNED_LONGS_EQUAL(3, back->attempts);
  STRCMP_EQUAL("carrier: 'ZZ' -> 'UPS'", back->trail[1].change.c_str());
}

TEST(ExceptionRecordJson, BadShapesAreRefused) {
  const char* bad[] = {
      R"([])",
      R"({"cls":"A","subject_kind":"event","subject_id":"e","state":"open"})",             // no id
      R"({"id":"EX-000001","cls":"A","subject_kind":"event","subject_id":"e","state":"lost"})",
      R"({"id":"EX-000001","cls":"A","subject_kind":"event","subject_id":"e","state":"open","attempts":"2"})",
      R"({"id":"EX-000001","cls":"A","subject_kind":"event","subject_id":"e","state":"open","attempts":-1})",
      R"({"id":"EX-000001","cls":"A","subject_kind":"event","subject_id":"e","state":"open","trail":{}})",
      R"({"id":"EX-000001","cls":"A","subject_kind":"event","subject_id":"e","state":"open","trail":[1]})",
      R"({"id":"EX-000001","cls":"A","subject_kind":"event","subject_id":"e","state":"open","reason":7})",
  };
  for (const char* text : bad) {
    Result<Json> j = Json::parse(text);
    CHECK_OK(j.status());
    CHECK_CODE(Code::kInvalidArgument, ExceptionRecord::from_json(*j).status());
  }
}

TEST(ExceptionRecordJson, StatesHaveNames) {
  for (ExceptionState s : {ExceptionState::kOpen, ExceptionState::kRetrying, ExceptionState::kResolved,
                           ExceptionState::kDiscarded}) {
    CHECK_TRUE(parse_exception_state(to_string(s)) == s);
  }
  CHECK_FALSE(parse_exception_state("closed").has_value());
  CHECK_TRUE(is_closed(ExceptionState::kDiscarded));
  CHECK_FALSE(is_closed(ExceptionState::kRetrying));
}
