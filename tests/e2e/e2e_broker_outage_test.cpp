// The broker is down for 60 s while the warehouse keeps working: intake goes
// on, the agent's status shows the backlog and its oldest age growing, and
// after the broker returns the backlog drains to zero with nothing lost.
#include "tests/e2e/e2e_test_support.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

TEST_GROUP(BrokerOutage) {};

TEST(BrokerOutage, BacklogGrowsWhileTheBrokerIsDownAndDrainsAfter) {
  Stack stack(stack_options());
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  Producer producer({stack.agent_url(), "outage", 2, 100, 1, 500});
  producer.start(9000);
  std::this_thread::sleep_for(std::chrono::seconds(3));

  stack.broker().kill9();
  std::vector<std::pair<double, double>> seen;  // (backlog, oldest age) every 5 s
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    Result<Json> st = stack.agent_status();
    CHECK_TRUE_TEXT(st.ok(), "the agent must answer during the outage");
    STRCMP_EQUAL("offline", st->get_string("state").c_str());
    seen.emplace_back(json_number(*st, "journal.backlog"), json_number(*st, "journal.oldest_unacked_age_s"));
    std::printf("outage +%ds: backlog %.0f, oldest %.1f s\n", (i + 1) * 5, seen.back().first, seen.back().second);
  }
  for (size_t i = 1; i < seen.size(); ++i) {
    CHECK_TRUE_TEXT(seen[i].first > seen[i - 1].first, "the backlog grows while intake continues");
    CHECK_TRUE_TEXT(seen[i].second > seen[i - 1].second, "the oldest unacknowledged event gets older");
  }
  CHECK(seen.back().second > 50.0);

  s = stack.restart_broker();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  CHECK_TRUE_TEXT(producer.wait(Millis(120'000)), stack.logs().c_str());
  bool drained = agent_status_until(
      stack,
      [](const Json& st) {
        return json_number(st, "journal.backlog") == 0 && json_number(st, "journal.oldest_unacked_age_s") == 0;
      },
      Millis(60'000));
  CHECK_TRUE_TEXT(drained, stack.logs().c_str());
  AuditReport report = drain_and_audit(stack, producer, 9000);
  CHECK_TRUE_TEXT(report.clean(), (report.summary() + "\n" + stack.logs()).c_str());
  LONGS_EQUAL(9000, report.events_recorded);
}
