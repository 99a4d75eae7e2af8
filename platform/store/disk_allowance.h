// DiskAllowance: how much of a store's disk its owner may fill with new work.
//
// LMDB is copy-on-write: even deleting needs fresh pages. A store whose map is
// full can therefore not free what it holds and wedges. So new work stops at
// an allowance, and the map cap sits a reserve above it (map_cap_for) so that
// freeing and recording outcomes always have room.
// Thread-safety: used_up() may be called from any thread; it asks the store at
// most every 250 ms and answers from the last reading in between.
#pragma once

#include <atomic>
#include <cstdint>

#include "platform/core/clock.h"
#include "platform/store/kv_store.h"

namespace sb {

// The map cap for an allowance: 5% above it, at least 64 MiB.
uint64_t map_cap_for(uint64_t allowance_bytes);

// Pages in use, free pages excluded.
inline uint64_t in_use_bytes(const StoreStats& s) { return s.used_bytes > s.free_bytes ? s.used_bytes - s.free_bytes : 0; }

class DiskAllowance {
 public:
  // allowance_bytes 0 = no limit.
  DiskAllowance(KvStore& store, const Clock& clock, uint64_t allowance_bytes)
      : store_(store), clock_(clock), allowance_(allowance_bytes) {}
  bool used_up() const;

 private:
  KvStore& store_;
  const Clock& clock_;
  uint64_t allowance_;
  mutable std::atomic<int64_t> checked_mono_{-1'000'000};
  mutable std::atomic<bool> used_up_{false};
};

}  // namespace sb
