// The exceptions API as a person (or a web page elsewhere) meets it: what the
// lists show, who may act, and what each action leaves in the book and its
// audit trail. Driven through the Router, no sockets.
#include <string>
#include <vector>

#include "platform/core/json.h"
#include "platform/core/log.h"
#include "tests/unit/platform/http/exception_desk.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::test;

namespace {

HttpRequest get(const std::string& path, const std::string& query = "") {
  HttpRequest r;
  r.method = "GET";
  r.path = path;
  r.query = query;
  r.headers.emplace_back("Host", "127.0.0.1:8490");
  return r;
}

HttpRequest post(const std::string& path, const std::string& body, const std::string& user = kAdmin,
                 const std::string& password = kAdminPassword) {
  HttpRequest r;
  r.method = "POST";
  r.path = path;
  r.body = body;
  r.headers.emplace_back("Host", "127.0.0.1:8490");
  if (!user.empty()) r.headers.emplace_back("Authorization", basic(user, password));
  return r;
}

Json body_of(const HttpResponse& r) {
  Result<Json> j = Json::parse(r.body);
  if (!j.ok()) FAIL(("not JSON: " + r.body).c_str());
  return j.ok() ? *j : Json();
}

std::string error_of(const HttpResponse& r) { return body_of(r).get_string("error"); }

// Ids of a list answer, joined by ','.
std::string ids(const HttpResponse& r) {
  CHECK_EQUAL(200, r.status);
  std::string out;
  const Json body = body_of(r);
  const Json* items = body.find("exceptions");
  if (!items) return "<no exceptions member>";
  for (const Json& item : items->items()) out += (out.empty() ? "" : ",") + item.get_string("id");
  return out;
}

int64_t count(const Json& counts, const std::string& path1, const std::string& path2 = "") {
  const Json* j = counts.find(path1);
  if (j && !path2.empty()) j = j->find(path2);
  int64_t v = -1;
  if (j) j->as_int64(&v);
  return v;
}

}  // namespace

TEST_GROUP(ExceptionRoutes) {
  std::unique_ptr<ExceptionDesk> desk;
  ExceptionRecord sku, carrier, other_site;
  std::vector<std::string> logged;
  void setup() override {
    log::set_sink([this](std::string_view line) { logged.emplace_back(line); });
    log::set_level(log::Level::kInfo);  // the audit lines are info
    desk = std::make_unique<ExceptionDesk>();
    sku = desk->hold("shipment:1", "UNKNOWN_SKU", "finance");
    carrier = desk->hold("shipment:2", "CARRIER_MISSING", "warehouse");
    other_site = desk->hold("receipt:3", "UNKNOWN_SKU", "warehouse", "leeds-2");
  }
  void teardown() override {
    desk.reset();
    log::set_level(log::Level::kWarn);
    log::set_sink(nullptr);
  }
  HttpResponse handle(HttpRequest r) { return desk->router.handle(std::move(r)); }
  std::string state_of(const ExceptionRecord& r) { return std::string(to_string(desk->record(r.id).state)); }
  std::string act_path(const ExceptionRecord& r, const std::string& action) {
    return "/api/exceptions/" + r.id + "/" + action;
  }
};

TEST(ExceptionRoutes, ListShowsNewestFirstWithCounts) {
  HttpResponse r = handle(get("/api/exceptions"));
  STRCMP_EQUAL((other_site.id + "," + carrier.id + "," + sku.id).c_str(), ids(r).c_str());
  const Json body = body_of(r);
  const Json* counts = body.find("counts");
  CHECK_TRUE(counts != nullptr);
  CHECK_EQUAL(3, count(*counts, "open"));
  CHECK_EQUAL(0, count(*counts, "retrying"));
  CHECK_EQUAL(2, count(*counts, "by_class", "UNKNOWN_SKU"));
  CHECK_EQUAL(1, count(*counts, "by_class", "CARRIER_MISSING"));
  CHECK_EQUAL(2, count(*counts, "by_owner", "warehouse"));
  CHECK_EQUAL(1, count(*counts, "by_owner", "finance"));
  CHECK_EQUAL(sku.first_seen_ms, count(*counts, "oldest_first_seen_ms"));
  const Json& first = body.find("exceptions")->items().front();
  STRCMP_EQUAL("leeds-2", first.get_string("site").c_str());
  STRCMP_EQUAL("open", first.get_string("state").c_str());
}

