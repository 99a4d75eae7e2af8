// The intake's JSON contract: what is accepted, and errors that name the field.
#include <string>
#include <vector>

#include "agent/event_json.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

const char* kGood = R"({"event_id":"clarus:WH1:adj:1","occurred_at":"2026-11-26T10:42:00Z",
  "stock_adjustment":{"sku":"SKU-0001","warehouse":"WH1","location":"A-01","quantity_delta":-3,"unit":"EA","reason_code":"DAMAGED"}})";

std::string parse_error(const std::string& body) {
  std::vector<v1::Event> out;
  bool batch = false;
  Status s = parse_events(body, "site-1", IntakeLimits{3}, &out, &batch);
  return s.ok() ? "OK" : s.message();
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_GROUP(EventJson) {};

TEST(EventJson, ParsesAStockAdjustment) {
  std::vector<v1::Event> out;
  bool batch = true;
  CHECK(parse_events(kGood, "site-1", IntakeLimits{}, &out, &batch).ok());
  CHECK_FALSE(batch);
  LONGS_EQUAL(1, out.size());
  const v1::Event& e = out[0];
  STRCMP_EQUAL("clarus:WH1:adj:1", e.event_id().c_str());
  STRCMP_EQUAL("site-1", e.site_id().c_str());
  LONGS_EQUAL(1'795'689'720'000LL, e.occurred_at_ms());
  STRCMP_EQUAL("stock:WH1:SKU-0001", e.business_key().c_str());
  LONGS_EQUAL(-3, e.stock_adjustment().quantity_delta());
  STRCMP_EQUAL("DAMAGED", e.stock_adjustment().reason_code().c_str());
}

TEST(EventJson, ParsesABatchAndKeepsOrder) {
  std::string body = std::string(R"({"events":[)") + kGood + "," +
                     R"({"event_id":"e2","occurred_at":"2026-11-26T10:43:00.250+01:00","business_key":"k",
                        "stock_adjustment":{"sku":"S","warehouse":"W","quantity_delta":5}}]})";
  std::vector<v1::Event> out;
  bool batch = false;
  Status s = parse_events(body, "site-1", IntakeLimits{}, &out, &batch);
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  CHECK(batch);
  LONGS_EQUAL(2, out.size());
  STRCMP_EQUAL("e2", out[1].event_id().c_str());
  STRCMP_EQUAL("k", out[1].business_key().c_str());
  STRCMP_EQUAL("EA", out[1].stock_adjustment().unit().c_str());  // default unit
  LONGS_EQUAL(1'795'686'180'250LL, out[1].occurred_at_ms());
}

TEST(EventJson, ErrorsNameTheFieldAndWhy) {
  CHECK(contains(parse_error("not json"), "malformed JSON at byte 0"));
  CHECK(contains(parse_error("[]"), "must be a JSON object"));
  CHECK(contains(parse_error(R"({"occurred_at":"2026-11-26T10:42:00Z","stock_adjustment":{}})"), "event_id: is required"));
  CHECK(contains(parse_error(R"({"event_id":"","occurred_at":"x"})"), "event_id: must not be empty"));
  CHECK(contains(parse_error(R"({"event_id":"a","occurred_at":"2026-11-26T10:42:00"})"), "occurred_at: expected an ISO-8601 time with a zone"));
  CHECK(contains(parse_error(R"({"event_id":"a","occurred_at":"2026-11-26T10:42:00Z"})"), "needs a body: stock_adjustment"));
  CHECK(contains(parse_error(R"({"event_id":"a","occurred_at":"2026-11-26T10:42:00Z","stock_adjustment":{"sku":"S","warehouse":"W","quantity_delta":0}})"),
                 "stock_adjustment.quantity_delta: must be a non-zero integer"));
  CHECK(contains(parse_error(R"({"event_id":"a","occurred_at":"2026-11-26T10:42:00Z","stock_adjustment":{"sku":"S","warehouse":"W","quantity_delta":1.5}})"),
                 "quantity_delta: must be a non-zero integer"));
  CHECK(contains(parse_error(R"({"event_id":"a","occurred_at":"2026-11-26T10:42:00Z","stock_adjustment":{"warehouse":"W","quantity_delta":1}})"),
                 "stock_adjustment.sku: is required"));
  CHECK(contains(parse_error(R"({"event_id":"a","colour":"red"})"), "colour: unknown field"));
  CHECK(contains(parse_error(R"({"event_id":"a","site_id":"site-2","occurred_at":"2026-11-26T10:42:00Z"})"),
                 "site_id: 'site-2' is not this agent's site 'site-1'"));
  CHECK(contains(parse_error(R"({"event_id":"a\u0001b","occurred_at":"x"})"), "event_id: contains control characters"));
  CHECK(contains(parse_error(R"({"event_id":")" + std::string(201, 'x') + R"(","occurred_at":"x"})"), "longer than 200"));
}

TEST(EventJson, BatchErrorsNameTheEventIndex) {
  std::string body = std::string(R"({"events":[)") + kGood + R"(,{"event_id":"b"}]})";
  CHECK(contains(parse_error(body), "events[1].occurred_at: is required"));
  CHECK(contains(parse_error(R"({"events":[]})"), "the batch is empty"));
  CHECK(contains(parse_error(R"({"events":{}})"), "events: must be an array"));
  CHECK(contains(parse_error(R"({"events":[1,2,3,4]})"), "4 events in one batch; at most 3"));
  CHECK(contains(parse_error(R"({"events":[1],"extra":1})"), "a batch has only the field"));
}

TEST(EventJson, RoundTripsToJsonForStatusPages) {
  std::vector<v1::Event> out;
  bool batch;
  CHECK(parse_events(kGood, "site-1", IntakeLimits{}, &out, &batch).ok());
  Json j = event_to_json(out[0]);
  STRCMP_EQUAL("2026-11-26T10:42:00.000Z", j.get_string("occurred_at").c_str());
  STRCMP_EQUAL("SKU-0001", j.find("stock_adjustment")->get_string("sku").c_str());
}
