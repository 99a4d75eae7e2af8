// kill -9 of the agent, 20 times at random moments, while events arrive at
// ~200/s. Whatever the agent acknowledged was already fsync'd: the ERP ends
// with every acknowledged event exactly once, and nothing else.
#include "tests/e2e/e2e_test_support.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

TEST_GROUP(CrashAgent) {};

TEST(CrashAgent, TwentyKillsLoseNothingAndDuplicateNothing) {
  std::mt19937 rng = seeded_rng("crash_agent_test");
  Stack stack(stack_options());
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  Producer producer({stack.agent_url(), "crash-agent", 4, 200, 1, 500});
  producer.start(100'000);
  std::uniform_int_distribution<int> pause(100, 1200);
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
    stack.agent().kill9();
    s = stack.restart_agent();
    CHECK_TRUE_TEXT(s.ok(), (s.to_string() + "\n" + stack.logs()).c_str());
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  producer.stop();
  const uint64_t acked = producer.acked_count();
  std::printf("acknowledged %llu events across 20 agent kills (%llu failed attempts retried)\n",
              static_cast<unsigned long long>(acked), static_cast<unsigned long long>(producer.attempts_failed()));
  CHECK(acked > 1000);
  bool drained = agent_drained(stack, Millis(120'000));
  CHECK_TRUE_TEXT(drained, stack.logs().c_str());
  AuditReport report = drain_and_audit(stack, producer, acked);
  CHECK_TRUE_TEXT(report.clean(), (report.summary() + "\n" + stack.logs()).c_str());
}
