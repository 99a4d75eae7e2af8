// What the simulator counts, for GET /_sim/stats, and the account's
// concurrency pool.
//
// Thread-safety: atomics; safe from any thread. Counts cover record and query
// requests only, never /_sim.
#pragma once

#include <atomic>
#include <cstdint>

namespace sb::erpsim {

struct SimStats {
  std::atomic<uint64_t> requests{0};   // record/query requests received
  std::atomic<uint64_t> created{0};    // records created (including those whose answer a fault swallowed)
  std::atomic<uint64_t> rejected{0};   // answered 4xx other than 429 (validation, auth, not found)
  std::atomic<uint64_t> throttled{0};  // answered 429 because the concurrency limit was reached

  void reset() {
    requests = 0;
    created = 0;
    rejected = 0;
    throttled = 0;
  }
};

// NetSuite's account-wide concurrency pool: a request that finds `limit`
// others in progress is refused at once (never queued).
class ConcurrencyGate {
 public:
  explicit ConcurrencyGate(int limit) : limit_(limit) {}

  // True when the request may proceed; it must then call leave().
  bool try_enter() {
    int current = in_flight_.load();
    do {
      if (limit_ > 0 && current >= limit_) return false;
    } while (!in_flight_.compare_exchange_weak(current, current + 1));
    int now = current + 1, seen = max_concurrent_.load();
    while (now > seen && !max_concurrent_.compare_exchange_weak(seen, now)) {
    }
    return true;
  }
  void leave() { --in_flight_; }

  int in_flight() const { return in_flight_.load(); }
  int max_concurrent() const { return max_concurrent_.load(); }
  void reset_max() { max_concurrent_ = in_flight_.load(); }

 private:
  const int limit_;  // 0 = unlimited
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_concurrent_{0};
};

// Holds a gate slot for a scope.
class GateSlot {
 public:
  explicit GateSlot(ConcurrencyGate& gate) : gate_(gate), held_(gate.try_enter()) {}
  ~GateSlot() {
    if (held_) gate_.leave();
  }
  GateSlot(const GateSlot&) = delete;
  GateSlot& operator=(const GateSlot&) = delete;
  bool held() const { return held_; }

 private:
  ConcurrencyGate& gate_;
  bool held_;
};

}  // namespace sb::erpsim
