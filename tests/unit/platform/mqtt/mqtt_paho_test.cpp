// The Paho transport against a real mosquitto: a QoS 1 stream with a 4 MB
// message, retained state, a crashed peer's last will, a broker killed and
// restarted under a connected client, and a client started before its broker.
#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "platform/mqtt/transport.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"
#include "tests/unit/platform/mqtt/test_certs.h"

#include <CppUTest/TestHarness.h>

// Lets CHECK_EQUAL print a Status code by name.
static SimpleString StringFrom(sb::Code code) { return SimpleString(sb::code_name(code)); }

namespace {

using namespace std::chrono_literals;
using sb::testing::wait_until;

// What one client saw, filled on Paho's thread and read on the test's.
class Inbox {
 public:
  void attach(sb::MessageTransport& t) {
    t.on_message([this](sb::MqttMessage m) {
      std::lock_guard lock(mu_);
      messages_.push_back(std::move(m));
    });
    t.on_connection([this](bool up, const std::string&) {
      std::lock_guard lock(mu_);
      links_.push_back(up);
    });
  }
  std::vector<sb::MqttMessage> on(const std::string& topic) const {
    std::lock_guard lock(mu_);
    std::vector<sb::MqttMessage> out;
    for (const auto& m : messages_) {
      if (m.topic == topic) out.push_back(m);
    }
    return out;
  }
  size_t count(const std::string& topic) const {
    std::lock_guard lock(mu_);
    return std::count_if(messages_.begin(), messages_.end(), [&](const auto& m) { return m.topic == topic; });
  }
  bool has(const std::string& topic, const std::string& payload) const {
    const auto ms = on(topic);
    return std::any_of(ms.begin(), ms.end(), [&](const auto& m) { return m.payload == payload; });
  }
  std::vector<bool> links() const {
    std::lock_guard lock(mu_);
    return links_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<sb::MqttMessage> messages_;
  std::vector<bool> links_;
};

sb::MqttOptions options(const sb::testing::Mosquitto& broker, const std::string& client_id) {
  sb::MqttOptions o;
  o.server_uri = broker.uri();
  o.client_id = client_id;
  o.keepalive = 5s;
  o.connect_timeout = 2s;
  o.min_reconnect = 100ms;
  o.max_reconnect = 500ms;
  return o;
}

// Publishes probes on `topic` until `inbox` receives one: the subscription is
// then in place at the broker (subscribe() only queues the SUBSCRIBE).
bool subscribed(sb::MessageTransport& publisher, const Inbox& inbox, const std::string& topic) {
  int n = 0;
  return wait_until(
      [&] {
        if (inbox.count(topic) > 0) return true;
        (void)publisher.publish(topic, "probe-" + std::to_string(n++));
        return false;
      },
      10s, 100ms);
}

std::string big_payload(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7919) % 26);
  return s;
}

}  // namespace

// Inboxes belong to the fixture, not to a test body: a failed CHECK leaves the
// body while Paho may still deliver, and the clients stop only in teardown.
TEST_GROUP(MqttPaho) {
  std::unique_ptr<sb::testing::Mosquitto> broker;
  std::vector<std::unique_ptr<Inbox>> inboxes;
  std::vector<std::unique_ptr<sb::MessageTransport>> clients;

  void setup() override { broker = std::make_unique<sb::testing::Mosquitto>(); }

  void teardown() override {
    for (auto& c : clients) c->stop();
    clients.clear();
    inboxes.clear();
    broker.reset();
  }

  Inbox& inbox() { return *inboxes.emplace_back(std::make_unique<Inbox>()); }

  void start_broker() {
    CHECK_TRUE(broker->start().ok());
    CHECK_TEXT(broker->wait_ready(5s), broker->log_tail().c_str());
  }

  sb::MessageTransport& client(const std::string& id, Inbox& inbox, const std::string& filter = "") {
    return client(options(*broker, id), inbox, filter);
  }

  sb::MessageTransport& client(const sb::MqttOptions& o, Inbox& inbox, const std::string& filter) {
    clients.push_back(sb::make_paho_transport(o));
    sb::MessageTransport& t = *clients.back();
    inbox.attach(t);
    if (!filter.empty()) CHECK_TRUE(t.subscribe(filter).ok());
    CHECK_TRUE(t.start().ok());
    return t;
  }
};

TEST(MqttPaho, ThousandQos1MessagesWithA4MbOneArriveInOrder) {
  start_broker();
  Inbox& sub_in = inbox();
  Inbox& pub_in = inbox();
  sb::MessageTransport& sub = client("rt-sub", sub_in, "t/rt/#");
  sb::MessageTransport& pub = client("rt-pub", pub_in);
  CHECK_TRUE(wait_until([&] { return sub.is_connected() && pub.is_connected(); }, 10s));
  CHECK_TRUE(subscribed(pub, sub_in, "t/rt/probe"));

  const std::string big = big_payload(4 * 1024 * 1024);
  for (int i = 0; i < 1000; ++i) {
    const std::string payload = i == 500 ? big : "m-" + std::to_string(i);
    const sb::Status s = pub.publish("t/rt/data", payload);
    CHECK_TEXT(s.ok(), s.to_string().c_str());
  }

  CHECK_TRUE(wait_until([&] { return sub_in.count("t/rt/data") >= 1000; }, 20s));
  const auto got = sub_in.on("t/rt/data");
  for (int i = 0; i < 1000; ++i) {
    if (i == 500) {
      CHECK_EQUAL(big.size(), got[i].payload.size());
      CHECK_TRUE(got[i].payload == big);
    } else {
      STRCMP_EQUAL(("m-" + std::to_string(i)).c_str(), got[i].payload.c_str());
    }
  }
}

