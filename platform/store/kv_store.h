// KvStore: a transactional, ordered key-value store with named tables.
//
// The LMDB implementation (open_lmdb_store) is the real one: every committed
// write transaction is durable (fsync) before commit() returns OK. The memory
// twin (MemoryStore) has the same semantics without disk, plus fault injection.
//
// Rules the types enforce (from lmdb.h's caveats):
//  - one KvStore per path per process (opening the same path twice fails);
//  - one write transaction at a time (write() blocks until the previous one ends);
//  - transactions are RAII: destroyed without commit() means aborted;
//  - a transaction is used by one thread at a time, but may move between threads
//    (the LMDB env is opened with MDB_NOTLS) -- except a write transaction, which
//    must be used and ended on the thread that began it (LMDB's writer lock is
//    owned by that thread); used from another thread it returns kFailedPrecondition;
//  - keep write transactions short; long read transactions pin old pages.
// Errors are Status values, never exceptions: MDB_MAP_FULL -> kResourceExhausted,
// EIO and other OS errors -> kIoError, MDB_CORRUPTED -> kCorruption. A commit that
// fails has written nothing durable and must never be reported as success.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "platform/core/status.h"

namespace sb {

// Opaque handle of a named table, valid for the life of the store that made it.
struct TableId {
  unsigned handle = 0;
};

class ReadTxn {
 public:
  virtual ~ReadTxn() = default;
  // Copies the value of `key` into *value. NotFound when absent.
  virtual Status get(TableId table, std::string_view key, std::string* value) = 0;
  // Visits keys >= from in ascending byte order; visit returns false to stop.
  // The views are valid only during the call.
  virtual Status scan(TableId table, std::string_view from,
                      const std::function<bool(std::string_view key, std::string_view value)>& visit) = 0;
  // Visits keys <= from in descending order ("" means from the last key).
  virtual Status scan_back(TableId table, std::string_view from,
                           const std::function<bool(std::string_view key, std::string_view value)>& visit) = 0;
  // Number of entries in the table.
  virtual Result<uint64_t> count(TableId table) = 0;
};

class WriteTxn : public ReadTxn {
 public:
  virtual Status put(TableId table, std::string_view key, std::string_view value) = 0;
  // Puts `key` only if it is absent (one lookup, not two). AlreadyExists, with
  // the stored value copied into *existing (when not null), if it is there.
  virtual Status put_new(TableId table, std::string_view key, std::string_view value, std::string* existing) {
    Status g = get(table, key, existing ? existing : &scratch_);
    if (g.ok()) return Status::AlreadyExists("the key exists");
    if (g.code() != Code::kNotFound) return g;
    return put(table, key, value);
  }
  // Puts a key greater than every key in the table (a log's next entry), which
  // the LMDB store writes without searching. InvalidArgument if it is not greater.
  virtual Status put_last(TableId table, std::string_view key, std::string_view value) { return put(table, key, value); }
  // Deletes `key`; NotFound when it was absent (callers may ignore that).
  virtual Status del(TableId table, std::string_view key) = 0;
  // Durable commit. After it returns (either way) the transaction is finished.
  virtual Status commit() = 0;
  // True once the transaction itself has failed (map full, I/O): everything
  // written in it is gone and commit() reports why. A call refused for its
  // arguments (a key too long, put_last out of order) does not fail it.
  virtual bool failed() const { return false; }

 private:
  std::string scratch_;
};

struct StoreStats {
  uint64_t map_bytes = 0;       // current map size
  uint64_t max_map_bytes = 0;   // the cap the map may grow to
  uint64_t used_bytes = 0;      // high-water mark of pages written * page size (the file's extent)
  uint64_t free_bytes = 0;      // of those, pages on the free list, reusable without growing
  uint64_t commits = 0;
  uint64_t stale_readers_cleared = 0;  // by mdb_reader_check, at open and since (clear_stale_readers)
};

class KvStore {
 public:
  virtual ~KvStore() = default;
  // Opens (creating if absent) a named table. Call during start-up, before
  // transactions are used concurrently.
  virtual Result<TableId> table(const std::string& name) = 0;
  virtual Result<std::unique_ptr<ReadTxn>> read() = 0;
  // Blocks while another write transaction is open.
  virtual Result<std::unique_ptr<WriteTxn>> write() = 0;
  // Doubles the map size up to the configured cap. Call with no transaction of
  // the calling thread open; waits for other transactions to finish.
  // kResourceExhausted when already at the cap.
  virtual Status grow() = 0;
  virtual StoreStats stats() = 0;
  // Frees reader slots left by processes that died holding a read
  // transaction (e.g. a `journal verify` killed mid-way beside the agent):
  // while such a slot stands, pages it could see are never reused and the
  // file grows. Returns how many were cleared. Cheap; call now and then.
  virtual Result<uint64_t> clear_stale_readers() { return uint64_t{0}; }
};

struct LmdbOptions {
  std::string path;                         // a directory; created if missing
  uint64_t initial_map_bytes = 64ull << 20;
  uint64_t max_map_bytes = 8ull << 30;      // grow() stops here
  unsigned max_tables = 128;                // named tables (LMDB maxdbs); the relay opens more than 32
  unsigned max_readers = 126;
  bool durable = true;                      // false only for benchmarks that say so
  // MDB_RDONLY, for a second process that only looks (e.g. `journal verify`
  // beside a running agent): the directory and tables must exist, the map
  // keeps the size the writer gave it (the map options are ignored), and
  // write() and grow() answer kFailedPrecondition. Nothing on disk changes
  // but this process's reader slot in the lock file.
  bool read_only = false;
};

// Opens the LMDB environment at options.path, runs mdb_reader_check to clear
// reader slots left by a killed process (not when read_only: that is the
// writer's job), and returns the store. Read-only: NotFound when the
// directory does not exist, and table() answers NotFound for a missing table.
Result<std::unique_ptr<KvStore>> open_lmdb_store(const LmdbOptions& options);

// The memory twin. Same semantics (ordering, isolation of uncommitted writes,
// NotFound), no disk. max_bytes caps keys + values: a commit past it fails with
// kResourceExhausted; grow() is then refused (kResourceExhausted), and is a no-op
// returning OK when unlimited. Fault injection for tests:
class MemoryStore : public KvStore {
 public:
  static std::unique_ptr<MemoryStore> create(uint64_t max_bytes = 0 /* 0 = unlimited */);
  // The next `n` commits fail with `status` (e.g. IoError, ResourceExhausted) and write nothing.
  virtual void fail_commits(int n, Status status) = 0;
};

// Order-preserving encodings for keys.
std::string encode_u64_key(uint64_t v);       // 8 bytes big-endian
uint64_t decode_u64_key(std::string_view k);  // 0 if k is not 8 bytes

}  // namespace sb
