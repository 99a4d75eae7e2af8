// Uplink: batches from sites over MQTT (and HTTPS) into the ledger, and what
// the sites hear back. MemoryBroker, memory store, a real Poster posting to
// an in-test ERP (ScriptedErp).
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/core/log.h"
#include "platform/mqtt/transport.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/ledger.h"
#include "relay/poster.h"
#include "relay/relay_api.h"
#include "relay/uplink.h"
#include "tests/unit/relay/relay_fixtures.h"
#include "tests/unit/relay/scripted_erp.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;
using namespace sb::relay::test;

namespace {

// A site's side of the broker: publishes batches and state, collects acks.
class SiteClient {
 public:
  SiteClient(MemoryBroker& broker, const std::string& site) : site_(site) {
    MqttOptions o;
    o.client_id = site;
    transport_ = broker.client(o);
    transport_->on_message([this](MqttMessage m) {
      v1::UplinkAck ack;
      if (!ack.ParseFromString(m.payload)) return;
      std::lock_guard lock(mu_);
      acks_.push_back(ack);
    });
    (void)transport_->subscribe(v1::ack_topic(site), 1);
    Status s = transport_->start();
    CHECK_TEXT(s.ok(), s.to_string().c_str());
  }
  ~SiteClient() { transport_->stop(); }

  void send(const v1::UplinkBatch& b) { publish(v1::up_topic(site_), b.SerializeAsString()); }
  void publish(const std::string& topic, const std::string& payload, bool retained = false) {
    Status s = transport_->publish(topic, payload, 1, retained);
    CHECK_TEXT(s.ok(), s.to_string().c_str());
  }
  std::vector<v1::UplinkAck> acks() const {
    std::lock_guard lock(mu_);
    return acks_;
  }
  size_t ack_count() const { return acks().size(); }
  // Outcomes of every ack so far, in arrival order.
  std::vector<v1::EventOutcome> outcomes() const {
    std::vector<v1::EventOutcome> out;
    for (const v1::UplinkAck& a : acks()) {
      for (const v1::EventOutcome& o : a.outcomes()) out.push_back(o);
    }
    return out;
  }

 private:
  std::string site_;
  std::unique_ptr<MessageTransport> transport_;
  mutable std::mutex mu_;
  std::vector<v1::UplinkAck> acks_;
};

int64_t int_at(const Json& j, std::initializer_list<const char*> path) {
  const Json* at = &j;
  for (const char* key : path) {
    at = at->find(key);
    if (!at) FAIL((std::string("no ") + key + " in status").c_str());
  }
  int64_t v = -1;
  CHECK(at->as_int64(&v));
  return v;
}

}  // namespace

TEST_GROUP(Uplink) {
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<Ledger> ledger;
  ScriptedErp erp;
  std::unique_ptr<Poster> poster;
  MemoryBroker broker;
  std::unique_ptr<MessageTransport> relay_transport;
  std::unique_ptr<Uplink> uplink;
  std::atomic<int> outcomes_handed{0};

  void setup() override {
    log::set_level(log::Level::kError);
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    Result<std::unique_ptr<Ledger>> l = Ledger::open(*store, *committer, SystemClock::instance());
    CHECK_TEXT(l.ok(), l.status().to_string().c_str());
    ledger = std::move(l).value();
    PosterOptions po;
    po.coalesce_max = 1;  // one ERP record per event, as these tests count them
    po.max_concurrency = 2;
    po.backoff = BackoffPolicy{Millis(5), Millis(20)};
    poster = std::make_unique<Poster>(*ledger, erp, SystemClock::instance(), po,
                                      [this](const std::string& site, const std::string& epoch,
                                             const v1::EventOutcome& o) {
                                        uplink->add_outcome(site, epoch, o);
                                        ++outcomes_handed;
                                      });
    CHECK(poster->load().ok());
    MqttOptions mo;
    mo.client_id = "relay-1";
    relay_transport = broker.client(mo);
    uplink = std::make_unique<Uplink>(*ledger, *poster, *relay_transport, SystemClock::instance(), Millis(10));
    uplink->attach();
  }
  // Starts as main.cpp does: intake and poster, then the broker connection.
  void start(bool connect = true) {
    uplink->start();
    poster->start();
    if (connect) CHECK(relay_transport->start().ok());
  }
  void teardown() override {
    poster->stop();  // its sink calls into the uplink
    uplink->stop();
    relay_transport->stop();
    uplink.reset();
    relay_transport.reset();
    poster.reset();
    ledger.reset();
    committer.reset();
    store.reset();
  }
};

