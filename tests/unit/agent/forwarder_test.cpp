// The forwarder against the in-memory broker and a scripted relay: batching,
// the in-flight window, acknowledgement, resends, pacing and the HTTPS fallback.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/forwarder.h"
#include "agent/journal.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

// Stands in for the relay: records the batches published on the site's up topic.
struct RelayStandIn {
  std::unique_ptr<MessageTransport> link;
  std::mutex mu;
  std::vector<v1::UplinkBatch> batches;

  explicit RelayStandIn(MemoryBroker& broker) {
    MqttOptions o;
    o.client_id = "relay";
    link = broker.client(o);
    link->on_message([this](MqttMessage m) {
      v1::UplinkBatch b;
      CHECK(b.ParseFromString(m.payload));
      std::lock_guard lock(mu);
      batches.push_back(b);
    });
    (void)link->subscribe(v1::up_topic("site-1"), 1);
    CHECK(link->start().ok());
  }
  void ack(const std::string& epoch, uint64_t through, std::vector<v1::EventOutcome> outcomes = {}) {
    v1::UplinkAck a;
    a.set_site_id("site-1");
    a.set_journal_epoch(epoch);
    a.set_acked_through_seq(through);
    for (auto& o : outcomes) *a.add_outcomes() = o;
    CHECK(link->publish(v1::ack_topic("site-1"), a.SerializeAsString(), 1, false).ok());
  }
  size_t count() {
    std::lock_guard lock(mu);
    return batches.size();
  }
  v1::UplinkBatch batch(size_t i) {
    std::lock_guard lock(mu);
    return batches.at(i);
  }
};

}  // namespace

TEST_GROUP(Forwarder) {
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  ManualClock clock;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<MemoryBroker> broker;
  std::unique_ptr<MessageTransport> agent_link;
  std::unique_ptr<RelayStandIn> relay;
  OutcomeLog outcomes;
  std::unique_ptr<FakeHttpClient> http;
  std::unique_ptr<Forwarder> forwarder;
  std::vector<ClientRequest> https_requests;

  void setup() override {
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    journal = std::move(Journal::open(*store, *committer, clock, JournalOptions{}).value());
    broker = std::make_unique<MemoryBroker>();
    relay = std::make_unique<RelayStandIn>(*broker);
  }
  void teardown() override {
    forwarder.reset();
    agent_link.reset();
    relay.reset();
    broker.reset();
    journal.reset();
    committer.reset();
  }
  ForwarderOptions options() {
    ForwarderOptions o;
    o.site_id = "site-1";
    o.version = "test";
    o.batch_events = 1000;
    o.window = 2;
    o.ack_timeout = Millis(5000);
    o.drain_rate = 0;
    return o;
  }
  void make(ForwarderOptions o, HttpClient* h = nullptr) {
    MqttOptions mo;
    mo.client_id = "agent-site-1";
    agent_link = broker->client(mo);
    forwarder = std::make_unique<Forwarder>(*journal, *agent_link, h, outcomes, clock, o);
    forwarder->attach();
    CHECK(agent_link->start().ok());
  }
  void journal_events(int n, int start = 0) {
    std::vector<v1::Event> batch;
    for (int i = start; i < start + n; ++i) {
      v1::Event e;
      e.set_event_id("e" + std::to_string(i));
      e.set_site_id("site-1");
      e.set_business_key("k");
      e.mutable_stock_adjustment()->set_sku("S");
      e.mutable_stock_adjustment()->set_quantity_delta(1);
      batch.push_back(e);
    }
    CHECK(journal->append(batch).ok());
  }
};

TEST(Forwarder, SendsUpToTheWindowAndFreesOnlyWhatTheRelayAcknowledged) {
  journal_events(2500);
  make(options());
  forwarder->step();
  LONGS_EQUAL(2, relay->count());  // window of two batches
  v1::UplinkBatch first = relay->batch(0);
  LONGS_EQUAL(1000, first.events_size());
  LONGS_EQUAL(1, first.events(0).seq());
  STRCMP_EQUAL(journal->epoch().c_str(), first.journal_epoch().c_str());
  STRCMP_EQUAL("e0", first.events(0).event_id().c_str());
  LONGS_EQUAL(2500, journal->stats().backlog);

  relay->ack(journal->epoch(), 1000);
  forwarder->step();
  LONGS_EQUAL(1000, journal->stats().acked_through);
  LONGS_EQUAL(3, relay->count());
  LONGS_EQUAL(2001, relay->batch(2).events(0).seq());
  LONGS_EQUAL(500, relay->batch(2).events_size());

  relay->ack(journal->epoch(), 2500);
  forwarder->step();
  LONGS_EQUAL(0, journal->stats().backlog);
  LONGS_EQUAL(2500, forwarder->stats().relay_acked);
  LONGS_EQUAL(0, forwarder->stats().resends);
}