TEST(ExceptionRoutes, ListFiltersByClassOwnerSiteStateAndLimit) {
  STRCMP_EQUAL((other_site.id + "," + sku.id).c_str(), ids(handle(get("/api/exceptions", "class=UNKNOWN_SKU"))).c_str());
  STRCMP_EQUAL(sku.id.c_str(), ids(handle(get("/api/exceptions", "owner=finance"))).c_str());
  STRCMP_EQUAL(other_site.id.c_str(), ids(handle(get("/api/exceptions", "site=leeds-2"))).c_str());
  STRCMP_EQUAL(other_site.id.c_str(), ids(handle(get("/api/exceptions", "limit=1"))).c_str());
  STRCMP_EQUAL((other_site.id + "," + carrier.id + "," + sku.id).c_str(),
               ids(handle(get("/api/exceptions", "limit=5000"))).c_str());

  CHECK_EQUAL(200, handle(post(act_path(carrier, "discard"), R"({"reason":"shipped by hand"})")).status);
  CHECK_EQUAL(200, handle(post(act_path(sku, "retry"), "{}")).status);
  STRCMP_EQUAL(carrier.id.c_str(), ids(handle(get("/api/exceptions", "state=discarded"))).c_str());
  STRCMP_EQUAL(sku.id.c_str(), ids(handle(get("/api/exceptions", "state=retrying"))).c_str());
  STRCMP_EQUAL(other_site.id.c_str(), ids(handle(get("/api/exceptions", "state=open"))).c_str());
  STRCMP_EQUAL((other_site.id + "," + sku.id).c_str(), ids(handle(get("/api/exceptions", "state=unclosed"))).c_str());
  STRCMP_EQUAL("", ids(handle(get("/api/exceptions", "state=open&owner=finance"))).c_str());
}

TEST(ExceptionRoutes, ListRefusesABadStateOrLimit) {
  HttpResponse r = handle(get("/api/exceptions", "state=stuck"));
  CHECK_EQUAL(400, r.status);
  STRCMP_CONTAINS("stuck", error_of(r).c_str());
  for (const char* q : {"limit=abc", "limit=0", "limit=-5"}) {
    r = handle(get("/api/exceptions", q));
    CHECK_EQUAL(400, r.status);
    STRCMP_CONTAINS("limit", error_of(r).c_str());
  }
}

TEST(ExceptionRoutes, GetOneAddsWhatTheProgramDescribesAndTheEditableFields) {
  HttpResponse r = handle(get("/api/exceptions/" + carrier.id));
  CHECK_EQUAL(200, r.status);
  const Json j = body_of(r);
  STRCMP_EQUAL(carrier.id.c_str(), j.get_string("id").c_str());
  STRCMP_EQUAL("the shipment has no carrier code", j.get_string("reason").c_str());
  STRCMP_EQUAL("shipment:2", j.find("subject")->get_string("event_id").c_str());
  CHECK_EQUAL(3, count(j, "waiting_behind"));
  const Json* editable = j.find("editable");
  CHECK_TRUE(editable && editable->is_array());
  CHECK_EQUAL(2, editable->items().size());
  STRCMP_EQUAL("carrier", editable->items()[0].as_string().c_str());
  STRCMP_EQUAL("tracking_number", editable->items()[1].as_string().c_str());
  CHECK_EQUAL(1, j.find("trail")->items().size());
  STRCMP_EQUAL("raised", j.find("trail")->items()[0].get_string("action").c_str());

  r = handle(get("/api/exceptions/EX-999999"));
  CHECK_EQUAL(404, r.status);
  STRCMP_CONTAINS("EX-999999", error_of(r).c_str());
}

TEST(ExceptionRoutes, RetryByAnAdminMovesTheRecordAndWritesTheTrail) {
  HttpResponse r = handle(post(act_path(sku, "retry"), R"({"note":"the SKU is in the ERP now"})"));
  CHECK_EQUAL(200, r.status);
  const Json j = body_of(r);
  STRCMP_EQUAL("retrying", j.get_string("state").c_str());
  const Json& last = j.find("trail")->items().back();
  STRCMP_EQUAL("alice", last.get_string("who").c_str());
  STRCMP_EQUAL("retry", last.get_string("action").c_str());
  STRCMP_EQUAL("the SKU is in the ERP now", last.get_string("note").c_str());
  STRCMP_EQUAL("retrying", state_of(sku).c_str());
  CHECK_EQUAL(1, desk->actions->calls.size());
  STRCMP_EQUAL(("retry " + sku.id + " by alice").c_str(), desk->actions->calls[0].c_str());
  // The audit log names who did what to which exception.
  bool logged_action = false;
  for (const std::string& line : logged) {
    logged_action |= line.find("\"who\":\"alice\"") != std::string::npos &&
                     line.find("\"id\":\"" + sku.id + "\"") != std::string::npos &&
                     line.find("\"action\":\"retry\"") != std::string::npos;
  }
  CHECK_TRUE(logged_action);
}