TEST(Uplink, ABatchIsCommittedThenAcknowledgedOnTheAckTopic) {
  start();
  SiteClient site(broker, "site-a");
  site.send(batch("site-a", "e1", run_of("site-a", 1, 3)));
  CHECK(eventually([&] { return site.ack_count() >= 1; }));

  v1::UplinkAck ack = site.acks().front();
  STRCMP_EQUAL("site-a", ack.site_id().c_str());
  STRCMP_EQUAL("e1", ack.journal_epoch().c_str());
  UNSIGNED_LONGS_EQUAL(3, ack.acked_through_seq());
  // Durable before acknowledged: everything acknowledged is in the ledger.
  UNSIGNED_LONGS_EQUAL(3, ledger->stats().taken);
  for (int s = 1; s <= 3; ++s) {
    Result<std::string> st = ledger->state_of("site-a-ev-" + std::to_string(s));
    CHECK(st.ok());
    CHECK_FALSE(st->empty());
  }
  // And the poster got them: the ERP ends up holding all three.
  CHECK(eventually([&] { return erp.record_count() == 3; }));
}

TEST(Uplink, ARedeliveredBatchIsAcknowledgedAgainAndTakenOnce) {
  start();
  SiteClient site(broker, "site-a");
  v1::UplinkBatch b = batch("site-a", "e1", run_of("site-a", 1, 3));
  site.send(b);
  CHECK(eventually([&] { return site.ack_count() >= 1; }));
  site.send(b);  // the agent did not see the ack in time
  CHECK(eventually([&] {
    int with_seq = 0;
    for (const v1::UplinkAck& a : site.acks()) with_seq += a.acked_through_seq() == 3 && a.outcomes_size() == 0;
    return with_seq >= 2;
  }));
  UNSIGNED_LONGS_EQUAL(3, ledger->stats().taken);
  UplinkStats us = uplink->stats();
  UNSIGNED_LONGS_EQUAL(2, us.batches);
  UNSIGNED_LONGS_EQUAL(3, us.events_taken);
  UNSIGNED_LONGS_EQUAL(3, us.redelivered);
  CHECK(eventually([&] { return ledger->stats().posted == 3; }));
  LONGS_EQUAL(0, erp.duplicate_posts());
}

TEST(Uplink, ABatchNamingAnotherSiteThanItsTopicIsRefused) {
  start();
  SiteClient site(broker, "site-a");
  site.send(batch("site-b", "e1", run_of("site-b", 1, 2)));  // on site-a's topic
  CHECK(eventually([&] { return uplink->stats().rejected_batches == 1; }));
  STRCMP_CONTAINS("site-b", uplink->stats().last_error.c_str());

  // A good batch behind it is acknowledged; the refused one never was.
  site.send(batch("site-a", "e1", run_of("site-a", 1, 1)));
  CHECK(eventually([&] { return site.ack_count() >= 1; }));
  std::vector<v1::UplinkAck> acks = site.acks();
  LONGS_EQUAL(1, acks.size());
  STRCMP_EQUAL("site-a", acks[0].site_id().c_str());
  UNSIGNED_LONGS_EQUAL(0, ledger->high_water("site-b", "e1"));
  UNSIGNED_LONGS_EQUAL(1, ledger->stats().taken);
}

TEST(Uplink, GarbageOnTheUpTopicIsRefusedNotAcknowledged) {
  start();
  SiteClient site(broker, "site-a");
  site.publish(v1::up_topic("site-a"), std::string("\xff\xff\xff not a batch", 17));
  CHECK(eventually([&] { return uplink->stats().rejected_batches == 1; }));
  LONGS_EQUAL(0, site.ack_count());
  UNSIGNED_LONGS_EQUAL(0, ledger->stats().taken);
}

TEST(Uplink, PostedOutcomesReachTheSiteOnItsAckTopic) {
  start();
  SiteClient site(broker, "site-a");
  site.send(batch("site-a", "e1", run_of("site-a", 1, 2)));
  CHECK(eventually([&] { return site.outcomes().size() >= 2; }));
  for (const v1::EventOutcome& o : site.outcomes()) {
    CHECK(o.kind() == v1::EventOutcome::POSTED);
    std::string erp_id;
    CHECK(erp.holds(o.event_id(), &erp_id));
    STRCMP_EQUAL(erp_id.c_str(), o.erp_id().c_str());
  }
}

