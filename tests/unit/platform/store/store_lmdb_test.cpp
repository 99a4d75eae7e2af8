// What only one of the two stores has: LMDB's durability and one-open rule, the
// memory twin's fault injection.
#include <filesystem>
#include <memory>
#include <string>

#include "platform/core/log.h"
#include "platform/store/kv_store.h"
#include "tests/unit/platform/store/store_checks.h"
#include "tests/unit/platform/store/store_harness.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::test;

TEST_GROUP(LmdbOnly) {
  std::unique_ptr<LmdbUnderTest> sut;
  void setup() override {
    log::set_level(log::Level::kWarn);
    auto lmdb = std::make_unique<LmdbUnderTest>();
    CHECK_OK(lmdb->open_status());
    sut = std::move(lmdb);
  }
  void teardown() override { sut.reset(); }
};

TEST(LmdbOnly, CommittedDataSurvivesCloseAndReopen) {
  auto t = sut->store().table("journal");
  CHECK_OK(t.status());
  CHECK_OK(put_all(sut->store(), *t, {{encode_u64_key(1), record_for(1)}, {encode_u64_key(2), record_for(2)}}));
  {
    auto w = sut->store().write();  // aborted by the close below
    CHECK_OK(w.status());
    CHECK_OK((*w)->put(*t, encode_u64_key(3), record_for(3)));
  }
  CHECK_OK(sut->reopen(LmdbOptions{}));
  auto t2 = sut->store().table("journal");
  CHECK_OK(t2.status());
  UNSIGNED_LONGS_EQUAL(2, committed_count(sut->store(), *t2));
  CHECK_TRUE(record_for(2) == committed(sut->store(), *t2, encode_u64_key(2)));
  STRCMP_EQUAL("<NOT_FOUND>", committed(sut->store(), *t2, encode_u64_key(3)).c_str());
  UNSIGNED_LONGS_EQUAL(0, sut->store().stats().stale_readers_cleared);
}

TEST(LmdbOnly, SecondOpenOfTheSamePathIsRefused) {
  LmdbOptions o;
  o.path = sut->path();
  auto second = open_lmdb_store(o);
  CHECK_CODE(Code::kFailedPrecondition, second.status());
  o.path = sut->path() + "/../db";  // the same directory by another name
  CHECK_CODE(Code::kFailedPrecondition, open_lmdb_store(o).status());
  sut->close();
  o.path = sut->path();
  auto again = open_lmdb_store(o);
  CHECK_OK(again.status());
}

TEST(LmdbOnly, StatsCountCommitsAndSpace) {
  KvStore& s = sut->store();
  auto t = s.table("t");
  CHECK_OK(t.status());
  const uint64_t before = s.stats().commits;
  CHECK_OK(put_all(s, *t, {{"a", record_for(1)}}));
  CHECK_OK(put_all(s, *t, {{"b", record_for(2)}}));
  StoreStats st = s.stats();
  UNSIGNED_LONGS_EQUAL(before + 2, st.commits);
  UNSIGNED_LONGS_EQUAL(64ull << 20, st.map_bytes);
  UNSIGNED_LONGS_EQUAL(8ull << 30, st.max_map_bytes);
  CHECK_TRUE(st.used_bytes > 0 && st.used_bytes < st.map_bytes);
}

