// Clarus webhooks through the Router (the server's twin): who is believed,
// what is journaled (once), and that a refused webhook journals nothing.
#include <memory>
#include <string>
#include <vector>

#include "agent/clarus/webhook_api.h"
#include "platform/core/log.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;

namespace {

const char kSecret[] = "s3cret-0123456789abcdef";

std::string receipt_body(const std::string& status = "completed", const std::string& disposition = "restock") {
  return R"({"data":{"id":77,"type":"goods_in_receipts","attributes":{"reference":"RMA-1","status":")" + status +
         R"(","receipt_type":"return","actual_date_of_receipt":"2026-11-26T08:00:00Z","warehouse":{"id":1,"code":"WH1"},
         "lines":[{"id":1,"product":{"code":"SKU-1"},"received_quantity":2,"string1":")" + disposition + R"("}]}}})";
}

std::string adjustment_body(int id) {
  return R"({"data":{"id":)" + std::to_string(id) + R"(,"type":"stock_adjustments","attributes":{"quantity":3,
         "adjustment_type":"positive","product":{"code":"SKU-1"},"location":{"code":"A-01"},"created_at":"2026-11-26T11:00:00Z"}}})";
}

}  // namespace

TEST_GROUP(ClarusWebhook) {
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  ManualClock clock;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<ClarusWebhookIntake> intake;
  Router router;
  std::vector<int64_t> goods_outs;
  std::vector<std::string> log_lines;

  void setup() override { build(JournalOptions{}); }
  void teardown() override {
    log::set_sink(nullptr);
    intake.reset();
    journal.reset();
    committer.reset();
  }
  void build(JournalOptions o) {
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    journal = std::move(Journal::open(*store, *committer, clock, o).value());
    intake = std::make_unique<ClarusWebhookIntake>(
        *journal, "site-1", "WH1", kSecret, "acme", std::vector<std::string>{"11", "12"}, 4096,
        [this](int64_t id) { goods_outs.push_back(id); }, clock);
    router = Router{};
    add_clarus_webhook_routes(router, *intake);
    log::set_sink([this](std::string_view line) { log_lines.emplace_back(line); });
  }
  HttpResponse post(const std::string& body, const std::string& secret = kSecret, const std::string& subdomain = "acme",
                    const std::string& automation = "11") {
    HttpRequest r;
    r.method = "POST";
    r.path = "/clarus/webhooks/" + secret;
    r.headers = {{"Content-Type", "application/json"}, {"X-ClarusWMS-Subdomain", subdomain}};
    if (!automation.empty()) r.headers.emplace_back("X-ClarusWMS-Automation-ID", automation);
    r.body = body;
    return router.handle(r);
  }
  uint64_t journaled() { return journal->stats().last_seq; }
};

TEST(ClarusWebhook, CompletedReceiptIsJournaledOnceWhenDeliveredTwice) {
  HttpResponse first = post(receipt_body());
  LONGS_EQUAL(201, first.status);
  CHECK(first.body.find("clarus:site-1:return:77") != std::string::npos);
  HttpResponse again = post(receipt_body());
  LONGS_EQUAL(200, again.status);
  CHECK(again.body.find("duplicate") != std::string::npos);
  LONGS_EQUAL(1, journaled());
  WebhookCounters c = intake->counters();
  LONGS_EQUAL(1, c.accepted);
  LONGS_EQUAL(1, c.duplicates);
}

TEST(ClarusWebhook, SecretMayComeInAHeader) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/clarus/webhooks";
  r.headers = {{"X-Stockbridge-Webhook-Secret", kSecret}, {"X-ClarusWMS-Subdomain", "acme"}, {"X-ClarusWMS-Automation-ID", "12"}};
  r.body = adjustment_body(900);
  LONGS_EQUAL(201, router.handle(r).status);
  r.headers[0].second = "wrong";
  LONGS_EQUAL(401, router.handle(r).status);
  LONGS_EQUAL(1, journaled());
}

