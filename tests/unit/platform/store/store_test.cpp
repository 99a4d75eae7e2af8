// The KvStore contract, checked against the LMDB store and the memory twin alike.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/log.h"
#include "platform/store/kv_store.h"
#include "tests/unit/platform/store/store_checks.h"
#include "tests/unit/platform/store/store_harness.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::test;

TEST_GROUP(LmdbStore) {
  std::unique_ptr<StoreUnderTest> sut;
  void setup() override {
    log::set_level(log::Level::kWarn);
    auto lmdb = std::make_unique<LmdbUnderTest>();
    CHECK_OK(lmdb->open_status());
    sut = std::move(lmdb);
  }
  void teardown() override { sut.reset(); }
};

TEST_GROUP(MemoryStore) {
  std::unique_ptr<StoreUnderTest> sut;
  void setup() override { sut = std::make_unique<MemoryUnderTest>(); }
  void teardown() override { sut.reset(); }
};

// Defines the body once and registers it in both groups.
#define STORE_TEST(name)                      \
  static void name(StoreUnderTest& sut);      \
  TEST(LmdbStore, name) { name(*sut); }       \
  TEST(MemoryStore, name) { name(*sut); }     \
  static void name(StoreUnderTest& sut)

static TableId table(KvStore& s, const std::string& name) {
  auto t = s.table(name);
  CHECK_TEXT(t.ok(), t.status().to_string().c_str());
  return *t;
}

STORE_TEST(PutGetDelAndNotFound) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  CHECK_OK(put_all(s, t, {{"a", "1"}, {"b", "2"}}));
  STRCMP_EQUAL("1", committed(s, t, "a").c_str());
  STRCMP_EQUAL("<NOT_FOUND>", committed(s, t, "zz").c_str());

  auto w = s.write();
  CHECK_OK(w.status());
  CHECK_OK((*w)->put(t, "a", "one"));  // overwrite
  CHECK_OK((*w)->del(t, "b"));
  CHECK_CODE(Code::kNotFound, (*w)->del(t, "b"));
  CHECK_CODE(Code::kNotFound, (*w)->del(t, "never"));
  std::string v;
  CHECK_CODE(Code::kNotFound, (*w)->get(t, "b", &v));
  CHECK_OK((*w)->commit());
  CHECK_CODE(Code::kFailedPrecondition, (*w)->commit());  // finished

  STRCMP_EQUAL("one", committed(s, t, "a").c_str());
  STRCMP_EQUAL("<NOT_FOUND>", committed(s, t, "b").c_str());
  // The same name gives the same table; a different name a different one.
  CHECK_EQUAL(t.handle, table(s, "t").handle);
  STRCMP_EQUAL("<NOT_FOUND>", committed(s, table(s, "other"), "a").c_str());
}

STORE_TEST(PutNewWritesOnlyAbsentKeysAndReportsTheStoredValue) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  CHECK_OK(put_all(s, t, {{"a", "first"}}));
  auto w = s.write();
  CHECK_OK(w.status());
  std::string existing;
  CHECK_CODE(Code::kAlreadyExists, (*w)->put_new(t, "a", "second", &existing));
  STRCMP_EQUAL("first", existing.c_str());
  CHECK_OK((*w)->put_new(t, "b", "new", &existing));
  CHECK_CODE(Code::kAlreadyExists, (*w)->put_new(t, "b", "again", nullptr));  // sees its own write
  CHECK_OK((*w)->commit());  // a refused put_new does not spoil the transaction
  STRCMP_EQUAL("first", committed(s, t, "a").c_str());
  STRCMP_EQUAL("new", committed(s, t, "b").c_str());
}

