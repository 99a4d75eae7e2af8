// Internal to platform/store: the pieces lmdb_store.cpp and lmdb_txn.cpp share.
// Nothing outside this directory includes it; LMDB types stay behind KvStore.
#pragma once

#include <lmdb.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include "platform/store/kv_store.h"

namespace sb::lmdb_detail {

// Maps an LMDB return code (or errno) to a Status. rc must not be 0.
Status to_status(int rc, std::string_view what);

// Shared/exclusive gate: every transaction holds it shared for its life; grow()
// holds it exclusively so mdb_env_set_mapsize runs with no transaction open.
// Not a std::shared_mutex because a read transaction may end on another thread
// (MDB_NOTLS) and releasing a shared_mutex from a thread that did not lock it is
// undefined. Readers are preferred: a thread that already holds a transaction and
// opens another must not deadlock behind a waiting grow().
class TxnGate {
 public:
  void enter_shared() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !exclusive_; });
    ++shared_;
  }
  void leave_shared() {
    std::lock_guard lock(mu_);
    if (--shared_ == 0) cv_.notify_all();
  }
  void enter_exclusive() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !exclusive_ && shared_ == 0; });
    exclusive_ = true;
  }
  void leave_exclusive() {
    std::lock_guard lock(mu_);
    exclusive_ = false;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  long shared_ = 0;
  bool exclusive_ = false;
};

// The environment and what its transactions need. Outlives every transaction.
struct Env {
  MDB_env* env = nullptr;
  TxnGate gate;
  std::atomic<uint64_t> commits{0};
  size_t max_key_bytes = 511;
  // valid[dbi] is set once table() has created the dbi; checked before every call
  // so a bad TableId is InvalidArgument rather than an error that poisons a txn.
  unsigned dbi_slots = 0;
  std::unique_ptr<std::atomic<bool>[]> valid;

  Status check(TableId t) const;
  Status check(TableId t, std::string_view key) const;
  // Adopts a map size grown by another process (MDB_MAP_RESIZED).
  void adopt_map_size();
};

std::unique_ptr<ReadTxn> make_read_txn(Env& env, MDB_txn* txn);
std::unique_ptr<WriteTxn> make_write_txn(Env& env, MDB_txn* txn);

}  // namespace sb::lmdb_detail
