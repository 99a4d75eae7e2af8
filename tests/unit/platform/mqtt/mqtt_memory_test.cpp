// Topic matching and the MemoryBroker twin: what a subscriber receives, what
// the broker retains, and what happens to clients through an outage.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "platform/mqtt/transport.h"

#include <CppUTest/TestHarness.h>

// Lets CHECK_EQUAL print a Status code by name.
static SimpleString StringFrom(sb::Code code) { return SimpleString(sb::code_name(code)); }

namespace {

struct MatchCase {
  const char* filter;
  const char* topic;
  bool matches;
};

const MatchCase kMatchTable[] = {
    {"a/b", "a/b", true},
    {"a/b", "a/c", false},
    {"a/b", "a/b/c", false},
    {"a/+", "a/b", true},
    {"a/+", "a/b/c", false},
    {"a/+", "a", false},
    {"a/+/c", "a//c", true},  // an empty level is still a level
    {"+/+", "/a", true},
    {"+", "/a", false},
    {"/+", "/a", true},
    {"a/#", "a", true},  // '#' includes the parent level
    {"a/#", "a/b/c", true},
    {"#", "a/b/c", true},
    {"a/", "a/", true},
    {"a", "a/", false},
    {"stockbridge/v1/+/up", "stockbridge/v1/site-7/up", true},
    {"stockbridge/v1/+/up", "stockbridge/v1/site-7/up/ack", false},
    {"stockbridge/v1/+/up/#", "stockbridge/v1/site-7/up/ack", true},
    {"stockbridge/v1/site-7/#", "stockbridge/v1/site-8/down", false},
    // Server topics are not caught by a leading wildcard.
    {"#", "$SYS/broker/uptime", false},
    {"+/broker/uptime", "$SYS/broker/uptime", false},
    {"$SYS/#", "$SYS/broker/uptime", true},
    // Malformed filters and topic names match nothing.
    {"a/#/b", "a/x/b", false},
    {"a+", "a+", false},
    {"a/b#", "a/b#", false},
    {"a/+", "a/+", false},
    {"", "a", false},
    {"a", "", false},
};

// What one client saw, in order.
struct Inbox {
  std::vector<sb::MqttMessage> messages;
  std::vector<std::pair<bool, std::string>> links;

  void attach(sb::MessageTransport& t) {
    t.on_message([this](sb::MqttMessage m) { messages.push_back(std::move(m)); });
    t.on_connection([this](bool up, const std::string& why) { links.emplace_back(up, why); });
  }
  std::vector<std::string> payloads(const std::string& topic) const {
    std::vector<std::string> out;
    for (const auto& m : messages) {
      if (m.topic == topic) out.push_back(m.payload);
    }
    return out;
  }
};

sb::MqttOptions options(const std::string& client_id) {
  sb::MqttOptions o;
  o.client_id = client_id;
  return o;
}

}  // namespace

TEST_GROUP(MqttTopic){};

TEST(MqttTopic, MatchesUnderMqttRules) {
  for (const auto& c : kMatchTable) {
    const std::string what = std::string(c.filter) + " vs " + c.topic;
    CHECK_EQUAL_TEXT(c.matches, sb::mqtt_topic_matches(c.filter, c.topic), what.c_str());
  }
}

TEST_GROUP(MemoryBroker) {
  sb::MemoryBroker broker;

  std::unique_ptr<sb::MessageTransport> connect(const std::string& id, Inbox& inbox,
                                                sb::MqttOptions o = sb::MqttOptions()) {
    o.client_id = id;
    auto t = broker.client(o);
    inbox.attach(*t);
    CHECK_TRUE(t->start().ok());
    return t;
  }
};