TEST(ExceptionRoutes, NoOrWrongCredentialsAre401AndNothingIsCalled) {
  for (HttpRequest req : {post(act_path(sku, "retry"), "{}", ""), post(act_path(sku, "retry"), "{}", kAdmin, "guess"),
                          post(act_path(sku, "discard"), R"({"reason":"x"})", "mallory", kAdminPassword)}) {
    HttpResponse r = handle(req);
    CHECK_EQUAL(401, r.status);
    STRCMP_EQUAL("Basic realm=\"stockbridge\"", r.header("WWW-Authenticate").c_str());
  }
  STRCMP_EQUAL("no credentials", error_of(handle(post(act_path(sku, "retry"), "{}", ""))).c_str());
  STRCMP_EQUAL("unknown user or wrong password",
               error_of(handle(post(act_path(sku, "retry"), "{}", kAdmin, "guess"))).c_str());
  CHECK_EQUAL(0, desk->actions->calls.size());
  ExceptionRecord now = desk->record(sku.id);
  STRCMP_EQUAL("open", std::string(to_string(now.state)).c_str());
  CHECK_EQUAL(1, now.trail.size());
}

TEST(ExceptionRoutes, WithNoUsersConfiguredActionsAre401ButReadingIsOpen) {
  desk.reset();
  desk = std::make_unique<ExceptionDesk>(/*with_users=*/false);
  ExceptionRecord r = desk->hold("shipment:9", "UNKNOWN_SKU");
  HttpResponse resp = handle(post(act_path(r, "retry"), "{}"));
  CHECK_EQUAL(401, resp.status);
  STRCMP_CONTAINS("admin.users_file", error_of(resp).c_str());
  CHECK_EQUAL(0, desk->actions->calls.size());
  STRCMP_EQUAL(r.id.c_str(), ids(handle(get("/api/exceptions"))).c_str());
}

TEST(ExceptionRoutes, APageFromAnotherOriginCannotAct) {
  HttpRequest req = post(act_path(sku, "retry"), "{}");
  req.headers.emplace_back("Origin", "https://intranet.example.com");
  HttpResponse r = handle(req);
  CHECK_EQUAL(403, r.status);
  STRCMP_CONTAINS("intranet.example.com", error_of(r).c_str());
  req.headers.back().second = "null";
  CHECK_EQUAL(403, handle(req).status);
  req.headers.back().second = "http://127.0.0.1:9999";
  CHECK_EQUAL(403, handle(req).status);
  CHECK_EQUAL(0, desk->actions->calls.size());
  STRCMP_EQUAL("open", state_of(sku).c_str());

  // The status page served by this host may.
  req.headers.back().second = "http://127.0.0.1:8490";
  CHECK_EQUAL(200, handle(req).status);
  CHECK_EQUAL(1, desk->actions->calls.size());
}

TEST(ExceptionRoutes, AClosedExceptionTakesNoAction409) {
  CHECK_EQUAL(200, handle(post(act_path(sku, "discard"), R"({"reason":"duplicate of a manual shipment"})")).status);
  HttpResponse r = handle(post(act_path(sku, "retry"), R"({"note":"again"})"));
  CHECK_EQUAL(409, r.status);
  STRCMP_CONTAINS("discarded", error_of(r).c_str());
  CHECK_EQUAL(409, handle(post(act_path(sku, "discard"), R"({"reason":"again"})")).status);
  CHECK_EQUAL(409, handle(post(act_path(sku, "edit"), R"({"patch":{"carrier":"UPS"}})")).status);
  CHECK_EQUAL(1, desk->actions->calls.size());
  CHECK_EQUAL(2, desk->record(sku.id).trail.size());
}

TEST(ExceptionRoutes, DiscardNeedsAReason) {
  for (const char* body : {"{}", R"({"reason":""})", R"({"reason":"   "})", ""}) {
    HttpResponse r = handle(post(act_path(sku, "discard"), body));
    CHECK_EQUAL(400, r.status);
    STRCMP_CONTAINS("reason", error_of(r).c_str());
  }
  CHECK_EQUAL(0, desk->actions->calls.size());
  STRCMP_EQUAL("open", state_of(sku).c_str());
}

