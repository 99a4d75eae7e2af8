// The sweeper's schedule: a sweep every interval or on a nudge, and the
// goods-out hints webhooks queue, all on one thread so passes never overlap.
// A due sweep goes before the hints (they are a shortcut, the sweep is the
// guarantee and carries the snapshot); a hint read finding Clarus unavailable
// drops the queue rather than waiting out a timeout per hint.
#include <chrono>

#include "agent/clarus/sweeper.h"
#include "platform/core/log.h"

namespace sb::agent {
namespace {

bool clarus_unavailable(const Status& s) {
  return s.code() == Code::kUnavailable || s.code() == Code::kTimeout || s.code() == Code::kConnectionLost;
}

}  // namespace

void ClarusSweeper::nudge() {
  std::lock_guard<std::mutex> lock(mu_);
  nudged_ = true;
  cv_.notify_all();
}

void ClarusSweeper::hint_goods_out(int64_t goods_out_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (hints_suspended_) {
    stats_.goods_out_hints_dropped++;  // Clarus is down: the next sweep reads those shipments
    return;
  }
  // A flood of hints is not worth a read each: one sweep finds every shipment.
  if (goods_out_hints_.size() >= options_.max_queued_goods_outs) nudged_ = true;
  else goods_out_hints_.push_back(goods_out_id);
  cv_.notify_all();
}

void ClarusSweeper::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  halting_ = false;
  thread_ = std::thread([this] { run(); });
}

void ClarusSweeper::stop() {
  halting_ = true;  // a pass in progress ends at its next record
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
    if (nudged_ || Steady::now() >= due) {
      nudged_ = false;
      lock.unlock();
      // Failures are in stats() and the log; the next interval retries. A
      // sweep that reaches Clarus lets hints in again (in sweep_once).
      (void)sweep_once();
      lock.lock();
      due = Steady::now() + options_.sweep_interval;
      continue;
    }
    if (goods_out_hints_.empty()) continue;
    const int64_t id = goods_out_hints_.front();
    goods_out_hints_.pop_front();
    lock.unlock();
    const Status s = read_goods_out(id);
    lock.lock();
    if (s.ok() || stopping_) continue;
    if (!clarus_unavailable(s)) {
      log::warn("clarus-sweep", "could not read a completed goods out's shipments; the sweep will find them",
                {{"goods_out_id", id}, {"error", s.to_string()}});
      continue;
    }
    // Clarus is down: every queued hint would wait out a timeout, ahead of the
    // sweeps. Drop them all (and later ones) until a sweep reaches Clarus.
    const uint64_t dropped = goods_out_hints_.size() + 1;
    stats_.goods_out_hints_dropped += dropped;
    goods_out_hints_.clear();
    hints_suspended_ = true;
    log::warn("clarus-sweep",
              "Clarus is unavailable to goods-out reads; queued hints dropped until a sweep reaches it, which finds "
              "their shipments",
              {{"dropped", dropped}, {"error", s.to_string()}});
  }
}

}  // namespace sb::agent
