// GroupCommitter: batches concurrent writers into one durable commit.
//
// Many threads call run(op); one writer thread collects every op waiting, applies
// them in arrival order inside a single write transaction, commits once (one
// fsync for the whole group), then wakes each caller with its own result.
// Thus N concurrent requests cost one fsync, not N.
//
// Contract for an op: it runs on the writer thread inside the shared transaction.
// An op returning non-OK has its writes undone: the transaction is dropped and
// the rest of the group runs again without it (its failure is its own; the
// others still commit). Checking before writing keeps that replay rare. Ops see
// the writes of earlier ops in the same group. An op must not block or take long.
//
// If the commit fails, every op of the group gets the failure and nothing of the
// group is durable. On kResourceExhausted the committer calls store.grow() once
// and replays the group; at the cap the callers get kResourceExhausted. A replay
// runs each op again in a fresh transaction, so an op must reset anything it
// records outside the transaction. An op must not throw.
// after_commit hooks run on the writer thread after a successful commit, before
// callers are woken (e.g. to advance in-memory counters in commit order).
// Thread-safety: run() may be called from any number of threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "platform/store/kv_store.h"

namespace sb {

class GroupCommitter {
 public:
  using Op = std::function<Status(WriteTxn& txn)>;
  // Runs after the group's commit succeeded, for ops that returned OK.
  using AfterCommit = std::function<void()>;

  struct Options {
    size_t max_ops_per_commit = 4096;
  };

  GroupCommitter(KvStore& store, Options options);
  explicit GroupCommitter(KvStore& store) : GroupCommitter(store, Options{}) {}
  ~GroupCommitter();  // stops; pending callers get FailedPrecondition

  // Blocks until the op is durably committed (OK) or failed. `after` (optional)
  // runs on the writer thread once the commit succeeded and the op returned OK.
  Status run(Op op, AfterCommit after = nullptr);
  void stop();

  uint64_t commits() const;  // commits that made at least one op durable
  uint64_t ops() const;      // ops that returned OK and were committed

 private:
  struct Pending;
  void writer_loop();

  KvStore& store_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  size_t in_run_ = 0;  // callers inside run(); the destructor waits for them to leave
  uint64_t commits_ = 0;
  uint64_t ops_ = 0;
  std::thread writer_;
};

}  // namespace sb
