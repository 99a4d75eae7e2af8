// Sleeps that end early when the simulator stops, so latency, slow_ms and
// hang_ms never make SIGTERM (or a test's teardown) wait.
// Thread-safety: safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace sb::erpsim {

class StopSignal {
 public:
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  void rearm() {
    std::lock_guard lock(mutex_);
    stopped_ = false;
  }
  // False when interrupted by stop().
  bool sleep_for(std::chrono::milliseconds duration) {
    if (duration.count() <= 0) return true;
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, duration, [this] { return stopped_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

}  // namespace sb::erpsim