TEST(Uplink, HttpsUplinkAnswersWithTheAckAndTheOutcomesWaitingForThatStream) {
  start(/*connect=*/false);  // MQTT is down: the site falls back to HTTPS
  std::map<std::string, int> told;  // outcomes site-a heard, by event id
  auto send = [&](const std::string& site, const v1::UplinkBatch& b) {
    Result<std::string> answer = uplink->accept_http(site, b.SerializeAsString());
    CHECK_TEXT(answer.ok(), answer.status().to_string().c_str());
    v1::UplinkAck ack;
    CHECK(ack.ParseFromString(*answer));
    STRCMP_EQUAL(site.c_str(), ack.site_id().c_str());
    STRCMP_EQUAL("e1", ack.journal_epoch().c_str());
    for (const v1::EventOutcome& o : ack.outcomes()) {
      CHECK(o.kind() == v1::EventOutcome::POSTED);
      CHECK_FALSE(o.erp_id().empty());
      if (site == "site-a") ++told[o.event_id()];
    }
    return ack;
  };

  UNSIGNED_LONGS_EQUAL(2, send("site-a", batch("site-a", "e1", run_of("site-a", 1, 2))).acked_through_seq());
  // Another stream's outcome must not leak into site-a's answers.
  send("site-b", batch("site-b", "e1", run_of("site-b", 1, 1)));
  CHECK(eventually([&] { return outcomes_handed.load() == 3; }));

  // The next batch's answer carries what was posted meanwhile. (An outcome can
  // also ride on the first answer when the ERP was quick, or on a later one.)
  UNSIGNED_LONGS_EQUAL(3, send("site-a", batch("site-a", "e1", run_of("site-a", 3, 3))).acked_through_seq());
  CHECK(eventually([&] {
    const bool both = told.count("site-a-ev-1") && told.count("site-a-ev-2");
    if (!both) send("site-a", batch("site-a", "e1", run_of("site-a", 3, 3)));  // a resend, as the agent would
    return both;
  }));
  for (const auto& [event_id, times] : told) CHECK_TEXT(event_id.rfind("site-a-", 0) == 0, event_id.c_str());
  LONGS_EQUAL(1, told["site-a-ev-1"]);
  LONGS_EQUAL(1, told["site-a-ev-2"]);

  Result<std::string> wrong = uplink->accept_http("site-a", batch("site-b", "e1", run_of("site-b", 2, 2)).SerializeAsString());
  CHECK(wrong.status().code() == Code::kInvalidArgument);
  Result<std::string> garbage = uplink->accept_http("site-a", "\xff\xff not protobuf");
  CHECK(garbage.status().code() == Code::kInvalidArgument);
}

TEST(Uplink, ARetainedAgentStateShowsInSites) {
  {
    // The site announced itself before this relay started.
    SiteClient site(broker, "site-a");
    v1::AgentState st;
    st.set_site_id("site-a");
    st.set_online(true);
    st.set_version("1.4.2");
    st.set_backlog_events(17);
    site.publish(v1::state_topic("site-a"), st.SerializeAsString(), /*retained=*/true);
  }
  start();
  CHECK(eventually([&] { return uplink->sites().count("site-a") == 1; }));
  SiteState s = uplink->sites().at("site-a");
  CHECK(s.state.online());
  STRCMP_EQUAL("1.4.2", s.state.version().c_str());
  UNSIGNED_LONGS_EQUAL(17, s.state.backlog_events());
  CHECK(s.received_at_ms > 0);
}

TEST(Uplink, ASiteThatFellSilentCountsAsOffline) {
  // The broker went away with the site's connection (no last will): its last
  // state still says online, and only silence tells.
  uplink->set_silent_after(Millis(1000));
  {
    SiteClient site(broker, "site-a");
    v1::AgentState st;
    st.set_site_id("site-a");
    st.set_online(true);
    site.publish(v1::state_topic("site-a"), st.SerializeAsString(), /*retained=*/true);
  }
  start();
  CHECK(eventually([&] { return uplink->sites().count("site-a") == 1; }));
  CHECK(eventually([&] { return !uplink->sites().at("site-a").state.online(); }, Millis(15000)));
}

