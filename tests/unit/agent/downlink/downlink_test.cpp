// The downlink against the in-memory broker and a scripted Clarus: commands are
// journaled before they are acknowledged, applied once and in order, wait while
// Clarus is unavailable, and a refused command is held without blocking others.
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/downlink/command_journal.h"
#include "agent/downlink/downlink.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "tests/support/wait.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

// Clarus as the applier sees it: unavailable on demand, refusing orders whose
// number starts with "BAD", recording what it applied in order.
struct ScriptedClarus : CommandApplier {
  std::mutex mu;
  bool down = false;
  int timeouts = 0;  // the next n attempts get no answer (Clarus may have acted)
  std::vector<int64_t> attempt_at_ms;
  std::vector<std::string> applied;  // command ids, in order
  std::map<std::string, int> attempts;

  Result<Applied> apply(const v1::Command& c) override {
    std::lock_guard lock(mu);
    attempts[c.command_id()]++;
    attempt_at_ms.push_back(SystemClock::instance().mono_ms());
    if (down) return Status::Unavailable("Clarus answered 503");
    if (timeouts > 0) {
      timeouts--;
      return Status::Timeout("no answer from Clarus in 15 s");
    }
    if (c.has_sales_order_release() && c.sales_order_release().order_number().rfind("BAD", 0) == 0)
      return Status::InvalidArgument("Clarus answered 422: reference has been taken");
    applied.push_back(c.command_id());
    Applied a;
    a.clarus_id = std::to_string(100 + applied.size());
    a.mappings.emplace_back("cmd:" + c.command_id(), a.clarus_id);
    return a;
  }
  std::vector<std::string> order() {
    std::lock_guard lock(mu);
    return applied;
  }
};

v1::Command release(uint64_t seq, const std::string& id, const std::string& order) {
  v1::Command c;
  c.set_command_id(id);
  c.set_seq(seq);
  c.mutable_sales_order_release()->set_order_number(order);
  c.mutable_sales_order_release()->set_erp_order_id("so-" + order);
  return c;
}

v1::Command cancel(uint64_t seq, const std::string& id, const std::string& order) {
  v1::Command c;
  c.set_command_id(id);
  c.set_seq(seq);
  c.mutable_sales_order_cancel()->set_order_number(order);
  return c;
}

v1::DownlinkBatch batch(const std::string& epoch, std::vector<v1::Command> commands) {
  v1::DownlinkBatch b;
  b.set_site_id("site-1");
  b.set_downlink_epoch(epoch);
  for (auto& c : commands) *b.add_commands() = c;
  return b;
}

}  // namespace

TEST_GROUP(CommandJournal) {
  std::unique_ptr<MemoryStore> store = MemoryStore::create();
  std::unique_ptr<GroupCommitter> committer = std::make_unique<GroupCommitter>(*store);
  ManualClock clock;
  std::unique_ptr<CommandJournal> open() {
    Result<std::unique_ptr<CommandJournal>> j = CommandJournal::open(*store, *committer, clock);
    CHECK_TRUE(j.ok());
    return std::move(*j);
  }
};

TEST(CommandJournal, AcceptsOnlyWhatContinuesTheStreamAndOnlyOnce) {
  auto j = open();
  Result<uint64_t> hw = j->accept(batch("e1", {release(1, "c1", "SO-1"), release(2, "c2", "SO-2")}));
  CHECK_TRUE(hw.ok());
  LONGS_EQUAL(2, *hw);
  // A resend of 2 with 3, then 5 beyond a gap: 3 is taken, 5 is left for the relay to resend.
  hw = j->accept(batch("e1", {release(2, "c2", "SO-2"), release(3, "c3", "SO-3"), release(5, "c5", "SO-5")}));
  LONGS_EQUAL(3, *hw);
  // The same command under a new epoch is not journaled again.
  hw = j->accept(batch("e2", {release(1, "c3", "SO-3")}));
  LONGS_EQUAL(1, *hw);
  LONGS_EQUAL(3, j->stats().waiting);
  LONGS_EQUAL(2, j->stats().duplicates);
  // Durable: a journal opened again over the same store sees the same queue, in order.
  j.reset();
  auto again = open();
  LONGS_EQUAL(3, again->stats().waiting);
  LONGS_EQUAL(3, again->high_water("e1"));
  Result<std::optional<PendingCommand>> next = again->next();
  CHECK_TRUE(next.ok() && next->has_value());
  STRCMP_EQUAL("c1", (*next)->command.command_id().c_str());
}

