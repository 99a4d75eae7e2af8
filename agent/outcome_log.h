// OutcomeLog: what became of forwarded events at the ERP, as reported back by
// the relay (posted with the ERP record id, or held with a reason). Shown on
// the status page; not durable (the relay's ledger is the record of truth).
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "stockbridge/v1/wire.h"

namespace sb::agent {

class OutcomeLog {
 public:
  explicit OutcomeLog(size_t keep = 50) : keep_(keep) {}
  void record(const v1::EventOutcome& o);
  uint64_t posted() const;
  uint64_t held() const;
  std::vector<v1::EventOutcome> recent() const;  // newest first

 private:
  size_t keep_;
  mutable std::mutex mu_;
  uint64_t posted_ = 0, held_ = 0;
  std::deque<v1::EventOutcome> recent_;
};

}  // namespace sb::agent