TEST(ClarusWebhook, UnauthenticatedWebhooksAreRefusedCountedAndJournalNothing) {
  LONGS_EQUAL(401, post(receipt_body(), "s3cret-0123456789abcdeX").status);
  LONGS_EQUAL(401, post(receipt_body(), "short").status);
  LONGS_EQUAL(403, post(receipt_body(), kSecret, "other-tenant").status);
  LONGS_EQUAL(403, post(receipt_body(), kSecret, "acme", "99").status);
  LONGS_EQUAL(403, post(receipt_body(), kSecret, "acme", "").status);
  LONGS_EQUAL(0, journaled());
  WebhookCounters c = intake->counters();
  LONGS_EQUAL(5, c.unauthenticated);
  LONGS_EQUAL(2, c.rejected["bad_secret"]);
  LONGS_EQUAL(1, c.rejected["wrong_subdomain"]);
  LONGS_EQUAL(2, c.rejected["unknown_automation"]);
  LONGS_EQUAL(0, c.accepted);
  // Logged, but never with the secret (right or wrong).
  CHECK(log_lines.size() >= 5);
  for (const std::string& line : log_lines) {
    CHECK(line.find("s3cret") == std::string::npos);
    CHECK(line.find("short") == std::string::npos);
  }
}

TEST(ClarusWebhook, TooLargeMalformedAndUnmappedAreRefusedWithTheReason) {
  LONGS_EQUAL(413, post(std::string(5000, ' ') + receipt_body()).status);
  LONGS_EQUAL(400, post("{\"data\":{").status);
  LONGS_EQUAL(400, post(R"({"data":{"type":"goods_in_receipts"}})").status);
  HttpResponse not_inspected = post(receipt_body("completed", ""));
  LONGS_EQUAL(422, not_inspected.status);
  CHECK(not_inspected.body.find("not yet inspected") != std::string::npos);
  LONGS_EQUAL(422, post(receipt_body("receiving")).status);
  LONGS_EQUAL(422, post(R"({"data":{"id":1,"type":"invoices","attributes":{}}})").status);
  LONGS_EQUAL(0, journaled());
  WebhookCounters c = intake->counters();
  LONGS_EQUAL(1, c.rejected["too_large"]);
  LONGS_EQUAL(2, c.rejected["malformed"]);
  LONGS_EQUAL(2, c.rejected["unmapped"]);
  LONGS_EQUAL(1, c.rejected["unknown_type"]);
  LONGS_EQUAL(0, c.unauthenticated);
}

TEST(ClarusWebhook, GoodsOutCompletedAsksForItsShipmentsAndJournalsNothing) {
  HttpResponse r = post(R"({"data":{"id":42,"type":"goods_outs","attributes":{"reference":"SO-1","goods_out_status":{"code":"COMPLETED"}}}})");
  LONGS_EQUAL(202, r.status);
  LONGS_EQUAL(1, goods_outs.size());
  LONGS_EQUAL(42, goods_outs[0]);
  LONGS_EQUAL(0, journaled());
  LONGS_EQUAL(1, intake->counters().goods_out_hints);
}

TEST(ClarusWebhook, HeldAndReleasedAreCountedWithoutAnEvent) {
  LONGS_EQUAL(200, post(R"({"data":{"id":5,"type":"stocks","attributes":{"status":"held","quantity":2}}})").status);
  LONGS_EQUAL(200, post(R"({"data":{"id":5,"type":"stocks","attributes":{"status":"available","quantity":2}}})").status);
  LONGS_EQUAL(0, journaled());
  LONGS_EQUAL(2, intake->counters().stock_holds);
}

TEST(ClarusWebhook, FullJournalAnswers503WithRetryAfter) {
  JournalOptions o;
  o.max_events = 1;
  build(o);
  LONGS_EQUAL(201, post(adjustment_body(1)).status);
  HttpResponse full = post(adjustment_body(2));
  LONGS_EQUAL(503, full.status);
  CHECK(!full.header("Retry-After").empty());
  LONGS_EQUAL(1, journaled());
  LONGS_EQUAL(1, intake->counters().rejected["journal_full"]);
  Json j = webhook_counters_json(intake->counters());
  CHECK(j.find("rejected")->find("journal_full") != nullptr);
}