TEST(CommandJournal, ACommandWithoutAUsableIdIsReportedHeldAndTheStreamMovesOn) {
  auto j = open();
  v1::Command no_id = release(2, "", "SO-2");
  v1::Command long_id = release(3, std::string(300, 'c'), "SO-3");
  Result<uint64_t> hw = j->accept(batch("e1", {release(1, "c1", "SO-1"), no_id, long_id, release(4, "c4", "SO-4")}));
  CHECK_TRUE(hw.ok());
  LONGS_EQUAL(4, *hw);
  LONGS_EQUAL(2, j->stats().waiting);  // c1 and c4
  std::vector<v1::CommandOutcome> out = j->take_unreported();
  LONGS_EQUAL(2, out.size());
  LONGS_EQUAL(v1::CommandOutcome::HELD, out[0].kind());
  CHECK_TRUE(out[0].reason().find("no command_id") != std::string::npos);
  CHECK_TRUE(out[1].reason().find("longer than 256 bytes") != std::string::npos);
  // A journal opened again numbers new commands after the last one queued.
  j.reset();
  auto again = open();
  CHECK_TRUE(again->accept(batch("e1", {release(5, "c5", "SO-5")})).ok());
  std::vector<std::string> order;
  while (true) {
    Result<std::optional<PendingCommand>> n = again->next();
    if (!n.ok() || !n->has_value()) break;
    order.push_back((*n)->command.command_id());
    v1::CommandOutcome o;
    o.set_kind(v1::CommandOutcome::APPLIED);
    CHECK_TRUE(again->finish((*n)->local_seq, (*n)->command, o, {}).ok());
  }
  std::vector<std::string> expected = {"c1", "c4", "c5"};
  CHECK_TRUE(order == expected);
}

TEST(CommandJournal, NothingIsAcceptedWhenTheCommitFails) {
  auto j = open();
  store->fail_commits(1, Status::IoError("disk gone"));
  Result<uint64_t> hw = j->accept(batch("e1", {release(1, "c1", "SO-1")}));
  CHECK_FALSE(hw.ok());
  LONGS_EQUAL(0, j->stats().waiting);
  LONGS_EQUAL(0, j->high_water("e1"));
  hw = j->accept(batch("e1", {release(1, "c1", "SO-1")}));
  LONGS_EQUAL(1, *hw);
}

TEST_GROUP(Downlink) {
  std::unique_ptr<MemoryStore> store = MemoryStore::create();
  std::unique_ptr<GroupCommitter> committer = std::make_unique<GroupCommitter>(*store);
  ManualClock clock;
  MemoryBroker broker;
  std::unique_ptr<MessageTransport> agent_link, relay_link;
  std::unique_ptr<CommandJournal> journal;
  ScriptedClarus clarus;
  std::unique_ptr<Downlink> downlink;
  std::mutex mu;
  std::vector<v1::DownlinkAck> acks;

  void setup() override {
    journal = std::move(CommandJournal::open(*store, *committer, clock).value());
    MqttOptions o;
    o.client_id = "agent";
    agent_link = broker.client(o);
    DownlinkOptions dopt;
    dopt.site_id = "site-1";
    dopt.retry = BackoffPolicy{Millis(5), Millis(20)};
    downlink = std::make_unique<Downlink>(*journal, *agent_link, clarus, clock, dopt);
    agent_link->on_message([this](MqttMessage m) { downlink->handle_message(std::move(m)); });
    downlink->attach();
    CHECK_TRUE(agent_link->start().ok());
    o.client_id = "relay";
    relay_link = broker.client(o);
    relay_link->on_message([this](MqttMessage m) {
      v1::DownlinkAck a;
      CHECK_TRUE(a.ParseFromString(m.payload));
      std::lock_guard lock(mu);
      acks.push_back(a);
    });
    (void)relay_link->subscribe(v1::down_ack_topic("site-1"), 1);
    CHECK_TRUE(relay_link->start().ok());
    downlink->start();
  }
  void teardown() override {
    downlink->stop();
    agent_link->stop();
    relay_link->stop();
  }
  void send(const v1::DownlinkBatch& b) { CHECK_TRUE(relay_link->publish(v1::down_topic("site-1"), b.SerializeAsString()).ok()); }
  uint64_t acked_through() {
    std::lock_guard lock(mu);
    uint64_t best = 0;
    for (auto& a : acks) best = std::max<uint64_t>(best, a.acked_through_seq());
    return best;
  }
  std::map<std::string, v1::CommandOutcome> outcomes() {
    std::lock_guard lock(mu);
    std::map<std::string, v1::CommandOutcome> out;
    for (auto& a : acks)
      for (auto& o : a.outcomes()) out[o.command_id()] = o;
    return out;
  }
};

