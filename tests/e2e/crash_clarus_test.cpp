// kill -9 of the agent, 8 times at random moments, while the scripted
// warehouse works on its own (dispatching, receiving, adjusting), Clarus sends
// webhooks (a tenth lost, a fifth repeated) and the ERP keeps releasing orders.
// Afterwards: every command applied exactly once (none refused as a repeat),
// every fact Clarus holds at the relay, and the journal holding each fact once.
#include <random>
#include <thread>

#include "tests/e2e/clarus_flow.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;

TEST_GROUP(CrashClarus) {};

TEST(CrashClarus, EightAgentKillsLoseNoFactAndApplyNoCommandTwice) {
  std::mt19937 rng = seeded_rng("crash_clarus_test");
  StackOptions o = clarus_options(true);
  o.clarus_rate = 15;
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  CHECK_TRUE(stack.clarus_post("/_sim/faults", R"({"drop_webhooks_rate":0.1})").ok());
  ClarusFlow flow(stack, "site-1");
  flow.release_work(6);
  std::uniform_int_distribution<int> pause(300, 1500);
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
    flow.erp.send(ErpCommands::order("SO-K" + std::to_string(i), Lines{{sku(10 + i), 1}, {sku(i + 1), 2}}));
    stack.agent().kill9();
    s = stack.restart_agent();
    CHECK_TRUE_TEXT(s.ok(), (s.to_string() + "\n" + stack.logs()).c_str());
  }
  flow.wait_applied();  // every outcome APPLIED: a repeat would have been refused as a taken reference
  CHECK_TRUE(stack.clarus_post("/_sim/warehouse", R"({"rate":0})").ok());
  Json state = flow.run_warehouse();
  // One goods out per order released, no more.
  std::set<std::string> refs;
  for (const Json& g : list(state, "goods_outs")->items()) CHECK_TRUE(refs.insert(g.get_string("reference")).second);
  LONGS_EQUAL(flow.erp.sent() - 4, refs.size());  // the item, two POs and the return are not goods outs
  flow.expect_every_fact_at_relay("site-1", Millis(60'000));
  flow.erp.stop();
  CHECK_TRUE(stack.stop());
}
