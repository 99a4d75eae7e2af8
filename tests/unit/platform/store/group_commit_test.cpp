// GroupCommitter: grouping, per-op failure, whole-group failure, grow-and-replay,
// after_commit hooks and stop(), against the memory twin and a real LMDB store.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/log.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "tests/unit/platform/store/store_checks.h"
#include "tests/unit/platform/store/temp_dir.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

// A one-shot latch an op can wait on to hold the writer thread while the test
// lines up a group behind it.
class Latch {
 public:
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

GroupCommitter::Op put_op(TableId t, std::string key, std::string value) {
  return [t, key = std::move(key), value = std::move(value)](WriteTxn& w) { return w.put(t, key, value); };
}

// Runs `ops` each from its own thread, queued behind an op that holds the writer
// until they all wait, so they form one group. Returns each op's status; the
// holder's status goes to *holder.
std::vector<Status> run_as_one_group(GroupCommitter& gc, std::vector<GroupCommitter::Op> ops,
                                     std::vector<GroupCommitter::AfterCommit> hooks = {},
                                     Status* holder = nullptr, const std::function<void()>& while_held = nullptr) {
  Latch release;
  std::atomic<bool> holding{false};
  Status holder_status;
  std::thread holder_thread([&] {
    holder_status = gc.run([&](WriteTxn&) {
      holding = true;
      release.wait();
      return Status::Ok();
    });
  });
  while (!holding) std::this_thread::sleep_for(1ms);
  std::vector<Status> results(ops.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ops.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = gc.run(ops[i], i < hooks.size() ? hooks[i] : nullptr);
    });
    std::this_thread::sleep_for(20ms);  // arrival order = index order
  }
  std::this_thread::sleep_for(50ms);  // the last one is queued too
  if (while_held) while_held();
  release.open();
  holder_thread.join();
  for (auto& th : threads) th.join();
  if (holder) *holder = holder_status;
  return results;
}

}  // namespace

TEST_GROUP(GroupCommit) {
  std::unique_ptr<MemoryStore> store;
  TableId t;
  void setup() override {
    log::set_level(log::Level::kError);
    store = MemoryStore::create();
    t = *store->table("t");
  }
};

