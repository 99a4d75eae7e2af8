// kill -9 of the relay while it is posting to the ERP, several times. The
// ledger commits before acknowledging, marks each attempt before it is made,
// and after a restart looks attempted records up by external id: the ERP ends
// with every acknowledged event exactly once.
#include "tests/e2e/e2e_test_support.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

TEST_GROUP(CrashRelay) {};

TEST(CrashRelay, KillsMidPostingLoseNothingAndDuplicateNothing) {
  std::mt19937 rng = seeded_rng("crash_relay_test");
  StackOptions o = stack_options();
  o.erp_latency_ms = 15;  // so posts are in flight when the relay dies
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  Producer producer({stack.agent_url(), "crash-relay", 4, 300, 1, 500});
  producer.start(100'000);
  std::uniform_int_distribution<int> pause(500, 2500);
  int64_t before_last_kill = 0;
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
    before_last_kill = stack.erp_created();
    stack.relay().kill9();
    std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng) / 5));
    s = stack.restart_relay();
    CHECK_TRUE_TEXT(s.ok(), (s.to_string() + "\n" + stack.logs()).c_str());
  }
  producer.stop();
  const uint64_t acked = producer.acked_count();
  std::printf("acknowledged %llu events across 6 relay kills; ERP held %lld records at the last kill\n",
              static_cast<unsigned long long>(acked), static_cast<long long>(before_last_kill));
  CHECK(before_last_kill > 0);
  AuditReport report = drain_and_audit(stack, producer, acked);
  CHECK_TRUE_TEXT(report.clean(), (report.summary() + "\n" + stack.logs()).c_str());
  Result<Json> relay = stack.relay_status();
  if (relay.ok()) std::printf("relay after the last restart: %s\n", relay->find("erp")->dump().c_str());
}