TEST(Downlink, AppliesInOrderAndReportsOutcomes) {
  send(batch("e1", {release(1, "c1", "SO-1"), release(2, "c2", "SO-2"), cancel(3, "c3", "SO-1")}));
  CHECK_TRUE(testing::wait_until([&] { return outcomes().size() == 3; }, Millis(5000)));
  LONGS_EQUAL(3, acked_through());
  std::vector<std::string> expected = {"c1", "c2", "c3"};
  CHECK_TRUE(clarus.order() == expected);
  LONGS_EQUAL(v1::CommandOutcome::APPLIED, outcomes()["c2"].kind());
  STRCMP_EQUAL("102", outcomes()["c2"].clarus_id().c_str());
  STRCMP_EQUAL("101", journal->mapping("cmd:c1").c_str());
  LONGS_EQUAL(0, journal->stats().waiting);
  // The relay resends a batch whose ack it missed: acknowledged again, applied once.
  send(batch("e1", {release(1, "c1", "SO-1")}));
  CHECK_TRUE(testing::wait_until([&] { return downlink->stats().batches == 2; }, Millis(5000)));
  LONGS_EQUAL(3, clarus.order().size());
}

TEST(Downlink, ClarusDownCommandsWaitAndApplyLaterInOrder) {
  {
    std::lock_guard lock(clarus.mu);
    clarus.down = true;
  }
  send(batch("e1", {release(1, "c1", "SO-1"), release(2, "c2", "SO-2")}));
  CHECK_TRUE(testing::wait_until([&] { return acked_through() == 2; }, Millis(5000)));  // journaled and acknowledged
  CHECK_TRUE(testing::wait_until([&] { return downlink->stats().retries >= 3; }, Millis(5000)));
  CHECK_TRUE(downlink->stats().clarus_unavailable);
  LONGS_EQUAL(2, journal->stats().waiting);
  LONGS_EQUAL(0, clarus.attempts["c2"]);  // nothing overtakes the head of the queue
  send(batch("e1", {release(3, "c3", "SO-3")}));
  {
    std::lock_guard lock(clarus.mu);
    clarus.down = false;
  }
  CHECK_TRUE(testing::wait_until([&] { return clarus.order().size() == 3; }, Millis(5000)));
  std::vector<std::string> expected = {"c1", "c2", "c3"};
  CHECK_TRUE(clarus.order() == expected);
  CHECK_FALSE(downlink->stats().clarus_unavailable);
}

TEST(Downlink, ARefusedCommandIsHeldAndBlocksOnlyItsOwnOrder) {
  send(batch("e1", {release(1, "c1", "BAD-1"), release(2, "c2", "SO-2"), cancel(3, "c3", "BAD-1")}));
  CHECK_TRUE(testing::wait_until([&] { return outcomes().size() == 3; }, Millis(5000)));
  auto out = outcomes();
  LONGS_EQUAL(v1::CommandOutcome::HELD, out["c1"].kind());
  CHECK_TRUE(out["c1"].reason().find("reference has been taken") != std::string::npos);
  LONGS_EQUAL(v1::CommandOutcome::APPLIED, out["c2"].kind());
  LONGS_EQUAL(v1::CommandOutcome::HELD, out["c3"].kind());
  CHECK_TRUE(out["c3"].reason().find("waits behind command c1") != std::string::npos);
  LONGS_EQUAL(0, clarus.attempts["c3"]);  // the cancel never reached Clarus ahead of its release
  LONGS_EQUAL(2, journal->stats().held);
  LONGS_EQUAL(2, journal->held().size());
}

