// The sweeper's schedule: a sweep every interval or on a nudge, and the
// goods-out hints webhooks queue, all on one thread so passes never overlap.
#include <chrono>

#include "agent/clarus/sweeper.h"
#include "platform/core/log.h"

namespace sb::agent {

void ClarusSweeper::nudge() {
  std::lock_guard<std::mutex> lock(mu_);
  nudged_ = true;
  cv_.notify_all();
}

void ClarusSweeper::hint_goods_out(int64_t goods_out_id) {
  std::lock_guard<std::mutex> lock(mu_);
  // A flood of hints is not worth a read each: one sweep finds every shipment.
  if (goods_out_hints_.size() >= options_.max_queued_goods_outs) nudged_ = true;
  else goods_out_hints_.push_back(goods_out_id);
  cv_.notify_all();
}

void ClarusSweeper::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void ClarusSweeper::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

// Timing is by the steady clock, not clock_: the interval is real waiting.
void ClarusSweeper::run() {
  using Steady = std::chrono::steady_clock;
  std::unique_lock<std::mutex> lock(mu_);
  Steady::time_point due = Steady::now();  // the first sweep at once
  while (!stopping_) {
    cv_.wait_until(lock, due, [&] { return stopping_ || nudged_ || !goods_out_hints_.empty(); });
    if (stopping_) break;
    if (!goods_out_hints_.empty()) {
      const int64_t id = goods_out_hints_.front();
      goods_out_hints_.pop_front();
      lock.unlock();
      if (Status s = read_goods_out(id); !s.ok())
        log::warn("clarus-sweep", "could not read a completed goods out's shipments; the sweep will find them",
                  {{"goods_out_id", id}, {"error", s.to_string()}});
      lock.lock();
      continue;
    }
    if (!nudged_ && Steady::now() < due) continue;
    nudged_ = false;
    lock.unlock();
    (void)sweep_once();  // failures are in stats() and the log; the next interval retries
    lock.lock();
    due = Steady::now() + options_.sweep_interval;
  }
}

}  // namespace sb::agent
