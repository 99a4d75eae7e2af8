#include "platform/store/disk_allowance.h"

#include <algorithm>

namespace sb {

uint64_t map_cap_for(uint64_t allowance_bytes) {
  return allowance_bytes + std::max<uint64_t>(64ull << 20, allowance_bytes / 20);
}

bool DiskAllowance::used_up() const {
  if (allowance_ == 0) return false;
  const int64_t now = clock_.mono_ms();
  int64_t checked = checked_mono_.load();
  if (now - checked >= 250 && checked_mono_.compare_exchange_strong(checked, now)) {
    used_up_ = in_use_bytes(store_.stats()) >= allowance_;
  }
  return used_up_.load();
}

}  // namespace sb
