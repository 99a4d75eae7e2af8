// The relay's downlink against the in-memory broker and a stand-in agent:
// commands are queued durably, sent to their site, resent until the site
// acknowledges them, freed after, and one command id is queued once.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/command_outbox.h"
#include "relay/downlink.h"
#include "tests/support/wait.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;

namespace {

v1::Command order(const std::string& id, const std::string& number) {
  v1::Command c;
  c.set_command_id(id);
  c.mutable_sales_order_release()->set_order_number(number);
  c.mutable_sales_order_release()->set_erp_order_id("so-" + number);
  return c;
}

// Stands in for a site's agent: records the batches and acknowledges when told.
struct SiteAgent {
  std::unique_ptr<MessageTransport> link;
  std::mutex mu;
  std::vector<v1::DownlinkBatch> batches;
  bool auto_ack = false;

  SiteAgent(MemoryBroker& broker, const std::string& site) {
    MqttOptions o;
    o.client_id = "agent-" + site;
    link = broker.client(o);
    link->on_message([this, site](MqttMessage m) {
      v1::DownlinkBatch b;
      CHECK_TRUE(b.ParseFromString(m.payload));
      std::lock_guard lock(mu);
      batches.push_back(b);
      if (auto_ack && b.commands_size() > 0) {
        v1::DownlinkAck a;
        a.set_site_id(site);
        a.set_downlink_epoch(b.downlink_epoch());
        a.set_acked_through_seq(b.commands(b.commands_size() - 1).seq());
        v1::CommandOutcome* o = a.add_outcomes();
        o->set_command_id(b.commands(0).command_id());
        o->set_kind(v1::CommandOutcome::APPLIED);
        (void)link->publish(v1::down_ack_topic(site), a.SerializeAsString());
      }
    });
    (void)link->subscribe(v1::down_topic(site), 1);
    CHECK_TRUE(link->start().ok());
  }
  size_t count() {
    std::lock_guard lock(mu);
    return batches.size();
  }
  v1::DownlinkBatch last() {
    std::lock_guard lock(mu);
    return batches.back();
  }
};

}  // namespace

