// What every end-to-end test shares: where the programs are, and how a test
// ends (drain, then the audit with lost = duplicated = phantom = 0).
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <random>
#include <set>
#include <string>

#include "tests/e2e/audit.h"
#include "tests/e2e/producer.h"
#include "tests/e2e/stack.h"
#include "tests/support/wait.h"

#ifndef STOCKBRIDGE_BINARY_DIR
#error "STOCKBRIDGE_BINARY_DIR must name the build directory"
#endif

namespace sb::e2e {

inline StackOptions stack_options() {
  StackOptions o;
  o.bin_dir = STOCKBRIDGE_BINARY_DIR;
  return o;
}

// A number read from a JSON document by path ("journal.backlog"); -1 when absent.
inline double json_number(const Json& doc, const std::string& path) {
  const Json* cur = &doc;
  size_t start = 0;
  while (cur) {
    size_t dot = path.find('.', start);
    cur = cur->find(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur && cur->is_number() ? cur->as_double() : -1;
}

// Polls the agent's /api/status until `pred` holds for it; false on timeout.
inline bool agent_status_until(Stack& stack, const std::function<bool(const Json&)>& pred, Millis timeout) {
  return testing::wait_until(
      [&] {
        Result<Json> st = stack.agent_status();
        return st.ok() && pred(*st);
      },
      timeout, Millis(200));
}

// The agent's journal holds nothing the relay has not acknowledged.
inline bool agent_drained(Stack& stack, Millis timeout) {
  return agent_status_until(stack, [](const Json& st) { return json_number(st, "journal.backlog") == 0; }, timeout);
}

// Waits until the ERP holds `expected` records (or the timeout), then audits.
inline AuditReport drain_and_audit(Stack& stack, const Producer& producer, size_t expected,
                                   const std::set<std::string>& held = {}, Millis timeout = Millis(180'000)) {
  // Until the relay has an outcome for every event: records may stand for several events (coalesced).
  testing::wait_until(
      [&] {
        Result<Json> st = stack.relay_status();
        return st.ok() && json_number(*st, "ledger.posted") + json_number(*st, "ledger.held") >= static_cast<int64_t>(expected) &&
               json_number(*st, "ledger.pending") == json_number(*st, "ledger.held");
      },
      timeout, Millis(200));
  // A little longer, so a late duplicate would have time to show.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Result<Json> ledger = stack.erp_ledger();
  if (!ledger.ok()) {
    AuditReport r;
    r.lost = producer.acked_count();
    r.examples.push_back("the ERP ledger could not be read: " + ledger.status().to_string());
    return r;
  }
  AuditReport r = audit(producer.produced(), producer.acknowledged(), *ledger, held);
  std::printf("%s\n", r.summary().c_str());
  return r;
}

inline std::mt19937 seeded_rng(const char* test) {
  unsigned seed = std::random_device{}();
  if (const char* s = std::getenv("STOCKBRIDGE_TEST_SEED")) seed = static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  std::printf("%s: random seed %u (set STOCKBRIDGE_TEST_SEED to repeat)\n", test, seed);
  return std::mt19937(seed);
}

}  // namespace sb::e2e