TEST(MemoryBroker, DeliversOnlyToMatchingFilters) {
  Inbox relay_in, site7_in, site8_in;
  auto relay = connect("relay", relay_in);
  auto site7 = connect("site-7", site7_in);
  auto site8 = connect("site-8", site8_in);
  CHECK_TRUE(relay->subscribe("stockbridge/v1/+/up").ok());
  CHECK_TRUE(site7->subscribe("stockbridge/v1/site-7/down").ok());
  CHECK_TRUE(site8->subscribe("stockbridge/v1/site-8/down").ok());

  CHECK_TRUE(site7->publish("stockbridge/v1/site-7/up", "batch-1").ok());
  CHECK_TRUE(relay->publish("stockbridge/v1/site-8/down", "command-1").ok());

  CHECK_EQUAL(1u, relay_in.messages.size());
  STRCMP_EQUAL("batch-1", relay_in.messages[0].payload.c_str());
  CHECK_FALSE(relay_in.messages[0].retained);
  CHECK_TRUE(site7_in.messages.empty());
  CHECK_EQUAL(1u, site8_in.payloads("stockbridge/v1/site-8/down").size());
  CHECK_EQUAL(2u, broker.delivered());
}

TEST(MemoryBroker, OverlappingFiltersDeliverOneCopy) {
  Inbox in;
  auto c = connect("c", in);
  CHECK_TRUE(c->subscribe("a/#").ok());
  CHECK_TRUE(c->subscribe("a/+").ok());
  CHECK_TRUE(c->publish("a/b", "x").ok());
  CHECK_EQUAL(1u, in.messages.size());
}

TEST(MemoryBroker, LateSubscriberGetsRetainedAndEmptyPayloadClearsIt) {
  Inbox pub_in, late_in, later_in;
  auto pub = connect("agent", pub_in);
  CHECK_TRUE(pub->publish("stockbridge/v1/site-7/state", "online", 1, true).ok());
  STRCMP_EQUAL("online", broker.retained("stockbridge/v1/site-7/state").c_str());

  auto late = connect("relay", late_in);
  CHECK_TRUE(late->subscribe("stockbridge/v1/+/state").ok());
  CHECK_EQUAL(1u, late_in.messages.size());
  STRCMP_EQUAL("online", late_in.messages[0].payload.c_str());
  CHECK_TRUE(late_in.messages[0].retained);

  CHECK_TRUE(pub->publish("stockbridge/v1/site-7/state", "", 1, true).ok());
  STRCMP_EQUAL("", broker.retained("stockbridge/v1/site-7/state").c_str());
  auto later = connect("relay-2", later_in);
  CHECK_TRUE(later->subscribe("stockbridge/v1/+/state").ok());
  CHECK_TRUE(later_in.messages.empty());
}

TEST(MemoryBroker, OfflineFiresWillsDisconnectsAndRefusesPublish) {
  Inbox agent_in, relay_in;
  sb::MqttOptions o;
  o.will = {"stockbridge/v1/site-7/state", "offline", 1, true};
  auto agent = connect("site-7", agent_in, o);
  auto relay = connect("relay", relay_in);
  CHECK_TRUE(agent->publish("stockbridge/v1/site-7/state", "online", 1, true).ok());

  broker.set_online(false);

  CHECK_FALSE(agent->is_connected());
  CHECK_EQUAL(2u, agent_in.links.size());
  CHECK_FALSE(agent_in.links.back().first);
  CHECK_EQUAL(sb::Code::kUnavailable, agent->publish("stockbridge/v1/site-7/up", "b").code());
  CHECK_EQUAL(sb::Code::kUnavailable, relay->publish("stockbridge/v1/site-7/down", "c").code());
  STRCMP_EQUAL("offline", broker.retained("stockbridge/v1/site-7/state").c_str());
}

TEST(MemoryBroker, OnlineReconnectsAndRestoresSubscriptions) {
  Inbox agent_in, relay_in;
  auto agent = connect("site-7", agent_in);
  auto relay = connect("relay", relay_in);
  CHECK_TRUE(relay->subscribe("stockbridge/v1/+/up").ok());

  broker.set_online(false);
  broker.set_online(true);

  CHECK_TRUE(relay->is_connected());
  CHECK_EQUAL(3u, relay_in.links.size());
  CHECK_TRUE(relay_in.links[0].first);
  CHECK_FALSE(relay_in.links[1].first);
  CHECK_TRUE(relay_in.links[2].first);
  CHECK_TRUE(agent->publish("stockbridge/v1/site-7/up", "after-outage").ok());
  CHECK_EQUAL(1u, relay_in.payloads("stockbridge/v1/site-7/up").size());
}

