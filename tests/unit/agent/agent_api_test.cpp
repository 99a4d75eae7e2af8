// The agent's HTTP API through its Router (the server's in-memory twin):
// intake answers, nothing journaled on bad input, 503 when full, and the
// status document a person reads during an outage.
#include <memory>
#include <string>

#include "agent/agent_api.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

std::string event_body(const std::string& id, int qty = 2) {
  return R"({"event_id":")" + id + R"(","occurred_at":"2026-11-26T10:42:00Z","stock_adjustment":{"sku":"SKU-1","warehouse":"WH1","quantity_delta":)" +
         std::to_string(qty) + "}}";
}

}  // namespace

TEST_GROUP(AgentApi) {
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  ManualClock clock;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<MemoryBroker> broker;
  std::unique_ptr<MessageTransport> link;
  OutcomeLog outcomes;
  std::unique_ptr<Forwarder> forwarder;
  std::unique_ptr<AgentContext> ctx;
  std::shared_ptr<Router> router;

  void setup() override { build(JournalOptions{}); }
  void teardown() override {
    forwarder.reset();
    link.reset();
    broker.reset();
    journal.reset();
    committer.reset();
  }
  void build(JournalOptions jo) {
    forwarder.reset();
    journal.reset();
    committer.reset();
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    journal = std::move(Journal::open(*store, *committer, clock, jo).value());
    broker = std::make_unique<MemoryBroker>();
    link = broker->client(MqttOptions{});
    ForwarderOptions fo;
    fo.site_id = "site-1";
    forwarder = std::make_unique<Forwarder>(*journal, *link, nullptr, outcomes, clock, fo);
    ctx = std::make_unique<AgentContext>();
    ctx->site_id = "site-1";
    ctx->version = "test";
    ctx->broker_uri = "tcp://127.0.0.1:1883";
    ctx->started_at_ms = clock.wall_ms();
    ctx->journal = journal.get();
    ctx->forwarder = forwarder.get();
    ctx->outcomes = &outcomes;
    ctx->store = store.get();
    ctx->clock = &clock;
    router = make_agent_router(*ctx);
  }
  HttpResponse post(const std::string& body, const std::string& type = "application/json") {
    HttpRequest r;
    r.method = "POST";
    r.path = "/v1/events";
    r.headers = {{"Content-Type", type}};
    r.body = body;
    return router->handle(r);
  }
  Json status() {
    HttpRequest r;
    r.method = "GET";
    r.path = "/api/status";
    HttpResponse resp = router->handle(r);
    LONGS_EQUAL(200, resp.status);
    return Json::parse(resp.body).value();
  }
};

TEST(AgentApi, NewEventIs201DuplicateIs200AndJournaledOnce) {
  HttpResponse first = post(event_body("e1"));
  LONGS_EQUAL(201, first.status);
  Json j = Json::parse(first.body).value();
  STRCMP_EQUAL("accepted", j.get_string("status").c_str());
  HttpResponse again = post(event_body("e1"));
  LONGS_EQUAL(200, again.status);
  STRCMP_EQUAL("duplicate", Json::parse(again.body)->get_string("status").c_str());
  LONGS_EQUAL(1, journal->stats().backlog);
  LONGS_EQUAL(1, ctx->counters.accepted.load());
  LONGS_EQUAL(1, ctx->counters.duplicates.load());
}

TEST(AgentApi, BadInputIs400WithAReasonAndJournalsNothing) {
  std::string batch = R"({"events":[)" + event_body("ok-1") + "," + event_body("bad", 0) + "]}";
  HttpResponse r = post(batch);
  LONGS_EQUAL(400, r.status);
  std::string reason = Json::parse(r.body)->get_string("error");
  CHECK_TRUE_TEXT(reason.find("events[1].stock_adjustment.quantity_delta") != std::string::npos, reason.c_str());
  LONGS_EQUAL(0, journal->stats().last_seq);  // not even the valid first event
  LONGS_EQUAL(415, post(event_body("x"), "text/plain").status);
  LONGS_EQUAL(400, post("{").status);
  LONGS_EQUAL(0, journal->stats().last_seq);
  LONGS_EQUAL(3, ctx->counters.rejected.load());
}

