// The relay's alerts: one "raised" message per exception and one "resolved"
// notice, a digest when a window holds more than alerts.digest_after, and
// nothing lost and nothing sent twice when the webhook is down for a while,
// nor after a restart. A real HTTP receiver on loopback (the project's HTTP
// client and server), an in-memory MQTT broker, the memory store twin.
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/log.h"
#include "platform/http/http.h"
#include "platform/mqtt/transport.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/alerts.h"
#include "tests/support/webhook_receiver.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;

namespace {

ExceptionRaise condition(const std::string& cls, const std::string& site) {
  ExceptionRaise x;
  x.cls = cls;
  x.owner = cls == "ORPHANED_ORDER" ? "warehouse" : "IT";
  x.subject_kind = "condition";
  x.subject_id = cls + "/" + site;
  x.site = site;
  x.reason = "Site " + site + " has been offline for 20 minutes.";
  return x;
}

const Json& first_exception(const Json& body) { return body.find("stockbridge")->find("exceptions")->items().at(0); }
std::string kind(const Json& body) { return body.find("stockbridge")->get_string("kind"); }

}  // namespace

TEST_GROUP(Alerts) {
  ManualClock clock;
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<ExceptionBook> book;
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<testing::WebhookReceiver> hook;
  std::unique_ptr<Alerts> alerts;

  void setup() override {
    log::set_level(log::Level::kError);
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    book = ExceptionBook::open(*store, *committer, clock, "exceptions").value();
    http = make_poco_http_client({});
    hook = std::make_unique<testing::WebhookReceiver>();
    CHECK_TRUE(hook->ok());
    open_alerts();
  }
  void open_alerts(std::set<std::string> classes = {}) {
    alerts.reset();
    std::vector<std::unique_ptr<AlertSink>> sinks;
    sinks.push_back(webhook_alert_sink(*http, hook->url(), Millis(5000)));
    AlertOptions o;
    o.source = "relay-1";
    o.classes = std::move(classes);
    o.digest_after = 5;
    o.digest_lines = 3;
    alerts = Alerts::open(*store, *committer, *book, clock, o, std::move(sinks)).value();
  }
  void teardown() override {
    alerts.reset();
    hook.reset();
    http.reset();
    book.reset();
    committer.reset();
    store.reset();
  }
  ExceptionRecord raise(const std::string& cls, const std::string& site) { return book->raise(condition(cls, site)).value(); }
  void resolve(const ExceptionRecord& x) { CHECK_TRUE(book->resolve_subject("condition", x.subject_id, "system", "the condition cleared").ok()); }
};

TEST(Alerts, OneRaisedMessagePerConditionAndOneResolutionNotice) {
  ExceptionRecord x = raise("SITE_OFFLINE", "site-1");
  CHECK_TRUE(alerts->pass().ok());
  CHECK_TRUE(alerts->pass().ok());
  raise("SITE_OFFLINE", "site-1");  // held again while open: the same exception, no new alert
  CHECK_TRUE(alerts->pass().ok());
  std::vector<Json> got = hook->bodies();
  LONGS_EQUAL(1, got.size());
  STRCMP_EQUAL("raised", kind(got[0]).c_str());
  const Json& e = first_exception(got[0]);
  STRCMP_EQUAL(x.id.c_str(), e.get_string("id").c_str());
  STRCMP_EQUAL("SITE_OFFLINE", e.get_string("class").c_str());
  STRCMP_EQUAL("IT", e.get_string("owner").c_str());
  STRCMP_EQUAL("site-1", e.get_string("site").c_str());
  CHECK_FALSE(e.get_string("first_seen").empty());
  // Plain words for Slack and Teams.
  const std::string text = got[0].get_string("text");
  CHECK_TEXT(text.find("[relay-1] Raised " + x.id + " SITE_OFFLINE at site-1 (owner IT): Site site-1 has been offline") == 0,
             text.c_str());

  resolve(x);
  CHECK_TRUE(alerts->pass().ok());
  CHECK_TRUE(alerts->pass().ok());
  got = hook->bodies();
  LONGS_EQUAL(2, got.size());
  STRCMP_EQUAL("resolved", kind(got[1]).c_str());
  STRCMP_EQUAL(x.id.c_str(), first_exception(got[1]).get_string("id").c_str());
  CHECK_TEXT(got[1].get_string("text").find("resolved by system: the condition cleared") != std::string::npos,
             got[1].get_string("text").c_str());
  LONGS_EQUAL(2, alerts->stats().sent);
}

