// Polling for an outcome instead of sleeping for a guess.
#pragma once

#include <chrono>
#include <functional>

#include "platform/core/clock.h"

namespace sb::testing {

// Calls pred every `poll` until it returns true (-> true) or `timeout` has
// passed (-> false, after one last call). pred runs on the caller's thread.
bool wait_until(std::function<bool()> pred, Millis timeout, Millis poll = Millis(20));

}  // namespace sb::testing
