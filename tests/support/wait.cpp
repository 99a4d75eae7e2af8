#include "tests/support/wait.h"

#include <thread>

namespace sb::testing {

bool wait_until(std::function<bool()> pred, Millis timeout, Millis poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(poll);
  }
  return pred();
}

}  // namespace sb::testing
