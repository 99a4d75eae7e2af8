#include "platform/core/backoff.h"

#include <algorithm>

namespace sb {

Millis Backoff::delay(int attempt) {
  const int64_t base = std::max<int64_t>(1, policy_.base.count());
  const int64_t cap = std::max<int64_t>(base, policy_.cap.count());
  int64_t d = base;
  for (int i = 0; i < attempt && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  std::uniform_int_distribution<int64_t> dist(d / 2, d);
  return Millis(dist(rng_));
}

}  // namespace sb
