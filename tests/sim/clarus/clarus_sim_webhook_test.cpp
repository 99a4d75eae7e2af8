// Webhooks as the agent's receiver sees them: the whole record, the five
// X-ClarusWMS-* headers, duplicates, drops and retries.
#include <mutex>

#include "clarus_test_client.h"
#include "tests/support/wait.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::clarus_sim;
using namespace sb::clarus_sim::test;

namespace {

// A local HTTP server standing in for the agent's webhook endpoint.
struct Receiver {
  std::mutex mutex;
  std::vector<HttpRequest> seen;
  int fail_first = 0;  // answer 500 to this many requests first
  std::unique_ptr<HttpServer> server;

  void start() {
    auto router = std::make_shared<Router>();
    router->add("POST", "/clarus/webhooks/{secret}", [this](const HttpRequest& r) {
      std::lock_guard lock(mutex);
      seen.push_back(r);
      if (fail_first > 0) {
        --fail_first;
        return HttpResponse::error(500, "receiver busy");
      }
      return HttpResponse::json(200, "{}");
    });
    auto started = start_http_server({}, router);
    if (!started.ok()) FAIL(started.status().to_string().c_str());
    server = std::move(started.value());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()) + "/clarus/webhooks/s3cret"; }
  size_t count() {
    std::lock_guard lock(mutex);
    return seen.size();
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard lock(mutex);
    return seen;
  }
};

}  // namespace

TEST_GROUP_BASE(ClarusSimWebhooks, SimTest) {
  Receiver receiver;
  void setup() override { receiver.start(); }
  void teardown() override {
    close();
    receiver.server->stop();
  }
  void start(double duplicate_rate, double drop_rate = 0) {
    SimOptions options;
    options.webhook_url = receiver.url();
    options.duplicate_webhooks_rate = duplicate_rate;
    options.drop_webhooks_rate = drop_rate;
    options.webhook_retry_ms = 20;
    options.automation_id_base = 500;
    open(options);
  }
  Json webhook_stats() { return *at(sim->stats(), "webhooks"); }
};

TEST(ClarusSimWebhooks, DispatchedGoodsOutIsPostedWholeWithTheFiveHeaders) {
  start(0);
  Answer g = client->api("POST", "/goods_outs", goods_out_body("SO-W1", {{1, 2}}, R"("external_system_reference1":"erp-w1")"));
  sim->step_warehouse(5, {"dispatch"});
  CHECK(testing::wait_until([&] { return receiver.count() >= 1; }, Millis(5000)));
  HttpRequest r = receiver.requests().front();
  STRCMP_EQUAL("stockbridge", r.header("X-ClarusWMS-Subdomain").c_str());
  STRCMP_EQUAL("stockbridge.claruswms.co.uk", r.header("X-ClarusWMS-Domain").c_str());
  STRCMP_EQUAL("clarus-api.com", r.header("X-ClarusWMS-API-Domain").c_str());
  STRCMP_EQUAL("501", r.header("X-ClarusWMS-Automation-ID").c_str());  // goods_out/completed is the first trigger
  CHECK(!r.header("X-ClarusWMS-Integration-ID").empty());
  auto body = Json::parse(r.body);
  CHECK(body.ok());
  STRCMP_EQUAL("goods_outs", str_at(body.value(), "data.type").c_str());
  LONGS_EQUAL(int_at(g.json, "data.id"), int_at(body.value(), "data.id"));
  STRCMP_EQUAL("COMPLETED", str_at(body.value(), "data.attributes.goods_out_status.code").c_str());
  STRCMP_EQUAL("erp-w1", str_at(body.value(), "data.attributes.external_system_reference1").c_str());
  LONGS_EQUAL(2, int_at(body.value(), "data.attributes.lines.0.dispatch_quantity"));
  CHECK(!str_at(body.value(), "data.attributes.dispatched_at").empty());
}

