// Fault injection: what goes wrong, for which requests, and how often.
//
// A plan is set with POST /_sim/faults, e.g.
//   {"error_500":2, "timeout_after_create":1, "hang_ms":3000,
//    "p_throttle_429":0.1, "seed":7, "slow_ms":200, "apply_to":"all"}
// Faults hit record writes (POST/PUT/PATCH/DELETE, transforms) unless
// "apply_to":"all" (then reads and SuiteQL too). Counted faults hit the next n
// matching requests, probabilistic ones (p_*) each matching request with that
// probability (seeded, so a run can be repeated). One fault per request; the
// counted ones are checked first, in the order of the table in fault_plan.cpp.
// *_after_create faults hit only requests that created a record: the record
// exists, the client never hears so.
//
// Thread-safety: FaultInjector is safe from many threads (one mutex, never
// held while sleeping).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>

#include <Poco/JSON/Object.h>

namespace sb::erpsim {

enum class FaultKind {
  kNone,
  kError500,            // 500, NetSuite-shaped body, nothing created
  kError503,            // 503, nothing created
  kThrottle429,         // 429 + Retry-After, nothing created
  kReset,               // TCP RST instead of an answer, nothing created
  kTimeoutAfterCreate,  // created, then hang_ms of silence and a close
  kResetAfterCreate,    // created, then RST
};

const char* fault_name(FaultKind kind);

struct FaultPlan {
  // Counted: the next n matching requests.
  int error_500 = 0, error_503 = 0, throttle_429 = 0, reset = 0, timeout_after_create = 0, reset_after_create = 0;
  // Probabilistic: each matching request, 0..1.
  double p_error_500 = 0, p_error_503 = 0, p_throttle_429 = 0, p_reset = 0, p_timeout_after_create = 0,
         p_reset_after_create = 0;
  int64_t seed = 1;
  int slow_ms = 0;      // extra latency on matching requests
  int hang_ms = 5000;   // silence before closing, for timeout_after_create
  bool apply_to_all = false;
};

// Reads a /_sim/faults body. Returns "" or what is wrong (unknown keys are
// refused, so a typo does not silently inject nothing).
std::string parse_fault_plan(const std::string& body, FaultPlan* plan);
Poco::JSON::Object::Ptr fault_plan_json(const FaultPlan& plan);

struct FaultDecision {
  FaultKind fault = FaultKind::kNone;
  int delay_ms = 0;  // before(): slow_ms to add; after_create(): hang_ms for kTimeoutAfterCreate
};

class FaultInjector {
 public:
  void set(const FaultPlan& plan);  // replaces the plan and reseeds
  void clear();                     // no faults
  FaultPlan plan() const;           // with counts as they remain

  // Before the request is handled: kError500/503, kThrottle429, kReset or none,
  // and the extra latency to add.
  FaultDecision before(bool is_write);
  // After a request created a record: kTimeoutAfterCreate, kResetAfterCreate or none.
  FaultDecision after_create(bool is_write);

  // Faults injected so far, by fault_name (every kind present).
  std::map<std::string, uint64_t> injected() const;
  void clear_counts();

 private:
  bool matches(bool is_write) const { return is_write || plan_.apply_to_all; }
  bool take(int* count);
  bool roll(double p);
  FaultDecision record(FaultKind kind, int delay_ms);

  mutable std::mutex mutex_;
  FaultPlan plan_;
  std::mt19937_64 rng_{1};
  std::map<FaultKind, uint64_t> injected_;
};

}  // namespace sb::erpsim