TEST_GROUP(RelayDownlink) {
  std::unique_ptr<MemoryStore> store = MemoryStore::create();
  std::unique_ptr<GroupCommitter> committer = std::make_unique<GroupCommitter>(*store);
  ManualClock clock;
  MemoryBroker broker;
  std::unique_ptr<MessageTransport> relay_link;
  std::unique_ptr<CommandOutbox> outbox;
  std::unique_ptr<Downlink> downlink;

  void setup() override {
    outbox = std::move(CommandOutbox::open(*store, *committer, clock).value());
    MqttOptions o;
    o.client_id = "relay";
    relay_link = broker.client(o);
    DownlinkOptions d;
    d.resend_after = Millis(5'000);
    downlink = std::make_unique<Downlink>(*outbox, *relay_link, clock, d);
    relay_link->on_message([this](MqttMessage m) { downlink->handle_ack(m); });
    downlink->attach();
    CHECK_TRUE(relay_link->start().ok());
  }
  void teardown() override {
    downlink->stop();
    relay_link->stop();
  }
};

TEST(RelayDownlink, CommandsAreQueuedOncePerIdWithGapFreeSeqsPerSite) {
  LONGS_EQUAL(1, *outbox->enqueue("lyon-1", order("c1", "SO-1")));
  LONGS_EQUAL(2, *outbox->enqueue("lyon-1", order("c2", "SO-2")));
  LONGS_EQUAL(1, *outbox->enqueue("leeds-2", order("c3", "SO-3")));
  LONGS_EQUAL(2, *outbox->enqueue("lyon-1", order("c2", "SO-2")));  // read twice from the ERP: queued once
  LONGS_EQUAL(2, outbox->stats("lyon-1").waiting);
  LONGS_EQUAL(1, outbox->stats("leeds-2").waiting);
  CHECK_FALSE(outbox->enqueue("lyon-1", v1::Command()).ok());  // no id, no body
  // Durable: an outbox opened again over the same store has the same queue and epoch.
  const std::string epoch = outbox->epoch();
  outbox.reset();
  downlink.reset();
  auto again = std::move(CommandOutbox::open(*store, *committer, clock).value());
  STRCMP_EQUAL(epoch.c_str(), again->epoch().c_str());
  Result<std::vector<v1::Command>> q = again->unacked("lyon-1", 10);
  CHECK_TRUE(q.ok());
  LONGS_EQUAL(2, q->size());
  STRCMP_EQUAL("c2", (*q)[1].command_id().c_str());
  LONGS_EQUAL(3, *again->enqueue("lyon-1", order("c4", "SO-4")));
  outbox = std::move(again);
  downlink = std::make_unique<Downlink>(*outbox, *relay_link, clock, DownlinkOptions{});
}

TEST(RelayDownlink, CommandIdsAreForgottenAfterTheirRetentionAndNotBefore) {
  LONGS_EQUAL(1, *outbox->enqueue("lyon-1", order("old", "SO-1")));
  clock.advance(Millis(20 * 86'400'000LL));
  LONGS_EQUAL(2, *outbox->enqueue("lyon-1", order("new", "SO-2")));
  clock.advance(Millis(11 * 86'400'000LL));  // "old" is 31 days old, "new" 11
  Result<uint64_t> pruned = outbox->prune_ids(Millis(30 * 86'400'000LL));
  CHECK_TRUE(pruned.ok());
  LONGS_EQUAL(1, *pruned);
  LONGS_EQUAL(2, *outbox->enqueue("lyon-1", order("new", "SO-2")));  // still known: not queued again
  LONGS_EQUAL(3, *outbox->enqueue("lyon-1", order("old", "SO-1")));  // forgotten: a new command
  LONGS_EQUAL(0, *outbox->prune_ids(Millis(30 * 86'400'000LL)));
}

TEST(RelayDownlink, SentUntilAcknowledgedThenFreed) {
  SiteAgent agent(broker, "lyon-1");
  CHECK_TRUE(outbox->enqueue("lyon-1", order("c1", "SO-1")).ok());
  CHECK_TRUE(outbox->enqueue("lyon-1", order("c2", "SO-2")).ok());
  LONGS_EQUAL(1, downlink->step());
  CHECK_TRUE(testing::wait_until([&] { return agent.count() == 1; }, Millis(2000)));
  LONGS_EQUAL(2, agent.last().commands_size());
  STRCMP_EQUAL(outbox->epoch().c_str(), agent.last().downlink_epoch().c_str());
  LONGS_EQUAL(0, downlink->step());  // nothing new, not yet due
  clock.advance(Millis(5'000));
  LONGS_EQUAL(1, downlink->step());  // no ack within resend_after: sent again
  CHECK_TRUE(testing::wait_until([&] { return agent.count() == 2; }, Millis(2000)));
  LONGS_EQUAL(1, downlink->stats().resends);
  // The agent acknowledges through seq 2 with an outcome.
  v1::DownlinkAck ack;
  ack.set_site_id("lyon-1");
  ack.set_downlink_epoch(outbox->epoch());
  ack.set_acked_through_seq(2);
  v1::CommandOutcome* o = ack.add_outcomes();
  o->set_command_id("c1");
  o->set_kind(v1::CommandOutcome::HELD);
  o->set_reason("SKU SKU-9 is not a product in Clarus yet");
  CHECK_TRUE(agent.link->publish(v1::down_ack_topic("lyon-1"), ack.SerializeAsString()).ok());
  CHECK_TRUE(testing::wait_until([&] { downlink->step(); return outbox->stats("lyon-1").waiting == 0; }, Millis(2000)));
  LONGS_EQUAL(1, outbox->stats("lyon-1").held);
  clock.advance(Millis(60'000));
  LONGS_EQUAL(0, downlink->step());  // nothing waits: nothing is sent
  // An ack of another epoch, or beyond what was queued, frees nothing it should not.
  CHECK_TRUE(outbox->enqueue("lyon-1", order("c3", "SO-3")).ok());
  CHECK_TRUE(outbox->ack("lyon-1", "someone-else", 3).ok());
  CHECK_TRUE(outbox->ack("lyon-1", outbox->epoch(), 99).ok());
  LONGS_EQUAL(0, outbox->stats("lyon-1").waiting);
  LONGS_EQUAL(3, outbox->stats("lyon-1").acked_through);
  CHECK_TRUE(outbox->enqueue("lyon-1", order("c5", "SO-5")).ok());
  LONGS_EQUAL(1, outbox->stats("lyon-1").waiting);
}

TEST(RelayDownlink, AnOfflineSiteWaitsAndGetsEverythingWhenItComesBack) {
  CHECK_TRUE(outbox->enqueue("leeds-2", order("c1", "SO-1")).ok());
  downlink->step();  // published to nobody: the broker keeps nothing we trust
  CHECK_TRUE(outbox->enqueue("leeds-2", order("c2", "SO-2")).ok());
  SiteAgent agent(broker, "leeds-2");
  agent.auto_ack = true;
  downlink->site_online("leeds-2");
  downlink->start();
  CHECK_TRUE(testing::wait_until([&] { return outbox->stats("leeds-2").waiting == 0; }, Millis(3000)));
  v1::DownlinkBatch b = agent.last();
  LONGS_EQUAL(2, b.commands_size());
  LONGS_EQUAL(1, b.commands(0).seq());
  LONGS_EQUAL(2, b.commands(1).seq());
  LONGS_EQUAL(1, outbox->stats("leeds-2").applied);
}

TEST(RelayDownlink, ASiteCannotAcknowledgeAnotherSitesCommands) {
  CHECK_TRUE(outbox->enqueue("leeds-2", order("c1", "SO-1")).ok());
  SiteAgent lyon(broker, "lyon-1");
  v1::DownlinkAck forged;
  forged.set_site_id("leeds-2");
  forged.set_downlink_epoch(outbox->epoch());
  forged.set_acked_through_seq(1);
  // Published on lyon-1's own topic, naming leeds-2.
  CHECK_TRUE(lyon.link->publish(v1::down_ack_topic("lyon-1"), forged.SerializeAsString()).ok());
  CHECK_TRUE(testing::wait_until([&] { downlink->step(); return downlink->stats().malformed_acks == 1; }, Millis(2000)));
  LONGS_EQUAL(1, outbox->stats("leeds-2").waiting);
}

TEST(RelayDownlink, AnOfflineSiteIsNotSentToUntilItIsBack) {
  downlink->stop();
  DownlinkOptions d;
  bool offline = true;
  d.is_offline = [&](const std::string&) { return offline; };
  downlink = std::make_unique<Downlink>(*outbox, *relay_link, clock, d);
  CHECK_TRUE(outbox->enqueue("leeds-2", order("c1", "SO-1")).ok());
  LONGS_EQUAL(0, downlink->step());
  clock.advance(Millis(60'000));
  LONGS_EQUAL(0, downlink->step());  // nothing piles up in the broker meanwhile
  offline = false;
  downlink->site_online("leeds-2");
  LONGS_EQUAL(1, downlink->step());
}