TEST(ClarusSimWebhooks, ReceiptAndAdjustmentWebhooksCarryTheirRecords) {
  start(0);
  client->api("POST", "/goods_in_receipts",
              R"({"data":{"attributes":{"account_id":1,"warehouse_id":1,"reference":"RMA-1","receipt_type":"return",)"
              R"("lines_changes":[{"type":"ADD","attributes":{"product_id":2,"expected_quantity":3,"alt_line_reference":"a"}}]}}})");
  sim->step_warehouse(1, {"return"});
  sim->step_warehouse(1, {"adjust"});
  CHECK(testing::wait_until([&] { return receiver.count() >= 2; }, Millis(5000)));
  bool saw_receipt = false, saw_adjustment = false;
  for (const auto& r : receiver.requests()) {
    auto body = Json::parse(r.body);
    std::string type = str_at(body.value(), "data.type");
    if (type == "goods_in_receipts") {
      saw_receipt = true;
      STRCMP_EQUAL("502", r.header("X-ClarusWMS-Automation-ID").c_str());
      STRCMP_EQUAL("return", str_at(body.value(), "data.attributes.receipt_type").c_str());
      STRCMP_EQUAL("completed", str_at(body.value(), "data.attributes.status").c_str());
      CHECK(!str_at(body.value(), "data.attributes.lines.0.string1").empty());
      CHECK(int_at(body.value(), "data.attributes.lines.0.received_quantity") >= 0);
    }
    if (type == "stock_adjustments") {
      saw_adjustment = true;
      std::string kind = str_at(body.value(), "data.attributes.adjustment_type");
      CHECK(kind == "positive" || kind == "negative");
      CHECK(!str_at(body.value(), "data.attributes.reason_code.code").empty());
    }
  }
  CHECK(saw_receipt);
  CHECK(saw_adjustment);
}

TEST(ClarusSimWebhooks, DuplicatesArriveTwiceAndAreCounted) {
  start(1.0);
  client->api("POST", "/goods_outs", goods_out_body("SO-D", {{1, 1}}));
  sim->step_warehouse(1, {"dispatch"});
  CHECK(testing::wait_until([&] { return receiver.count() >= 2; }, Millis(5000)));
  auto requests = receiver.requests();
  STRCMP_EQUAL(requests[0].body.c_str(), requests[1].body.c_str());
  Json stats = webhook_stats();
  LONGS_EQUAL(1, int_at(stats, "duplicated"));
  CHECK(testing::wait_until([&] { return int_at(webhook_stats(), "delivered") == 2; }, Millis(5000)));
}

TEST(ClarusSimWebhooks, DroppedWebhooksNeverArriveButAreCounted) {
  start(0, 1.0);
  client->api("POST", "/goods_outs", goods_out_body("SO-X", {{1, 1}}));
  sim->step_warehouse(1, {"dispatch"});
  LONGS_EQUAL(1, int_at(webhook_stats(), "dropped"));
  // Turned off at runtime, the next one arrives.
  LONGS_EQUAL(200, client->admin("POST", "/faults", R"({"drop_webhooks_rate":0})").status);
  client->api("POST", "/goods_outs", goods_out_body("SO-Y", {{1, 1}}));
  sim->step_warehouse(1, {"dispatch"});
  CHECK(testing::wait_until([&] { return receiver.count() >= 1; }, Millis(5000)));
  LONGS_EQUAL(1, static_cast<long>(receiver.count()));
  auto body = Json::parse(receiver.requests().front().body);
  STRCMP_EQUAL("SO-Y", str_at(body.value(), "data.attributes.reference").c_str());
}

TEST(ClarusSimWebhooks, Non2xxAnswersAreRetriedWithBackoff) {
  receiver.fail_first = 2;
  start(0);
  client->api("POST", "/goods_outs", goods_out_body("SO-R", {{1, 1}}));
  sim->step_warehouse(1, {"dispatch"});
  CHECK(testing::wait_until([&] { return int_at(webhook_stats(), "delivered") == 1; }, Millis(5000)));
  LONGS_EQUAL(3, static_cast<long>(receiver.count()));
  LONGS_EQUAL(2, int_at(webhook_stats(), "retried"));
  LONGS_EQUAL(0, int_at(webhook_stats(), "failed"));
}

TEST(ClarusSimWebhooks, HoldAndReleaseArePostedAsStocks) {
  start(0);
  std::string stock = str_at(sim->state(), "stocks.0.id");
  LONGS_EQUAL(200, client->api("POST", "/stocks/hold", R"({"ids":[)" + stock + "]}").status);
  LONGS_EQUAL(200, client->api("POST", "/stocks/release", R"({"ids":[)" + stock + "]}").status);
  CHECK(testing::wait_until([&] { return receiver.count() >= 2; }, Millis(5000)));
  auto requests = receiver.requests();
  STRCMP_EQUAL("505", requests[0].header("X-ClarusWMS-Automation-ID").c_str());
  STRCMP_EQUAL("506", requests[1].header("X-ClarusWMS-Automation-ID").c_str());
  STRCMP_EQUAL("stocks", str_at(Json::parse(requests[0].body).value(), "data.type").c_str());
  STRCMP_EQUAL("held", str_at(Json::parse(requests[0].body).value(), "data.attributes.status").c_str());
}
