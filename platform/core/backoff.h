// Capped, jittered exponential backoff ("full jitter" on the upper half):
// attempt n waits a random time in [d/2, d] where d = min(cap, base * 2^n).
// Half the window is kept so a retry storm spreads out without retrying at once.
// Thread-safety: a Backoff is used by one owner; the random source is per instance.
#pragma once

#include <cstdint>
#include <random>

#include "platform/core/clock.h"

namespace sb {

struct BackoffPolicy {
  Millis base{200};
  Millis cap{30'000};
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy, uint64_t seed = std::random_device{}()) : policy_(policy), rng_(seed) {}
  // The delay before retry number `attempt` (0 = first retry).
  Millis delay(int attempt);

 private:
  BackoffPolicy policy_;
  std::mt19937_64 rng_;
};

}  // namespace sb