TEST(Forwarder, ResendsFromTheLastAcknowledgedSeqAfterTheAckTimeout) {
  journal_events(1500);
  make(options());
  forwarder->step();
  LONGS_EQUAL(2, relay->count());
  relay->ack(journal->epoch(), 1000);
  forwarder->step();
  clock.advance(Millis(4000));
  forwarder->step();
  LONGS_EQUAL(2, relay->count());  // not yet
  clock.advance(Millis(1500));
  forwarder->step();
  LONGS_EQUAL(3, relay->count());
  LONGS_EQUAL(1001, relay->batch(2).events(0).seq());  // the unacknowledged batch again
  LONGS_EQUAL(1, forwarder->stats().resends);
  LONGS_EQUAL(500, journal->stats().backlog);  // nothing freed without an ack
}

TEST(Forwarder, ResendsEverythingUnacknowledgedAfterAReconnect) {
  journal_events(800);
  make(options());
  forwarder->step();
  LONGS_EQUAL(1, relay->count());
  broker->set_online(false);  // the batch may be lost with the broker
  forwarder->step();
  journal_events(100, 800);
  forwarder->step();
  LONGS_EQUAL(1, relay->count());  // offline: nothing goes out
  broker->set_online(true);
  forwarder->step();
  CHECK(relay->count() >= 2);
  v1::UplinkBatch again = relay->batch(1);
  LONGS_EQUAL(1, again.events(0).seq());
  LONGS_EQUAL(900, again.events_size());
  LONGS_EQUAL(900, journal->stats().backlog);
}

TEST(Forwarder, PacesTheDrainOfABacklog) {
  journal_events(3000);
  ForwarderOptions o = options();
  o.drain_rate = 1000;
  o.window = 10;
  make(o);
  forwarder->step();
  LONGS_EQUAL(0, relay->count());  // no tokens yet
  clock.advance(Millis(500));
  forwarder->step();
  LONGS_EQUAL(1, relay->count());
  LONGS_EQUAL(500, relay->batch(0).events_size());
  clock.advance(Millis(5000));  // the bucket holds at most one second's worth
  forwarder->step();
  LONGS_EQUAL(2, relay->count());
  LONGS_EQUAL(1000, relay->batch(1).events_size());
}