TEST(GroupCommit, ConcurrentRunsShareCommitsAndAllLand) {
  GroupCommitter gc(*store);
  constexpr int kThreads = 8, kPerThread = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t id = static_cast<uint64_t>(th * kPerThread + i);
        Status s = gc.run([&, id](WriteTxn& w) {
          std::this_thread::sleep_for(100us);  // long enough for others to queue up
          return w.put(t, encode_u64_key(id), record_for(id));
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK_EQUAL(0, failures.load());
  UNSIGNED_LONGS_EQUAL(kThreads * kPerThread, gc.ops());
  CHECK_TRUE(gc.commits() < gc.ops() / 2);
  UNSIGNED_LONGS_EQUAL(gc.commits(), store->stats().commits);
  UNSIGNED_LONGS_EQUAL(kThreads * kPerThread, committed_count(*store, t));
  for (uint64_t id = 0; id < kThreads * kPerThread; ++id) {
    CHECK_TRUE(record_for(id) == committed(*store, t, encode_u64_key(id)));
  }
}

TEST(GroupCommit, AFailingOpWritesNothingWhileItsGroupMatesCommit) {
  GroupCommitter gc(*store);
  auto refuse_if_a_exists = [&](WriteTxn& w) -> Status {
    std::string v;
    if (w.get(t, "a", &v).ok()) return Status::AlreadyExists("a is taken");  // sees a's uncommitted put
    return w.put(t, "refused", "x");
  };
  auto results = run_as_one_group(gc, {put_op(t, "a", "1"), refuse_if_a_exists, put_op(t, "b", "2")});
  CHECK_OK(results[0]);
  CHECK_CODE(Code::kAlreadyExists, results[1]);
  CHECK_OK(results[2]);
  UNSIGNED_LONGS_EQUAL(2, gc.commits());  // the holder's group, then these three together
  STRCMP_EQUAL("1", committed(*store, t, "a").c_str());
  STRCMP_EQUAL("2", committed(*store, t, "b").c_str());
  STRCMP_EQUAL("<NOT_FOUND>", committed(*store, t, "refused").c_str());
}

TEST(GroupCommit, AnOpThatRefusesAfterWritingHasItsWritesUndone) {
  // The contract asks ops to check before they write; one that does not (a
  // refusal found half-way) must still leave nothing behind.
  GroupCommitter gc(*store);
  auto write_then_refuse = [&](WriteTxn& w) -> Status {
    SB_RETURN_IF_ERROR(w.put(t, "half", "x"));
    return Status::InvalidArgument("the second half was refused");
  };
  auto results = run_as_one_group(gc, {put_op(t, "a", "1"), write_then_refuse, put_op(t, "b", "2")});
  CHECK_OK(results[0]);
  CHECK_CODE(Code::kInvalidArgument, results[1]);
  CHECK_OK(results[2]);
  STRCMP_EQUAL("1", committed(*store, t, "a").c_str());
  STRCMP_EQUAL("2", committed(*store, t, "b").c_str());
  STRCMP_EQUAL("<NOT_FOUND>", committed(*store, t, "half").c_str());
  // Alone, it commits nothing at all.
  CHECK_CODE(Code::kInvalidArgument, gc.run(write_then_refuse));
  STRCMP_EQUAL("<NOT_FOUND>", committed(*store, t, "half").c_str());
}

TEST(GroupCommit, ACommitFailureFailsEveryOpOfTheGroupAndWritesNothing) {
  GroupCommitter gc(*store);
  std::atomic<int> hooks{0};
  auto hook = [&] { ++hooks; };
  Status holder;
  // Injected while the holder's group runs: it fails that commit and the next.
  auto results = run_as_one_group(
      gc, {put_op(t, "a", "1"), put_op(t, "b", "2"), put_op(t, "c", "3")}, {hook, hook, hook}, &holder,
      [&] { store->fail_commits(2, Status::IoError("injected fsync failure")); });
  CHECK_CODE(Code::kIoError, holder);
  for (const Status& s : results) CHECK_CODE(Code::kIoError, s);
  CHECK_EQUAL(0, hooks.load());
  UNSIGNED_LONGS_EQUAL(0, committed_count(*store, t));
  UNSIGNED_LONGS_EQUAL(0, gc.commits());
  CHECK_OK(gc.run(put_op(t, "d", "4"), hook));  // the committer carries on
  STRCMP_EQUAL("4", committed(*store, t, "d").c_str());
  CHECK_EQUAL(1, hooks.load());
}

TEST(GroupCommit, ACommitFailureOverridesAnOpsOwnRefusal) {
  // An op that refused because of a group-mate's write must not keep that answer
  // when the group-mate's write is lost with the commit.
  GroupCommitter gc(*store);
  auto refuse_if_a_exists = [&](WriteTxn& w) -> Status {
    std::string v;
    return w.get(t, "a", &v).ok() ? Status::AlreadyExists("a is taken") : Status::Ok();
  };
  auto results = run_as_one_group(gc, {put_op(t, "a", "1"), refuse_if_a_exists}, {}, nullptr,
                                  [&] { store->fail_commits(2, Status::IoError("injected")); });
  CHECK_CODE(Code::kIoError, results[0]);
  CHECK_CODE(Code::kIoError, results[1]);
}

TEST(GroupCommit, ResourceExhaustedGrowsAndReplaysTheGroup) {
  GroupCommitter gc(*store);
  store->fail_commits(1, Status::ResourceExhausted("injected map full"));
  int runs = 0;
  bool hooked = false;
  CHECK_OK(gc.run(
      [&](WriteTxn& w) {
        ++runs;
        return w.put(t, "k", "v" + std::to_string(runs));
      },
      [&] { hooked = true; }));
  CHECK_EQUAL(2, runs);  // once into the failed commit, once into the replay
  CHECK_TRUE(hooked);
  STRCMP_EQUAL("v2", committed(*store, t, "k").c_str());
  UNSIGNED_LONGS_EQUAL(1, gc.commits());
}

TEST(GroupCommit, AtTheCapCallersGetResourceExhausted) {
  auto small = MemoryStore::create(1000);
  TableId st = *small->table("t");
  GroupCommitter gc(*small);
  CHECK_OK(gc.run(put_op(st, "a", std::string(900, 'x'))));
  CHECK_CODE(Code::kResourceExhausted, gc.run(put_op(st, "b", std::string(200, 'x'))));
  STRCMP_EQUAL("<NOT_FOUND>", committed(*small, st, "b").c_str());
  CHECK_OK(gc.run(put_op(st, "c", std::string(50, 'x'))));  // what fits still goes in
}

TEST(GroupCommit, AfterCommitHooksRunOnSuccessInCommitOrderBeforeTheCallerWakes) {
  GroupCommitter gc(*store);
  bool ran = false;
  CHECK_OK(gc.run(put_op(t, "a", "1"), [&] { ran = true; }));
  CHECK_TRUE(ran);  // already, when run() returned

  bool refused_hook = false;
  CHECK_CODE(Code::kInvalidArgument,
             gc.run([](WriteTxn&) { return Status::InvalidArgument("no"); }, [&] { refused_hook = true; }));
  CHECK_FALSE(refused_hook);

  // Sequence numbers handed out inside ops are seen by hooks in the same order.
  uint64_t next_seq = 0;  // touched only on the writer thread
  std::vector<uint64_t> hook_order;
  std::vector<std::thread> threads;
  for (int th = 0; th < 4; ++th) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto seq = std::make_shared<uint64_t>();
        Status s = gc.run(
            [&, seq](WriteTxn& w) {
              *seq = next_seq++;
              return w.put(t, encode_u64_key(*seq), "x");
            },
            [&, seq] { hook_order.push_back(*seq); });
        if (!s.ok()) return;
      }
    });
  }
  for (auto& th : threads) th.join();
  UNSIGNED_LONGS_EQUAL(200, hook_order.size());
  for (size_t i = 0; i < hook_order.size(); ++i) UNSIGNED_LONGS_EQUAL(i, hook_order[i]);
}

