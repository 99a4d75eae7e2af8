#include "agent/outcome_log.h"

namespace sb::agent {

void OutcomeLog::record(const v1::EventOutcome& o) {
  std::lock_guard lock(mu_);
  if (o.kind() == v1::EventOutcome::POSTED) ++posted_;
  if (o.kind() == v1::EventOutcome::HELD) ++held_;
  recent_.push_front(o);
  while (recent_.size() > keep_) recent_.pop_back();
}

uint64_t OutcomeLog::posted() const {
  std::lock_guard lock(mu_);
  return posted_;
}

uint64_t OutcomeLog::held() const {
  std::lock_guard lock(mu_);
  return held_;
}

std::vector<v1::EventOutcome> OutcomeLog::recent() const {
  std::lock_guard lock(mu_);
  return {recent_.begin(), recent_.end()};
}

}  // namespace sb::agent