TEST(Alerts, AStormMakesOneDigestNotAThousandMessages) {
  std::vector<ExceptionRecord> raised;
  for (int i = 1; i <= 7; ++i) raised.push_back(raise(i <= 4 ? "SITE_OFFLINE" : "ORPHANED_ORDER", "site-" + std::to_string(i)));
  CHECK_TRUE(alerts->pass().ok());
  std::vector<Json> got = hook->bodies();
  LONGS_EQUAL(1, got.size());
  const Json& sb = *got[0].find("stockbridge");
  STRCMP_EQUAL("digest", sb.get_string("kind").c_str());
  LONGS_EQUAL(7, static_cast<long>(sb.find("raised")->as_double()));
  LONGS_EQUAL(4, static_cast<long>(sb.find("by_class")->find("SITE_OFFLINE")->as_double()));
  LONGS_EQUAL(3, static_cast<long>(sb.find("by_owner")->find("warehouse")->as_double()));
  LONGS_EQUAL(3, sb.find("exceptions")->items().size());  // the first lines only
  const std::string text = got[0].get_string("text");
  CHECK_TEXT(text.find("7 exception changes: 7 raised, 0 resolved") != std::string::npos, text.c_str());
  CHECK_TEXT(text.find("... and 4 more") != std::string::npos, text.c_str());

  for (const ExceptionRecord& x : raised) resolve(x);
  CHECK_TRUE(alerts->pass().ok());
  CHECK_TRUE(alerts->pass().ok());
  got = hook->bodies();
  LONGS_EQUAL(2, got.size());
  LONGS_EQUAL(7, static_cast<long>(got[1].find("stockbridge")->find("resolved")->as_double()));
  LONGS_EQUAL(2, alerts->stats().digests);
}

TEST(Alerts, AWebhookThatIsDownGetsEverythingLaterAndNothingTwice) {
  hook->refuse(true);
  ExceptionRecord a = raise("SITE_OFFLINE", "site-1");
  ExceptionRecord b = raise("BACKLOG", "site-2");
  CHECK_FALSE(alerts->pass().ok());
  CHECK_FALSE(alerts->pass().ok());
  LONGS_EQUAL(0, hook->bodies().size());
  LONGS_EQUAL(2, alerts->stats().failures);
  LONGS_EQUAL(2, alerts->stats().owed);
  resolve(a);  // resolved while the webhook is down: it still hears of it, raised then resolved

  hook->refuse(false);
  CHECK_TRUE(alerts->pass().ok());
  CHECK_TRUE(alerts->pass().ok());
  std::vector<Json> got = hook->bodies();
  LONGS_EQUAL(3, got.size());
  std::multiset<std::string> seen;
  for (const Json& g : got) seen.insert(kind(g) + " " + first_exception(g).get_string("id"));
  CHECK_TRUE((seen == std::multiset<std::string>{"raised " + a.id, "resolved " + a.id, "raised " + b.id}));
  LONGS_EQUAL(0, alerts->stats().owed);

  hook->refuse(true);
  resolve(b);
  CHECK_FALSE(alerts->pass().ok());
  hook->refuse(false);
  CHECK_TRUE(alerts->pass().ok());
  CHECK_TRUE(alerts->pass().ok());
  got = hook->bodies();
  LONGS_EQUAL(4, got.size());
  STRCMP_EQUAL("resolved", kind(got[3]).c_str());
  STRCMP_EQUAL(b.id.c_str(), first_exception(got[3]).get_string("id").c_str());
}

TEST(Alerts, ARestartSendsNothingAgain) {
  ExceptionRecord x = raise("SITE_OFFLINE", "site-1");
  CHECK_TRUE(alerts->pass().ok());
  open_alerts();
  CHECK_TRUE(alerts->pass().ok());
  LONGS_EQUAL(1, hook->bodies().size());
  resolve(x);
  open_alerts();
  CHECK_TRUE(alerts->pass().ok());
  CHECK_TRUE(alerts->pass().ok());
  LONGS_EQUAL(2, hook->bodies().size());
}

TEST(Alerts, OnlyTheChosenClassesAreAlerted) {
  open_alerts({"SITE_OFFLINE"});
  raise("UNKNOWN_SKU", "site-1");
  raise("SITE_OFFLINE", "site-1");
  CHECK_TRUE(alerts->pass().ok());
  std::vector<Json> got = hook->bodies();
  LONGS_EQUAL(1, got.size());
  STRCMP_EQUAL("SITE_OFFLINE", first_exception(got[0]).get_string("class").c_str());
}

TEST(Alerts, TheMqttTopicGetsTheSameMessages) {
  MemoryBroker broker;
  MqttOptions ro;
  ro.client_id = "relay-1";
  std::unique_ptr<MessageTransport> relay = broker.client(ro);
  MqttOptions wo;
  wo.client_id = "watcher";
  std::unique_ptr<MessageTransport> watcher = broker.client(wo);
  std::mutex mu;
  std::vector<std::string> heard;
  watcher->on_message([&](MqttMessage m) {
    std::lock_guard lock(mu);
    heard.push_back(m.payload);
  });
  CHECK_TRUE(watcher->subscribe("stockbridge/v1/alerts").ok());
  CHECK_TRUE(relay->start().ok());
  CHECK_TRUE(watcher->start().ok());

  std::vector<std::unique_ptr<AlertSink>> sinks;
  sinks.push_back(mqtt_alert_sink(*relay, "stockbridge/v1/alerts"));
  alerts = Alerts::open(*store, *committer, *book, clock, AlertOptions{}, std::move(sinks)).value();
  raise("SITE_OFFLINE", "site-1");
  CHECK_TRUE(alerts->pass().ok());
  CHECK_TRUE(alerts->pass().ok());
  relay->stop();
  watcher->stop();
  std::lock_guard lock(mu);
  LONGS_EQUAL(1, heard.size());
  Result<Json> j = Json::parse(heard[0]);
  CHECK_TRUE(j.ok());
  STRCMP_EQUAL("raised", kind(*j).c_str());
}