TEST(LmdbOnly, FreedPagesAreCountedAsReusable) {
  KvStore& s = sut->store();
  auto t = s.table("t");
  CHECK_OK(t.status());
  for (uint64_t batch = 0; batch < 10; ++batch) {
    auto w = s.write();
    CHECK_OK(w.status());
    for (uint64_t i = 0; i < 1000; ++i) CHECK_OK((*w)->put(*t, encode_u64_key(batch * 1000 + i), record_for(i)));
    CHECK_OK((*w)->commit());
  }
  const StoreStats full = s.stats();
  {
    auto w = s.write();
    CHECK_OK(w.status());
    for (uint64_t i = 0; i < 10'000; ++i) CHECK_OK((*w)->del(*t, encode_u64_key(i)));
    CHECK_OK((*w)->commit());
  }
  CHECK_OK(put_all(s, *t, {{"x", "y"}}));  // a later commit makes the freed pages reusable
  const StoreStats drained = s.stats();
  // The file keeps its extent, but almost all of it is now on the free list.
  CHECK_TRUE(drained.used_bytes >= full.used_bytes);
  CHECK_TRUE_TEXT(drained.free_bytes > full.used_bytes / 2, "freed pages are reported as reusable");
}

TEST(LmdbOnly, ATransactionThatHitMapFullCannotCommit) {
  CHECK_OK(sut->open_small(128 << 10, 128 << 10));
  KvStore& s = sut->store();
  auto t = s.table("t");
  CHECK_OK(t.status());
  auto w = s.write();
  CHECK_OK(w.status());
  Status st;
  uint64_t i = 0;
  for (; i < 10000 && st.ok(); ++i) st = (*w)->put(*t, encode_u64_key(i), record_for(i));
  CHECK_CODE(Code::kResourceExhausted, st);
  // Aborted at the error: later calls and commit() report it, nothing is written.
  CHECK_CODE(Code::kResourceExhausted, (*w)->put(*t, "small", "v"));
  CHECK_CODE(Code::kResourceExhausted, (*w)->commit());
  w->reset();
  UNSIGNED_LONGS_EQUAL(0, committed_count(s, *t));
  CHECK_OK(put_all(s, *t, {{"small", "v"}}));  // the store itself is fine
}

TEST(LmdbOnly, ReopenKeepsAGrownMap) {
  KvStore& s = sut->store();
  CHECK_OK(s.grow());
  UNSIGNED_LONGS_EQUAL(128ull << 20, s.stats().map_bytes);
  auto t = s.table("t");
  CHECK_OK(t.status());
  CHECK_OK(put_all(s, *t, {{"a", "1"}}));  // a commit persists the new size
  LmdbOptions o;
  o.initial_map_bytes = 1 << 20;
  CHECK_OK(sut->reopen(o));
  STRCMP_EQUAL("1", committed(sut->store(), *sut->store().table("t"), "a").c_str());
}

TEST(LmdbOnly, ReadOnlyOpenReadsAndRefusesEveryWrite) {
  auto t = sut->store().table("t");
  CHECK_OK(t.status());
  CHECK_OK(put_all(sut->store(), *t, {{"a", "1"}}));
  CHECK_OK(sut->store().grow());
  CHECK_OK(put_all(sut->store(), *t, {{"b", "2"}}));  // the commit records the grown map
  sut->close();  // one environment per path per process, reader or writer
  LmdbOptions o;
  o.path = sut->path();
  o.read_only = true;
  o.initial_map_bytes = 1 << 20;  // ignored: a reader maps what the writer recorded
  auto ro = open_lmdb_store(o);
  CHECK_OK(ro.status());
  KvStore& s = **ro;
  auto rt = s.table("t");
  CHECK_OK(rt.status());
  STRCMP_EQUAL("2", committed(s, *rt, "b").c_str());
  CHECK_CODE(Code::kNotFound, s.table("absent").status());
  CHECK_CODE(Code::kFailedPrecondition, s.write().status());
  CHECK_CODE(Code::kFailedPrecondition, s.grow());
  UNSIGNED_LONGS_EQUAL(128ull << 20, s.stats().map_bytes);
  ro->reset();
  o.path = sut->path("never-made");
  CHECK_CODE(Code::kNotFound, open_lmdb_store(o).status());
  CHECK_FALSE(std::filesystem::exists(o.path));  // a reader creates nothing
}

TEST_GROUP(MemoryOnly) {
  std::unique_ptr<MemoryStore> store = MemoryStore::create();
};

TEST(MemoryOnly, InjectedCommitFailuresWriteNothing) {
  auto t = store->table("t");
  CHECK_OK(t.status());
  store->fail_commits(2, Status::IoError("injected"));
  CHECK_CODE(Code::kIoError, put_all(*store, *t, {{"a", "1"}}));
  CHECK_CODE(Code::kIoError, put_all(*store, *t, {{"b", "2"}}));
  STRCMP_EQUAL("<NOT_FOUND>", committed(*store, *t, "a").c_str());
  STRCMP_EQUAL("<NOT_FOUND>", committed(*store, *t, "b").c_str());
  UNSIGNED_LONGS_EQUAL(0, store->stats().commits);
  CHECK_OK(put_all(*store, *t, {{"c", "3"}}));
  STRCMP_EQUAL("3", committed(*store, *t, "c").c_str());
  UNSIGNED_LONGS_EQUAL(1, store->stats().commits);
}

TEST(MemoryOnly, SizeCountsLiveKeysAndValues) {
  auto small = MemoryStore::create(10);
  auto t = small->table("t");
  CHECK_OK(t.status());
  CHECK_OK(put_all(*small, *t, {{"k", "123456789"}}));               // 10 bytes: at the cap
  CHECK_CODE(Code::kResourceExhausted, put_all(*small, *t, {{"j", ""}}));  // 11
  auto w = small->write();
  CHECK_OK(w.status());
  CHECK_OK((*w)->del(*t, "k"));
  CHECK_OK((*w)->put(*t, "j", "12345678"));  // replaces, 9 bytes
  CHECK_OK((*w)->commit());
  UNSIGNED_LONGS_EQUAL(9, small->stats().used_bytes);
  CHECK_CODE(Code::kResourceExhausted, small->grow());
  CHECK_OK(store->grow());  // unlimited: nothing to grow, nothing refused
}