TEST(Uplink, RelayStatusShowsLedgerAndPostingCounts) {
  erp.script_post("site-a-ev-2", ErpOutcome::rejected("SKU-1 is inactive (INACTIVE_SKU)"));
  start();
  SiteClient site(broker, "site-a");
  std::vector<v1::Event> events = run_of("site-a", 1, 1, "K1");
  std::vector<v1::Event> held_key = run_of("site-a", 2, 3, "K2");
  events.insert(events.end(), held_key.begin(), held_key.end());
  site.send(batch("site-a", "e1", events));
  CHECK(eventually([&] {
    PosterStats ps = poster->stats();  // counted after the ledger's own counters
    return ledger->stats().posted == 1 && ledger->stats().held == 1 && ps.posted == 1 && ps.held == 1;
  }));

  RelayContext ctx;
  ctx.relay_id = "relay-1";
  ctx.erp_name = erp.name();
  ctx.ledger = ledger.get();
  ctx.poster = poster.get();
  ctx.uplink = uplink.get();
  ctx.clock = &SystemClock::instance();
  ctx.started_at_ms = SystemClock::instance().wall_ms();
  Result<Json> status = Json::parse(relay_status(ctx).dump());
  CHECK(status.ok());
  LONGS_EQUAL(3, int_at(*status, {"ledger", "taken"}));
  LONGS_EQUAL(2, int_at(*status, {"ledger", "pending"}));  // the held one and the one behind it
  LONGS_EQUAL(1, int_at(*status, {"ledger", "held"}));
  LONGS_EQUAL(1, int_at(*status, {"ledger", "posted"}));
  LONGS_EQUAL(1, int_at(*status, {"erp", "posted"}));
  LONGS_EQUAL(1, int_at(*status, {"erp", "held"}));
  LONGS_EQUAL(1, int_at(*status, {"erp", "blocked_keys"}));
  LONGS_EQUAL(1, int_at(*status, {"uplink", "batches"}));
  LONGS_EQUAL(3, int_at(*status, {"uplink", "events_taken"}));
  CHECK(status->find("uplink")->find("broker_connected")->as_bool());

  const Json* sites = status->find("sites");
  CHECK(sites && sites->is_array());
  LONGS_EQUAL(1, sites->items().size());
  STRCMP_EQUAL("site-a", sites->items()[0].get_string("site_id").c_str());
  STRCMP_EQUAL("e1", sites->items()[0].get_string("journal_epoch").c_str());
  LONGS_EQUAL(3, int_at(sites->items()[0], {"acked_through"}));
}

TEST(Uplink, TheHttpsUplinkRouteWantsTheBearerTokenAndAnswersWithTheAck) {
  start(/*connect=*/false);
  RelayContext ctx;
  ctx.uplink_token = "s3cret";
  ctx.ledger = ledger.get();
  ctx.poster = poster.get();
  ctx.uplink = uplink.get();
  ctx.clock = &SystemClock::instance();
  std::shared_ptr<Router> router = make_relay_router(ctx);
  auto uplink_request = [](const std::string& token, const v1::UplinkBatch& b) {
    HttpRequest r;
    r.method = "POST";
    r.path = "/v1/sites/site-a/uplink";
    if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
    r.body = b.SerializeAsString();
    return r;
  };
  v1::UplinkBatch good = batch("site-a", "e1", run_of("site-a", 1, 2));

  LONGS_EQUAL(401, router->handle(uplink_request("", good)).status);
  LONGS_EQUAL(401, router->handle(uplink_request("s3creT", good)).status);
  UNSIGNED_LONGS_EQUAL(0, ledger->stats().taken);  // refused before anything was taken

  HttpResponse ok = router->handle(uplink_request("s3cret", good));
  LONGS_EQUAL(200, ok.status);
  v1::UplinkAck ack;
  CHECK(ack.ParseFromString(ok.body));
  UNSIGNED_LONGS_EQUAL(2, ack.acked_through_seq());

  LONGS_EQUAL(400, router->handle(uplink_request("s3cret", batch("site-b", "e1", run_of("site-b", 1, 1)))).status);
}

TEST(Uplink, OneEventsStandingIsAnsweredByItsId) {
  start(/*connect=*/false);
  RelayContext ctx;
  ctx.ledger = ledger.get();
  ctx.poster = poster.get();
  ctx.uplink = uplink.get();
  ctx.clock = &SystemClock::instance();
  std::shared_ptr<Router> router = make_relay_router(ctx);
  auto get = [&](const std::string& id) {
    HttpRequest r;
    r.method = "GET";
    r.path = "/api/events/" + id;
    return router->handle(r);
  };
  HttpResponse unknown = get("site-a-ev-1");
  LONGS_EQUAL(404, unknown.status);
  CHECK(unknown.body.find("has not received event site-a-ev-1") != std::string::npos);
  v1::UplinkBatch b = batch("site-a", "e1", run_of("site-a", 1, 1));
  HttpRequest up;
  up.method = "POST";
  up.path = "/v1/sites/site-a/uplink";
  up.body = b.SerializeAsString();
  LONGS_EQUAL(200, router->handle(up).status);
  HttpResponse known = get("site-a-ev-1");
  LONGS_EQUAL(200, known.status);
  Result<Json> j = Json::parse(known.body);
  CHECK(j.ok());
  std::string state = j->get_string("state");
  CHECK_TEXT(state == "pending" || state == "posted" || state == "held", state.c_str());
}