TEST(AgentApi, TextThatIsNotUtf8Is400NotAStuckJournal) {
  // A Windows-1252 'É' would journal fine but could never be forwarded (the wire
  // carries UTF-8 strings), stalling every later event of the site.
  std::string body = event_body("e1");
  body.replace(body.find("SKU-1"), 5, "CAF\xC9");
  HttpResponse r = post(body);
  LONGS_EQUAL(400, r.status);
  CHECK(Json::parse(r.body)->get_string("error").find("UTF-8") != std::string::npos);
  LONGS_EQUAL(0, journal->stats().last_seq);
}

TEST(AgentApi, BatchReportsEachEvent) {
  post(event_body("b"));
  HttpResponse r = post(R"({"events":[)" + event_body("a") + "," + event_body("b") + "]}");
  LONGS_EQUAL(201, r.status);
  Json j = Json::parse(r.body).value();
  LONGS_EQUAL(1, j.find("accepted")->as_double());
  LONGS_EQUAL(1, j.find("duplicates")->as_double());
  const Json& results = *j.find("results");
  STRCMP_EQUAL("accepted", results.items()[0].get_string("status").c_str());
  STRCMP_EQUAL("duplicate", results.items()[1].get_string("status").c_str());
}

TEST(AgentApi, FullJournalAnswers503WithRetryAfterAndKeepsWhatItHas) {
  build(JournalOptions{2, Millis(1000)});
  LONGS_EQUAL(201, post(event_body("a")).status);
  LONGS_EQUAL(201, post(event_body("b")).status);
  HttpResponse r = post(event_body("c"));
  LONGS_EQUAL(503, r.status);
  CHECK(!r.header("Retry-After").empty());
  CHECK(Json::parse(r.body)->get_string("error").find("journal is full") != std::string::npos);
  LONGS_EQUAL(2, journal->stats().backlog);
  HttpRequest ready;
  ready.method = "GET";
  ready.path = "/readyz";
  LONGS_EQUAL(503, router->handle(ready).status);
}

TEST(AgentApi, StoreFailureAnswers503AndNothingIsHalfJournaled) {
  store->fail_commits(1, Status::IoError("injected fsync failure"));
  HttpResponse r = post(event_body("a"));
  LONGS_EQUAL(503, r.status);
  LONGS_EQUAL(0, journal->stats().last_seq);
  LONGS_EQUAL(201, post(event_body("a")).status);  // the producer's retry succeeds
}

TEST(AgentApi, StatusShowsBacklogOldestAgeAndOfflineState) {
  post(event_body("a"));
  post(event_body("b"));
  clock.advance(Millis(42'000));
  Json s = status();
  STRCMP_EQUAL("offline", s.get_string("state").c_str());
  const Json& j = *s.find("journal");
  LONGS_EQUAL(2, j.find("backlog")->as_double());
  DOUBLES_EQUAL(42.0, j.find("oldest_unacked_age_s")->as_double(), 0.01);
  CHECK_FALSE(s.find("links")->find("broker")->find("connected")->as_bool());
  LONGS_EQUAL(2, s.find("intake")->find("accepted")->as_double());
}

TEST(AgentApi, MetricsAndHealth) {
  post(event_body("a"));
  HttpRequest m;
  m.method = "GET";
  m.path = "/metrics";
  HttpResponse r = router->handle(m);
  LONGS_EQUAL(200, r.status);
  CHECK(r.body.find("stockbridge_agent_journal_backlog_events 1\n") != std::string::npos);
  CHECK(r.body.find("stockbridge_agent_intake_accepted_total 1\n") != std::string::npos);
  HttpRequest h;
  h.method = "GET";
  h.path = "/healthz";
  LONGS_EQUAL(200, router->handle(h).status);
}