TEST(MqttPaho, LateSubscriberGetsRetainedState) {
  start_broker();
  Inbox& pub_in = inbox();
  Inbox& late_in = inbox();
  sb::MessageTransport& pub = client("ret-pub", pub_in);
  CHECK_TRUE(wait_until([&] { return pub.is_connected(); }, 10s));
  CHECK_TRUE(pub.publish("t/ret/site-7/state", "online-42", 1, true).ok());
  pub.stop();  // a clean disconnect waits for the PUBACK, so the broker holds it now

  client("ret-late", late_in, "t/ret/+/state");
  CHECK_TRUE(wait_until([&] { return !late_in.on("t/ret/site-7/state").empty(); }, 10s));
  const auto got = late_in.on("t/ret/site-7/state");
  STRCMP_EQUAL("online-42", got[0].payload.c_str());
  CHECK_TRUE(got[0].retained);
}

TEST(MqttPaho, KilledPeerLeavesItsWillAndStoppedPeerDoesNot) {
  start_broker();
  Inbox& watch_in = inbox();
  sb::MessageTransport& watcher = client("will-watch", watch_in, "t/will/#");
  CHECK_TRUE(wait_until([&] { return watcher.is_connected(); }, 10s));
  sb::testing::TempDir dir("mqtt-will");

  sb::testing::Process crashing;
  CHECK_TRUE(crashing
                 .spawn({MQTT_WILL_CLIENT, broker->uri(), "site-crash", "t/will/site-crash", "offline", "online"},
                        {}, dir.file("crash.log"))
                 .ok());
  CHECK_TEXT(wait_until([&] { return watch_in.has("t/will/site-crash", "online"); }, 10s),
             crashing.log_tail().c_str());
  crashing.kill9();
  CHECK_TRUE(wait_until([&] { return watch_in.has("t/will/site-crash", "offline"); }, 10s));

  // The will was retained: whoever looks later sees the site offline.
  Inbox& late_in = inbox();
  client("will-late", late_in, "t/will/site-crash");
  CHECK_TRUE(wait_until([&] { return late_in.has("t/will/site-crash", "offline"); }, 10s));

  sb::testing::Process stopping;
  CHECK_TRUE(stopping
                 .spawn({MQTT_WILL_CLIENT, broker->uri(), "site-stop", "t/will/site-stop", "offline", "online"}, {},
                        dir.file("stop.log"))
                 .ok());
  CHECK_TEXT(wait_until([&] { return watch_in.has("t/will/site-stop", "online"); }, 10s),
             stopping.log_tail().c_str());
  CHECK_EQUAL(0, stopping.terminate(5s));
  // A will would have been sent when the connection closed, before the
  // process exited; a marker sent after the exit bounds the wait for it.
  CHECK_TRUE(watcher.publish("t/will/site-stop", "marker").ok());
  CHECK_TRUE(wait_until([&] { return watch_in.has("t/will/site-stop", "marker"); }, 10s));
  CHECK_FALSE(watch_in.has("t/will/site-stop", "offline"));
}

TEST(MqttPaho, ReconnectsAndResubscribesAfterBrokerKillAndRestart) {
  start_broker();
  Inbox& in = inbox();
  sb::MessageTransport& c = client("restart", in, "t/rs/#");
  CHECK_TRUE(wait_until([&] { return c.is_connected(); }, 10s));
  CHECK_TRUE(subscribed(c, in, "t/rs/probe-1"));

  broker->kill9();
  CHECK_TRUE(wait_until([&] { return in.links().size() >= 2; }, 10s));
  CHECK_FALSE(c.is_connected());
  const sb::Status down = c.publish("t/rs/data", "while-down");
  CHECK_EQUAL(sb::Code::kUnavailable, down.code());

  // Same port, no persistence: the broker has forgotten the session and its
  // subscription, so only our re-subscribe brings messages back.
  CHECK_TRUE(broker->restart().ok());
  CHECK_TEXT(broker->wait_ready(5s), broker->log_tail().c_str());
  CHECK_TRUE(wait_until([&] { return c.is_connected(); }, 10s));
  CHECK_TRUE(subscribed(c, in, "t/rs/probe-2"));
  CHECK_TRUE(c.publish("t/rs/data", "after-restart").ok());
  CHECK_TRUE(wait_until([&] { return in.has("t/rs/data", "after-restart"); }, 10s));
  CHECK_FALSE(in.has("t/rs/data", "while-down"));

  const std::vector<bool> expected{true, false, true};
  CHECK_TRUE(in.links() == expected);
}