TEST(MemoryBroker, ClientStartedDuringOutageConnectsWhenBrokerReturns) {
  Inbox in;
  broker.set_online(false);
  auto c = connect("c", in);
  CHECK_FALSE(c->is_connected());
  CHECK_TRUE(in.links.empty());
  broker.set_online(true);
  CHECK_TRUE(c->is_connected());
  CHECK_EQUAL(1u, in.links.size());
}

TEST(MemoryBroker, WillFiresWhenClientVanishesButNotOnStop) {
  Inbox relay_in, crashed_in, stopped_in;
  auto relay = connect("relay", relay_in);
  CHECK_TRUE(relay->subscribe("state/#").ok());
  sb::MqttOptions crash_o;
  crash_o.will = {"state/crashed", "offline", 1, false};
  sb::MqttOptions stop_o;
  stop_o.will = {"state/stopped", "offline", 1, false};
  auto crashed = connect("crashed", crashed_in, crash_o);
  auto stopped = connect("stopped", stopped_in, stop_o);

  stopped->stop();
  crashed.reset();  // destroyed without stop(): the broker sees a dropped connection

  CHECK_EQUAL(1u, relay_in.payloads("state/crashed").size());
  CHECK_TRUE(relay_in.payloads("state/stopped").empty());
  CHECK_FALSE(stopped_in.links.back().first);
  CHECK_EQUAL(sb::Code::kUnavailable, stopped->publish("state/x", "y").code());
}

TEST(MemoryBroker, HandlersMayPublish) {
  Inbox agent_in;
  auto agent = connect("site-7", agent_in);
  CHECK_TRUE(agent->subscribe("stockbridge/v1/site-7/up/ack").ok());
  auto relay = broker.client(options("relay"));
  // The relay acknowledges from inside its handler, as the real one would.
  relay->on_message([&relay](sb::MqttMessage m) {
    CHECK_TRUE(relay->publish(m.topic + "/ack", "ack:" + m.payload).ok());
  });
  CHECK_TRUE(relay->start().ok());
  CHECK_TRUE(relay->subscribe("stockbridge/v1/+/up").ok());

  CHECK_TRUE(agent->publish("stockbridge/v1/site-7/up", "seq-1").ok());

  const auto acks = agent_in.payloads("stockbridge/v1/site-7/up/ack");
  CHECK_EQUAL(1u, acks.size());
  STRCMP_EQUAL("ack:seq-1", acks[0].c_str());
}

TEST(MemoryBroker, RefusesMalformedNamesAndSecondStart) {
  Inbox in, late;
  auto c = connect("c", in);
  late.attach(*c);  // after start(): ignored, the first inbox keeps receiving
  CHECK_TRUE(c->subscribe("a").ok());
  CHECK_TRUE(c->publish("a", "x").ok());
  CHECK_EQUAL(1u, in.messages.size());
  CHECK_TRUE(late.messages.empty());
  CHECK_EQUAL(sb::Code::kInvalidArgument, c->subscribe("a/#/b").code());
  CHECK_EQUAL(sb::Code::kInvalidArgument, c->subscribe("").code());
  CHECK_EQUAL(sb::Code::kInvalidArgument, c->publish("a/+", "x").code());
  CHECK_EQUAL(sb::Code::kInvalidArgument, c->publish("a", "x", 3).code());
  CHECK_EQUAL(sb::Code::kFailedPrecondition, c->start().code());
}

TEST(MemoryBroker, ClientsOutliveTheBroker) {
  Inbox in;
  std::unique_ptr<sb::MessageTransport> c;
  {
    sb::MemoryBroker short_lived;
    c = short_lived.client(options("c"));
    CHECK_TRUE(c->start().ok());
  }
  CHECK_TRUE(c->subscribe("a").ok());
  c->stop();
}
