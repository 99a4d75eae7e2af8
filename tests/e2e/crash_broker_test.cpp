// kill -9 of mosquitto running its default configuration (no persistence:
// whatever it held is gone), several times. Custody never rested on the broker:
// the agent resends what the relay did not acknowledge.
#include "tests/e2e/e2e_test_support.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

TEST_GROUP(CrashBroker) {};

TEST(CrashBroker, KillsOfTheBrokerLoseNothingAndDuplicateNothing) {
  std::mt19937 rng = seeded_rng("crash_broker_test");
  Stack stack(stack_options());
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  Producer producer({stack.agent_url(), "crash-broker", 4, 300, 1, 500});
  producer.start(100'000);
  std::uniform_int_distribution<int> pause(500, 2500);
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
    stack.broker().kill9();
    std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng) / 2));
    s = stack.restart_broker();
    CHECK_TRUE_TEXT(s.ok(), (s.to_string() + "\n" + stack.logs()).c_str());
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  producer.stop();
  const uint64_t acked = producer.acked_count();
  std::printf("acknowledged %llu events across 6 broker kills\n", static_cast<unsigned long long>(acked));
  bool drained = agent_drained(stack, Millis(120'000));
  CHECK_TRUE_TEXT(drained, stack.logs().c_str());
  AuditReport report = drain_and_audit(stack, producer, acked);
  CHECK_TRUE_TEXT(report.clean(), (report.summary() + "\n" + stack.logs()).c_str());
}