TEST(Forwarder, FallsBackToHttpsWhenTheBrokerStaysUnreachable) {
  journal_events(10);
  broker->set_online(false);
  FakeHttpClient fake([&](const ClientRequest& req) -> Result<HttpResponse> {
    v1::UplinkBatch b;
    CHECK(b.ParseFromString(req.body));
    v1::UplinkAck a;
    a.set_site_id(b.site_id());
    a.set_journal_epoch(b.journal_epoch());
    a.set_acked_through_seq(b.events(b.events_size() - 1).seq());
    v1::EventOutcome* o = a.add_outcomes();
    o->set_event_id("e0");
    o->set_kind(v1::EventOutcome::POSTED);
    o->set_erp_id("701");
    HttpResponse r;
    r.content_type = "application/x-protobuf";
    r.body = a.SerializeAsString();
    return r;
  });
  ForwarderOptions o = options();
  o.uplink_url = "https://relay.example.com:8490";
  o.uplink_token = "s3cret";
  o.https_fallback_after = Millis(60'000);
  make(o, &fake);
  forwarder->step();
  LONGS_EQUAL(0, fake.requests().size());
  clock.advance(Millis(61'000));
  forwarder->step();
  LONGS_EQUAL(1, fake.requests().size());
  ClientRequest req = fake.requests()[0];
  STRCMP_EQUAL("POST", req.method.c_str());
  STRCMP_EQUAL("https://relay.example.com:8490/v1/sites/site-1/uplink", req.url.c_str());
  STRCMP_EQUAL("Bearer s3cret", header_value(req.headers, "Authorization").c_str());
  LONGS_EQUAL(0, journal->stats().backlog);
  LONGS_EQUAL(1, outcomes.posted());
  CHECK(forwarder->stats().https_active);
}

TEST(Forwarder, IgnoresAcknowledgementsForAnotherJournal) {
  journal_events(10);
  make(options());
  forwarder->step();
  relay->ack("some-other-epoch", 10);
  forwarder->step();
  LONGS_EQUAL(10, journal->stats().backlog);
}

TEST(Forwarder, RecordsOutcomesAndPublishesRetainedState) {
  journal_events(3);
  make(options());
  forwarder->step();
  v1::EventOutcome held;
  held.set_event_id("e1");
  held.set_kind(v1::EventOutcome::HELD);
  held.set_reason("SKU S is not an item in the ERP");
  relay->ack(journal->epoch(), 3, {held});
  forwarder->step();
  LONGS_EQUAL(1, outcomes.held());
  STRCMP_EQUAL("SKU S is not an item in the ERP", outcomes.recent().front().reason().c_str());
  v1::AgentState st;
  CHECK(st.ParseFromString(broker->retained(v1::state_topic("site-1"))));
  CHECK(st.online());
  STRCMP_EQUAL("site-1", st.site_id().c_str());
}

TEST(Forwarder, RewindsBackOffWhileTheRelayStaysSilent) {
  journal_events(10);
  make(options());  // ack_timeout 5 s
  forwarder->step();
  LONGS_EQUAL(1, relay->count());
  clock.advance(Millis(5100));
  forwarder->step();
  LONGS_EQUAL(2, relay->count());  // first resend after 5 s
  clock.advance(Millis(5100));
  forwarder->step();
  LONGS_EQUAL(2, relay->count());  // the next waits 10 s
  clock.advance(Millis(5100));
  forwarder->step();
  LONGS_EQUAL(3, relay->count());
  relay->ack(journal->epoch(), 10);
  forwarder->step();
  LONGS_EQUAL(0, journal->stats().backlog);
}

TEST(Forwarder, UsesHttpsWhenConnectedButNothingIsAcknowledged) {
  // The broker is up, but the relay's own link to it is broken: only HTTPS works.
  journal_events(5);
  int calls = 0;
  FakeHttpClient fake([&](const ClientRequest& req) -> Result<HttpResponse> {
    ++calls;
    v1::UplinkBatch b;
    CHECK(b.ParseFromString(req.body));
    v1::UplinkAck a;
    a.set_site_id(b.site_id());
    a.set_journal_epoch(b.journal_epoch());
    a.set_acked_through_seq(b.events(b.events_size() - 1).seq());
    HttpResponse r;
    r.body = a.SerializeAsString();
    return r;
  });
  ForwarderOptions o = options();
  o.uplink_url = "https://relay.example.com";
  o.https_fallback_after = Millis(30'000);
  make(o, &fake);
  forwarder->step();
  LONGS_EQUAL(1, relay->count());  // MQTT first
  clock.advance(Millis(31'000));
  forwarder->step();
  LONGS_EQUAL(1, calls);
  LONGS_EQUAL(0, journal->stats().backlog);
  CHECK(forwarder->stats().https_active);
  journal_events(3, 5);
  forwarder->step();  // acknowledged a moment ago: back to MQTT
  CHECK_FALSE(forwarder->stats().https_active);
  LONGS_EQUAL(1, calls);
}

TEST(Forwarder, BacksOffWhenTheRelayTakesNothingFromAnHttpsBatch) {
  journal_events(5);
  broker->set_online(false);
  int calls = 0;
  FakeHttpClient fake([&](const ClientRequest& req) -> Result<HttpResponse> {
    ++calls;
    v1::UplinkBatch b;
    CHECK(b.ParseFromString(req.body));
    v1::UplinkAck a;  // the relay's record of this journal is behind: it takes nothing
    a.set_site_id(b.site_id());
    a.set_journal_epoch(b.journal_epoch());
    a.set_acked_through_seq(0);
    HttpResponse r;
    r.body = a.SerializeAsString();
    return r;
  });
  ForwarderOptions o = options();
  o.uplink_url = "https://relay.example.com";
  o.https_fallback_after = Millis(1000);
  make(o, &fake);
  clock.advance(Millis(1500));
  forwarder->step();
  LONGS_EQUAL(1, calls);
  for (int i = 0; i < 5; ++i) forwarder->step();
  LONGS_EQUAL(1, calls);  // not again at once
  CHECK(forwarder->stats().last_error.find("took nothing") != std::string::npos);
  clock.advance(Millis(60'000));
  forwarder->step();
  LONGS_EQUAL(2, calls);
  LONGS_EQUAL(5, journal->stats().backlog);
}