TEST(ExceptionRoutes, EditRefusesAFieldTheClassDoesNotAllowNamingIt) {
  HttpResponse r = handle(post(act_path(carrier, "edit"), R"({"patch":{"carrier":"UPS","sku":"X-2"}})"));
  CHECK_EQUAL(400, r.status);
  STRCMP_CONTAINS("'sku'", error_of(r).c_str());
  STRCMP_CONTAINS("carrier, tracking_number", error_of(r).c_str());
  r = handle(post(act_path(sku, "edit"), R"({"patch":{"carrier":"UPS"}})"));
  CHECK_EQUAL(400, r.status);
  STRCMP_CONTAINS("'carrier'", error_of(r).c_str());
  r = handle(post(act_path(carrier, "edit"), R"({"patch":{"carrier":42}})"));
  CHECK_EQUAL(400, r.status);
  STRCMP_CONTAINS("carrier", error_of(r).c_str());
  r = handle(post(act_path(carrier, "edit"), R"({"patch":{}})"));
  CHECK_EQUAL(400, r.status);
  STRCMP_CONTAINS("patch", error_of(r).c_str());
  CHECK_EQUAL(0, desk->actions->calls.size());
  CHECK_EQUAL(1, desk->record(carrier.id).trail.size());
}

TEST(ExceptionRoutes, EditOfAnAllowedFieldIsInTheTrail) {
  HttpResponse r = handle(post(act_path(carrier, "edit"),
                               R"({"patch":{"tracking_number":"1Z999AA10123456784"},"note":"from the label"})"));
  CHECK_EQUAL(200, r.status);
  const Json body = body_of(r);
  const Json& last = body.find("trail")->items().back();
  STRCMP_EQUAL("edit", last.get_string("action").c_str());
  STRCMP_EQUAL("tracking_number: '' -> '1Z999AA10123456784'", last.get_string("change").c_str());
  STRCMP_EQUAL("from the label", last.get_string("note").c_str());
  STRCMP_EQUAL("retrying", state_of(carrier).c_str());
}

TEST(ExceptionRoutes, ABadBodyIs400SayingWhere) {
  HttpResponse r = handle(post(act_path(sku, "retry"), R"({"note": "unterminated)"));
  CHECK_EQUAL(400, r.status);
  STRCMP_CONTAINS("at byte", error_of(r).c_str());
  r = handle(post(act_path(sku, "retry"), R"(["note"])"));
  CHECK_EQUAL(400, r.status);
  STRCMP_CONTAINS("object", error_of(r).c_str());
  r = handle(post(act_path(sku, "retry"), R"({"note": 5})"));
  CHECK_EQUAL(400, r.status);
  STRCMP_CONTAINS("'note'", error_of(r).c_str());
  r = handle(post(act_path(sku, "retry"), R"({"notes": "typo"})"));
  CHECK_EQUAL(400, r.status);
  STRCMP_CONTAINS("'notes'", error_of(r).c_str());
  CHECK_EQUAL(0, desk->actions->calls.size());
}

TEST(ExceptionRoutes, UnknownIdIs404AndNothingIsCalled) {
  HttpResponse r = handle(post("/api/exceptions/EX-424242/retry", "{}"));
  CHECK_EQUAL(404, r.status);
  CHECK_EQUAL(0, desk->actions->calls.size());
}

TEST(ExceptionRoutes, TheActionsStatusChoosesTheAnswer) {
  desk->actions->fail_next = Status::Unavailable("the journal is busy");
  HttpResponse r = handle(post(act_path(sku, "retry"), "{}"));
  CHECK_EQUAL(503, r.status);
  STRCMP_EQUAL("the journal is busy", error_of(r).c_str());
  desk->actions->fail_next = Status::InvalidArgument("tracking number has the wrong check digit");
  CHECK_EQUAL(400, handle(post(act_path(carrier, "edit"), R"({"patch":{"tracking_number":"1"}})")).status);
  desk->actions->fail_next = Status::FailedPrecondition("the event was posted meanwhile");
  CHECK_EQUAL(409, handle(post(act_path(sku, "retry"), "{}")).status);
  desk->actions->fail_next = Status::NotFound("the held event is gone");
  CHECK_EQUAL(404, handle(post(act_path(sku, "retry"), "{}")).status);
  STRCMP_EQUAL("open", state_of(sku).c_str());
}

TEST(ExceptionRoutes, AGetNeverChangesState) {
  const ExceptionRecord before = desk->record(sku.id);
  handle(get("/api/exceptions"));
  handle(get("/api/exceptions/" + sku.id));
  HttpRequest sneaky = get(act_path(sku, "retry"));
  sneaky.headers.emplace_back("Authorization", basic(kAdmin, kAdminPassword));
  HttpResponse r = handle(sneaky);
  CHECK_EQUAL(405, r.status);
  STRCMP_EQUAL("POST", r.header("Allow").c_str());
  const ExceptionRecord after = desk->record(sku.id);
  STRCMP_EQUAL(before.to_json().dump().c_str(), after.to_json().dump().c_str());
  CHECK_EQUAL(0, desk->actions->calls.size());
}