STORE_TEST(PutLastAppendsInOrderAndRefusesAKeyOutOfOrder) {
  KvStore& s = sut.store();
  TableId t = table(s, "log");
  auto w = s.write();
  CHECK_OK(w.status());
  for (uint64_t i = 1; i <= 100; ++i) CHECK_OK((*w)->put_last(t, encode_u64_key(i), record_for(i)));
  CHECK_CODE(Code::kInvalidArgument, (*w)->put_last(t, encode_u64_key(50), "late"));
  CHECK_CODE(Code::kInvalidArgument, (*w)->put_last(t, encode_u64_key(100), "same"));
  CHECK_OK((*w)->put_last(t, encode_u64_key(101), record_for(101)));
  CHECK_OK((*w)->commit());
  UNSIGNED_LONGS_EQUAL(101, committed_count(s, t));
  CHECK_TRUE(record_for(50) == committed(s, t, encode_u64_key(50)));
}

STORE_TEST(BadKeysAndTablesAreRefusedWithoutSpoilingTheTransaction) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  auto w = s.write();
  CHECK_OK(w.status());
  CHECK_CODE(Code::kInvalidArgument, (*w)->put(t, "", "v"));
  CHECK_CODE(Code::kInvalidArgument, (*w)->put(t, std::string(512, 'k'), "v"));
  CHECK_CODE(Code::kInvalidArgument, (*w)->put(TableId{999}, "k", "v"));
  CHECK_OK((*w)->put(t, std::string(511, 'k'), "v"));
  CHECK_OK((*w)->commit());
  STRCMP_EQUAL("v", committed(s, t, std::string(511, 'k')).c_str());
  CHECK_CODE(Code::kInvalidArgument, s.table("").status());
}

STORE_TEST(ScanAndScanBackOrderAndStop) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  CHECK_OK(put_all(s, t, {{"d", "4"}, {"b", "2"}, {"a", "1"}, {"c", "3"}}));
  auto r = s.read();
  CHECK_OK(r.status());
  ReadTxn& rt = **r;
  STRCMP_EQUAL("a,b,c,d", scan_keys(rt, t, "").c_str());
  STRCMP_EQUAL("b,c,d", scan_keys(rt, t, "b").c_str());
  STRCMP_EQUAL("c,d", scan_keys(rt, t, "bb").c_str());
  STRCMP_EQUAL("", scan_keys(rt, t, "e").c_str());
  STRCMP_EQUAL("a,b", scan_keys(rt, t, "", false, 2).c_str());
  STRCMP_EQUAL("d,c,b,a", scan_keys(rt, t, "", true).c_str());
  STRCMP_EQUAL("c,b,a", scan_keys(rt, t, "c", true).c_str());
  STRCMP_EQUAL("b,a", scan_keys(rt, t, "bb", true).c_str());
  STRCMP_EQUAL("d,c,b,a", scan_keys(rt, t, "zz", true).c_str());
  STRCMP_EQUAL("", scan_keys(rt, t, "0", true).c_str());
  STRCMP_EQUAL("d", scan_keys(rt, t, "", true, 1).c_str());
  // Values come with their keys.
  std::string values;
  CHECK_OK(rt.scan(t, "", [&](std::string_view, std::string_view v) {
    values.append(v);
    return true;
  }));
  STRCMP_EQUAL("1234", values.c_str());
}

STORE_TEST(WriteTxnSeesItsOwnWritesInScansAndCounts) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  CHECK_OK(put_all(s, t, {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}}));
  auto w = s.write();
  CHECK_OK(w.status());
  CHECK_OK((*w)->put(t, "bb", "x"));
  CHECK_OK((*w)->del(t, "c"));
  CHECK_OK((*w)->put(t, "a", "1'"));
  STRCMP_EQUAL("a,b,bb,d", scan_keys(**w, t, "").c_str());
  STRCMP_EQUAL("bb,d", scan_keys(**w, t, "ba").c_str());
  STRCMP_EQUAL("d,bb,b,a", scan_keys(**w, t, "", true).c_str());
  STRCMP_EQUAL("bb,b,a", scan_keys(**w, t, "c", true).c_str());
  auto n = (*w)->count(t);
  CHECK_OK(n.status());
  UNSIGNED_LONGS_EQUAL(4, *n);
  std::string v;
  CHECK_OK((*w)->get(t, "a", &v));
  STRCMP_EQUAL("1'", v.c_str());
}