TEST(GroupCommit, StopReleasesQueuedWaitersWithoutRunningTheirOps) {
  auto gc = std::make_unique<GroupCommitter>(*store);
  std::atomic<int> queued_ops_ran{0};
  auto counted = [&](WriteTxn& w) {
    ++queued_ops_ran;
    return w.put(t, "queued", "x");
  };
  std::thread stopper;
  Status holder;
  auto results = run_as_one_group(*gc, {counted, counted}, {}, &holder, [&] {
    stopper = std::thread([&] { gc->stop(); });  // blocks until the holder's group ends
    std::this_thread::sleep_for(100ms);
  });
  stopper.join();
  CHECK_OK(holder);  // its group was already running: it completes
  CHECK_CODE(Code::kFailedPrecondition, results[0]);
  CHECK_CODE(Code::kFailedPrecondition, results[1]);
  CHECK_EQUAL(0, queued_ops_ran.load());
  STRCMP_EQUAL("<NOT_FOUND>", committed(*store, t, "queued").c_str());
  CHECK_CODE(Code::kFailedPrecondition, gc->run(counted));  // after stop: refused at once
  gc->stop();  // twice is harmless
  gc.reset();
}

TEST(GroupCommit, DestructorReleasesQueuedWaiters) {
  auto gc = std::make_unique<GroupCommitter>(*store);
  std::vector<Status> results;
  std::thread destroyer;
  results = run_as_one_group(*gc, {put_op(t, "a", "1")}, {}, nullptr, [&] {
    destroyer = std::thread([&] { gc.reset(); });
    std::this_thread::sleep_for(100ms);
  });
  destroyer.join();
  CHECK_CODE(Code::kFailedPrecondition, results[0]);
}

TEST_GROUP(GroupCommitLmdb) {
  TempDir dir;
  std::unique_ptr<KvStore> store;
  void setup() override { log::set_level(log::Level::kError); }
  void teardown() override { store.reset(); }
  void open(uint64_t initial, uint64_t cap) {
    LmdbOptions o;
    o.path = dir.sub("db");
    o.initial_map_bytes = initial;
    o.max_map_bytes = cap;
    auto s = open_lmdb_store(o);
    CHECK_OK(s.status());
    store = std::move(s).value();
  }
};

TEST(GroupCommitLmdb, ConcurrentDurableRunsShareFsyncs) {
  open(64 << 20, 1 << 30);
  TableId t = *store->table("t");
  GroupCommitter gc(*store);
  const uint64_t commits_before = store->stats().commits;
  constexpr int kThreads = 8, kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t id = static_cast<uint64_t>(th * kPerThread + i);
        if (!gc.run(put_op(t, encode_u64_key(id), record_for(id))).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK_EQUAL(0, failures.load());
  CHECK_TRUE(gc.commits() < gc.ops());
  UNSIGNED_LONGS_EQUAL(gc.commits(), store->stats().commits - commits_before);
  UNSIGNED_LONGS_EQUAL(kThreads * kPerThread, committed_count(*store, t));
  for (uint64_t id = 0; id < kThreads * kPerThread; ++id) {
    CHECK_TRUE(record_for(id) == committed(*store, t, encode_u64_key(id)));
  }
}

TEST(GroupCommitLmdb, MapFullGrowsTheMapAndReplaysUntilTheCap) {
  constexpr uint64_t kInitial = 128 << 10, kCap = 2 << 20;
  open(kInitial, kCap);
  TableId t = *store->table("t");
  GroupCommitter gc(*store);
  uint64_t next = 0, acknowledged = 0;
  Status s;
  while (s.ok() && next < 100000) {
    const uint64_t first = next;
    next += 40;
    s = gc.run([&, first](WriteTxn& w) -> Status {
      for (uint64_t id = first; id < first + 40; ++id) SB_RETURN_IF_ERROR(w.put(t, encode_u64_key(id), record_for(id)));
      return Status::Ok();
    });
    if (s.ok()) acknowledged = next;
  }
  CHECK_CODE(Code::kResourceExhausted, s);
  UNSIGNED_LONGS_EQUAL(kCap, store->stats().map_bytes);  // grew 128K -> ... -> 2M
  CHECK_TRUE(acknowledged * 300 > kInitial);               // far more than the first map held
  UNSIGNED_LONGS_EQUAL(acknowledged, committed_count(*store, t));
  UNSIGNED_LONGS_EQUAL(gc.ops(), acknowledged / 40);
  STRCMP_EQUAL("<NOT_FOUND>", committed(*store, t, encode_u64_key(acknowledged)).c_str());
}
