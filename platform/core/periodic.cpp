#include "platform/core/periodic.h"

namespace sb {

Periodic::Periodic(Millis every, std::function<void()> fn) {
  thread_ = std::thread([this, every, fn = std::move(fn)] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      fn();
      lock.lock();
      cv_.wait_for(lock, every, [this] { return stopping_; });
    }
  });
}

Periodic::~Periodic() { stop(); }

void Periodic::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sb