STORE_TEST(CountPerTable) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  TableId u = table(s, "u");
  UNSIGNED_LONGS_EQUAL(0, committed_count(s, t));
  CHECK_OK(put_all(s, t, {{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  CHECK_OK(put_all(s, u, {{"a", "1"}}));
  UNSIGNED_LONGS_EQUAL(3, committed_count(s, t));
  UNSIGNED_LONGS_EQUAL(1, committed_count(s, u));
}

STORE_TEST(UncommittedWritesAreInvisibleAndGoneAfterAbort) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  CHECK_OK(put_all(s, t, {{"k", "old"}}));
  auto before = s.read();  // a snapshot older than everything below
  CHECK_OK(before.status());
  {
    auto w = s.write();
    CHECK_OK(w.status());
    CHECK_OK((*w)->put(t, "k", "new"));
    CHECK_OK((*w)->put(t, "x", "uncommitted"));
    STRCMP_EQUAL("old", committed(s, t, "k").c_str());
    STRCMP_EQUAL("<NOT_FOUND>", committed(s, t, "x").c_str());
    UNSIGNED_LONGS_EQUAL(1, committed_count(s, t));
  }  // destroyed without commit: aborted
  STRCMP_EQUAL("old", committed(s, t, "k").c_str());
  STRCMP_EQUAL("<NOT_FOUND>", committed(s, t, "x").c_str());

  CHECK_OK(put_all(s, t, {{"k", "newer"}}));
  std::string v;
  CHECK_OK((*before)->get(t, "k", &v));
  STRCMP_EQUAL("old", v.c_str());  // the old reader keeps its snapshot
  STRCMP_EQUAL("newer", committed(s, t, "k").c_str());
}

STORE_TEST(OneWriterAtATime) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  auto w = s.write();
  CHECK_OK(w.status());
  std::atomic<bool> second_began{false};
  Status second_commit;
  std::thread other([&] {
    auto w2 = s.write();  // blocks until the first ends
    second_began = true;
    if (!w2.ok()) {
      second_commit = w2.status();
      return;
    }
    std::string v;
    second_commit = (*w2)->get(t, "first", &v);  // must see the first writer's commit
    if (second_commit.ok()) second_commit = (*w2)->put(t, "second", v + "+2");
    if (second_commit.ok()) second_commit = (*w2)->commit();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(second_began.load());
  CHECK_OK((*w)->put(t, "first", "1"));
  CHECK_OK((*w)->commit());
  other.join();
  CHECK_TRUE(second_began.load());
  CHECK_OK(second_commit);
  STRCMP_EQUAL("1+2", committed(s, t, "second").c_str());
}

STORE_TEST(WriteTxnRefusesUseFromAnotherThread) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  auto w = s.write();
  CHECK_OK(w.status());
  Status off_thread;
  std::thread([&] { off_thread = (*w)->put(t, "k", "v"); }).join();
  CHECK_CODE(Code::kFailedPrecondition, off_thread);
  CHECK_OK((*w)->put(t, "k", "v"));
  CHECK_OK((*w)->commit());
  STRCMP_EQUAL("v", committed(s, t, "k").c_str());
}

STORE_TEST(ReadTxnMayMoveBetweenThreads) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  CHECK_OK(put_all(s, t, {{"k", "v"}}));
  auto r = s.read();
  CHECK_OK(r.status());
  std::unique_ptr<ReadTxn> moved = std::move(*r);
  std::string v;
  Status got;
  std::thread([&] {
    got = moved->get(t, "k", &v);
    moved.reset();  // ends on this thread
  }).join();
  CHECK_OK(got);
  STRCMP_EQUAL("v", v.c_str());
  // The transaction's hold on the store was released on the other thread, or
  // grow(), which waits for every transaction to end, would hang here.
  CHECK_OK(s.grow());
}

STORE_TEST(U64KeysScanInNumericOrder) {
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  std::vector<uint64_t> ids = {0, 1, 255, 256, 65535, 1ull << 32, 42, UINT64_MAX, 7, 1ull << 63};
  std::vector<std::pair<std::string, std::string>> kvs;
  for (uint64_t id : ids) kvs.emplace_back(encode_u64_key(id), std::to_string(id));
  CHECK_OK(put_all(s, t, kvs));
  std::sort(ids.begin(), ids.end());
  std::vector<uint64_t> seen;
  auto r = s.read();
  CHECK_OK(r.status());
  CHECK_OK((*r)->scan(t, "", [&](std::string_view k, std::string_view v) {
    seen.push_back(decode_u64_key(k));
    return std::to_string(seen.back()) == v;
  }));
  CHECK_TRUE(ids == seen);
}

// Fills a small store in commits of 50 records until one is refused, then grows.
STORE_TEST(FullStoreRefusesTheCommitAndGrowsUpToItsCap) {
  constexpr uint64_t kInitial = 128 << 10;
  constexpr uint64_t kCap = 512 << 10;
  CHECK_OK(sut.open_small(kInitial, kCap));
  KvStore& s = sut.store();
  TableId t = table(s, "t");
  uint64_t next = 0;
  Status full;
  std::vector<std::pair<std::string, std::string>> batch;
  for (int i = 0; i < 1000 && full.ok(); ++i) {
    batch.clear();
    for (int j = 0; j < 50; ++j, ++next) batch.emplace_back(encode_u64_key(next), record_for(next));
    full = put_all(s, t, batch);
  }
  CHECK_CODE(Code::kResourceExhausted, full);
  // Nothing of the refused batch was committed; everything before it was.
  const uint64_t committed_records = next - 50;
  UNSIGNED_LONGS_EQUAL(committed_records, committed_count(s, t));
  STRCMP_EQUAL("<NOT_FOUND>", committed(s, t, batch.front().first).c_str());
  CHECK_TRUE(record_for(committed_records - 1) == committed(s, t, encode_u64_key(committed_records - 1)));

  uint64_t map = s.stats().map_bytes;
  int grows = 0;
  Status g;
  while ((g = s.grow()).ok()) {
    CHECK_TRUE(s.stats().map_bytes > map);
    map = s.stats().map_bytes;
    ++grows;
  }
  CHECK_CODE(Code::kResourceExhausted, g);
  UNSIGNED_LONGS_EQUAL(kCap, s.stats().max_map_bytes);
  if (sut.can_grow()) {
    CHECK_EQUAL(2, grows);  // 128K -> 256K -> 512K
    UNSIGNED_LONGS_EQUAL(kCap, s.stats().map_bytes);
    CHECK_OK(put_all(s, t, batch));  // fits now
    UNSIGNED_LONGS_EQUAL(committed_records + 50, committed_count(s, t));
  } else {
    CHECK_EQUAL(0, grows);
    CHECK_CODE(Code::kResourceExhausted, put_all(s, t, batch));
  }
}

TEST_GROUP(Keys){};

TEST(Keys, U64EncodingIsBigEndianAndOrderPreserving) {
  std::string k = encode_u64_key(0x0102030405060708ull);
  MEMCMP_EQUAL("\x01\x02\x03\x04\x05\x06\x07\x08", k.data(), 8);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10000; ++i) {
    uint64_t a = rng() >> (rng() % 64), b = rng() >> (rng() % 64);
    CHECK_EQUAL(a < b, encode_u64_key(a) < encode_u64_key(b));
    UNSIGNED_LONGS_EQUAL(a, decode_u64_key(encode_u64_key(a)));
  }
  UNSIGNED_LONGS_EQUAL(0, decode_u64_key("short"));
  UNSIGNED_LONGS_EQUAL(0, decode_u64_key("nine bytes"));
}