TEST(MqttPaho, StartsBeforeTheBrokerAndConnectsWhenItComesUp) {
  Inbox& in = inbox();
  const auto t0 = std::chrono::steady_clock::now();
  sb::MessageTransport& c = client("early", in, "t/early/#");
  CHECK_TRUE(std::chrono::steady_clock::now() - t0 < 500ms);  // start() does not wait for the broker
  CHECK_FALSE(c.is_connected());
  CHECK_EQUAL(sb::Code::kUnavailable, c.publish("t/early/data", "too-soon").code());

  std::this_thread::sleep_for(700ms);  // several refused attempts
  start_broker();
  CHECK_TRUE(wait_until([&] { return c.is_connected(); }, 10s));
  CHECK_TRUE(subscribed(c, in, "t/early/probe"));
  const std::vector<bool> expected{true};
  CHECK_TRUE(in.links() == expected);
}

TEST(MqttPaho, PublishIsUnavailableBeforeStartAndAfterStop) {
  start_broker();
  Inbox& in = inbox();
  clients.push_back(sb::make_paho_transport(options(*broker, "lifecycle")));
  sb::MessageTransport& c = *clients.back();
  in.attach(c);
  CHECK_EQUAL(sb::Code::kUnavailable, c.publish("t/life", "before").code());
  CHECK_TRUE(c.start().ok());
  CHECK_EQUAL(sb::Code::kFailedPrecondition, c.start().code());
  CHECK_TRUE(wait_until([&] { return c.is_connected(); }, 10s));
  CHECK_TRUE(c.publish("t/life", "during").ok());
  c.stop();
  CHECK_FALSE(c.is_connected());
  CHECK_EQUAL(sb::Code::kUnavailable, c.publish("t/life", "after").code());
  const std::vector<bool> expected{true, false};
  CHECK_TRUE(in.links() == expected);
}

TEST(MqttPaho, RefusesBadSettingsAtStart) {
  sb::MqttOptions o = options(*broker, "bad");
  o.server_uri = "http://127.0.0.1:1883";
  CHECK_EQUAL(sb::Code::kInvalidArgument, sb::make_paho_transport(o)->start().code());
  o.server_uri = "tcp://";
  CHECK_EQUAL(sb::Code::kInvalidArgument, sb::make_paho_transport(o)->start().code());
  o.server_uri = "tcp://127.0.0.1:99999";
  CHECK_EQUAL(sb::Code::kInvalidArgument, sb::make_paho_transport(o)->start().code());
  o.server_uri = "mqtts://127.0.0.1:8883";
  o.tls.ca_file = "no-such-dir/ca.pem";
  CHECK_EQUAL(sb::Code::kInvalidArgument, sb::make_paho_transport(o)->start().code());
  o = options(*broker, "");
  CHECK_EQUAL(sb::Code::kInvalidArgument, sb::make_paho_transport(o)->start().code());
  o = options(*broker, "bad");
  CHECK_EQUAL(sb::Code::kInvalidArgument, sb::make_paho_transport(o)->subscribe("a/#/b").code());
}

TEST(MqttPaho, MutualTlsWorksAndAnUntrustedBrokerIsRefused) {
  sb::testing::TempDir pki_dir("mqtt-pki");
  sb::testing::TestPki pki, stranger;
  CHECK_TRUE(sb::testing::make_test_pki(pki_dir.path(), "site", &pki));
  CHECK_TRUE(sb::testing::make_test_pki(pki_dir.path(), "stranger", &stranger));
  broker = std::make_unique<sb::testing::Mosquitto>(std::vector<std::string>{
      "cafile " + pki.ca_cert, "certfile " + pki.server_cert, "keyfile " + pki.server_key,
      "require_certificate true"});
  start_broker();
  const std::string tls_uri = "ssl://127.0.0.1:" + std::to_string(broker->port());

  sb::MqttOptions o = options(*broker, "tls-site");
  o.server_uri = tls_uri;
  o.tls = {true, pki.ca_cert, pki.client_cert, pki.client_key, true};
  Inbox& in = inbox();
  sb::MessageTransport& c = client(o, in, "t/tls/#");
  CHECK_TEXT(wait_until([&] { return c.is_connected(); }, 10s), broker->log_tail().c_str());
  CHECK_TRUE(subscribed(c, in, "t/tls/probe"));
  CHECK_TRUE(c.publish("t/tls/data", "over-tls").ok());
  CHECK_TRUE(wait_until([&] { return in.has("t/tls/data", "over-tls"); }, 10s));

  // Trusting another CA, the client must not accept this broker.
  sb::MqttOptions wary = o;
  wary.client_id = "tls-wary";
  wary.tls.ca_file = stranger.ca_cert;
  Inbox& wary_in = inbox();
  sb::MessageTransport& w = client(wary, wary_in, "");
  CHECK_FALSE(wait_until([&] { return w.is_connected(); }, 2s));
  CHECK_TRUE(wary_in.links().empty());
}
