// Periodic: runs a function every interval on its own thread until stopped
// (housekeeping such as forgetting old ids). The first run is immediate.
// stop() (or the destructor) wakes the thread and joins it.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "platform/core/clock.h"

namespace sb {

class Periodic {
 public:
  Periodic(Millis every, std::function<void()> fn);
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;
  void stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sb