TEST(Downlink, ABatchForAnotherSiteOrNotABatchIsIgnored) {
  v1::DownlinkBatch other = batch("e1", {release(1, "c1", "SO-1")});
  other.set_site_id("site-2");
  send(other);
  CHECK_TRUE(relay_link->publish(v1::down_topic("site-1"), "not protobuf \xff\xff").ok());
  CHECK_TRUE(testing::wait_until([&] { return downlink->stats().malformed == 2; }, Millis(5000)));
  LONGS_EQUAL(0, journal->stats().waiting);
  LONGS_EQUAL(0, acked_through());
}

TEST(Downlink, AfterNoAnswerTheRetryWaitsForClarusToFinish) {
  downlink->stop();
  DownlinkOptions dopt;
  dopt.site_id = "site-1";
  dopt.retry = BackoffPolicy{Millis(5), Millis(20)};
  dopt.ambiguous_wait = Millis(400);
  downlink = std::make_unique<Downlink>(*journal, *agent_link, clarus, clock, dopt);
  downlink->start();
  {
    std::lock_guard lock(clarus.mu);
    clarus.timeouts = 1;
  }
  send(batch("e1", {release(1, "c1", "SO-1")}));
  CHECK_TRUE(testing::wait_until([&] { return clarus.order().size() == 1; }, Millis(5000)));
  std::lock_guard lock(clarus.mu);
  LONGS_EQUAL(2, clarus.attempt_at_ms.size());
  // Not the 5 ms backoff: the lookup-then-create waits out Clarus's own timeout.
  CHECK_TRUE(clarus.attempt_at_ms[1] - clarus.attempt_at_ms[0] >= 390);
}

TEST(Downlink, OutcomesThatCouldNotBeSentGoWithTheNextAck) {
  {
    std::lock_guard lock(clarus.mu);
    clarus.down = true;
  }
  send(batch("e1", {release(1, "c1", "SO-1"), release(2, "c2", "SO-2")}));
  CHECK_TRUE(testing::wait_until([&] { return acked_through() == 2; }, Millis(5000)));
  broker.set_online(false);  // the outcomes of what is applied now cannot be published
  {
    std::lock_guard lock(clarus.mu);
    clarus.down = false;
  }
  CHECK_TRUE(testing::wait_until([&] { return clarus.order().size() == 2; }, Millis(5000)));
  CHECK_TRUE(outcomes().empty());
  broker.set_online(true);
  CHECK_TRUE(testing::wait_until([&] { return agent_link->is_connected() && relay_link->is_connected(); }, Millis(5000)));
  send(batch("e1", {release(3, "c3", "SO-3")}));  // the next ack carries all three
  CHECK_TRUE(testing::wait_until([&] { return outcomes().size() == 3; }, Millis(5000)));
}

TEST(Downlink, HeldCommandsAreReportedAgainAfterARestart) {
  send(batch("e1", {release(1, "c1", "BAD-1")}));
  CHECK_TRUE(testing::wait_until([&] { return outcomes().size() == 1; }, Millis(5000)));
  downlink->stop();
  {
    std::lock_guard lock(mu);
    acks.clear();
  }
  // The agent starts again (same journal): the held command is reported with the next ack.
  journal = std::move(CommandJournal::open(*store, *committer, clock).value());
  DownlinkOptions dopt;
  dopt.site_id = "site-1";
  downlink = std::make_unique<Downlink>(*journal, *agent_link, clarus, clock, dopt);
  downlink->start();
  send(batch("e1", {release(2, "c2", "SO-2")}));
  CHECK_TRUE(testing::wait_until([&] { return outcomes().count("c1") == 1 && outcomes().count("c2") == 1; }, Millis(5000)));
  LONGS_EQUAL(v1::CommandOutcome::HELD, outcomes()["c1"].kind());
}
