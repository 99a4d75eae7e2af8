// The web pages' rules, driven through the Router with no sockets: signing in
// (cookie, expiry, sign-out), what each exception page offers whom, and that a
// form changes something only with a session, its token and this site's
// Origin -- else 401/403 with the page saying why, and the book untouched.
#include <string>

#include "platform/core/log.h"
#include "platform/http/exception_pages.h"
#include "platform/http/html.h"
#include "platform/http/web_session.h"
#include "tests/unit/platform/http/exception_desk.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::test;

namespace {

HttpRequest request(const std::string& method, const std::string& path, const std::string& body = "",
                    const std::string& cookie = "") {
  HttpRequest r;
  r.method = method;
  r.path = path;
  const size_t q = path.find('?');
  if (q != std::string::npos) {
    r.path = path.substr(0, q);
    r.query = path.substr(q + 1);
  }
  r.body = body;
  r.headers.emplace_back("Host", "127.0.0.1:8480");
  if (!cookie.empty()) r.headers.emplace_back("Cookie", cookie);
  return r;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The value of the hidden csrf field on a page.
std::string csrf_of(const std::string& page) {
  const std::string marker = "name=\"csrf\" value=\"";
  const size_t at = page.find(marker);
  if (at == std::string::npos) return "";
  const size_t v = at + marker.size();
  return page.substr(v, page.find('"', v) - v);
}

}  // namespace

TEST_GROUP(Html){};

TEST(Html, EscapesEverythingThatCouldOpenMarkup) {
  STRCMP_EQUAL("&lt;b&gt;&amp;&quot;&#39;", html::escape("<b>&\"'").c_str());
}

TEST(Html, ReadsFormBodies) {
  auto f = html::parse_form("user=lead&password=a%26b+c&empty=&note=caf%C3%A9");
  STRCMP_EQUAL("lead", f["user"].c_str());
  STRCMP_EQUAL("a&b c", f["password"].c_str());
  STRCMP_EQUAL("", f["empty"].c_str());
  STRCMP_EQUAL("caf\xC3\xA9", f["note"].c_str());
}

TEST(Html, NumbersAndDurationsForPeople) {
  STRCMP_EQUAL("0", html::count_text(0).c_str());
  STRCMP_EQUAL("999", html::count_text(999).c_str());
  STRCMP_EQUAL("1,234,567", html::count_text(1234567).c_str());
  STRCMP_EQUAL("42 s", html::duration_text(42).c_str());
  STRCMP_EQUAL("12 min", html::duration_text(12 * 60 + 5).c_str());
  STRCMP_EQUAL("2 h 05 min", html::duration_text(2 * 3600 + 5 * 60).c_str());
  STRCMP_EQUAL("3 d 4 h", html::duration_text(3 * 86400 + 4 * 3600).c_str());
  STRCMP_EQUAL("never", html::time_text(0, 1000).c_str());
}

TEST(Html, PagesCarryTheirSafetyHeaders) {
  HttpResponse r = html::respond(200, "<p>x</p>");
  STRCMP_EQUAL("text/html; charset=utf-8", r.content_type.c_str());
  CHECK_TRUE(contains(r.header("Content-Security-Policy"), "default-src 'none'"));
  CHECK_TRUE(contains(r.header("Content-Security-Policy"), "form-action 'self'"));
  STRCMP_EQUAL("DENY", r.header("X-Frame-Options").c_str());
  STRCMP_EQUAL("no-store", r.header("Cache-Control").c_str());
}

TEST_GROUP(WebPages) {
  std::unique_ptr<ExceptionDesk> desk;
  std::unique_ptr<WebSessions> sessions;
  ExceptionRecord carrier, sku;

  void setup() override {
    log::set_level(log::Level::kError);
    desk = std::make_unique<ExceptionDesk>();
    WebSessions::Options o;
    o.cookie_name = "sb_test";
    sessions = std::make_unique<WebSessions>(desk->users, desk->clock, o);
    html::Chrome chrome{"Stockbridge agent", "site lyon-1", {{"Status", "/"}}};
    sessions->add_routes(desk->router, chrome);
    ExceptionPagesContext pc;
    pc.book = desk->book.get();
    pc.actions = desk->actions.get();
    pc.sessions = sessions.get();
    pc.clock = &desk->clock;
    pc.chrome = chrome;
    pc.vocabulary = {{"CARRIER_MISSING", "warehouse", "No carrier.", "Add it."}, {"UNKNOWN_SKU", "finance", "No item.", "Create it."}};
    add_exception_pages(desk->router, pc);
    carrier = desk->hold("shipment:2", "CARRIER_MISSING");
    sku = desk->hold("shipment:1", "UNKNOWN_SKU", "finance");
  }
  void teardown() override {
    sessions.reset();
    desk.reset();
    log::set_level(log::Level::kWarn);
  }
  HttpResponse handle(HttpRequest r) { return desk->router.handle(std::move(r)); }

  // Signs in through the form; the cookie to send back ("" when refused).
  std::string sign_in(const std::string& password = kAdminPassword) {
    HttpResponse r = handle(request("POST", "/login", "user=alice&password=" + url_encode(password) + "&next=%2Fexceptions"));
    if (r.status != 303) return "";
    const std::string set = r.header("Set-Cookie");
    return set.substr(0, set.find(';'));
  }
  std::string state_of(const ExceptionRecord& r) { return std::string(to_string(desk->record(r.id).state)); }
};

TEST(WebPages, SignInSetsAStrictHttpOnlyCookieAndGoesBack) {
  HttpResponse r = handle(request("POST", "/login", "user=alice&password=correct+horse&next=%2Fexceptions%2FEX-000001"));
  CHECK_EQUAL(303, r.status);
  STRCMP_EQUAL("/exceptions/EX-000001", r.header("Location").c_str());
  const std::string cookie = r.header("Set-Cookie");
  CHECK_TRUE(contains(cookie, "sb_test="));
  CHECK_TRUE(contains(cookie, "HttpOnly"));
  CHECK_TRUE(contains(cookie, "SameSite=Strict"));
  CHECK_EQUAL(1u, sessions->size());
}

TEST(WebPages, AWrongPasswordIsRefusedWithThePageAgain) {
  HttpResponse r = handle(request("POST", "/login", "user=alice&password=nope"));
  CHECK_EQUAL(401, r.status);
  CHECK_TRUE(contains(r.body, "Unknown name or wrong password"));
  CHECK_TRUE(r.header("Set-Cookie").empty());
  CHECK_EQUAL(0u, sessions->size());
}

TEST(WebPages, SignInNeverSendsAPersonToAnotherSite) {
  STRCMP_EQUAL("/", local_path("//evil.example/x").c_str());
  STRCMP_EQUAL("/", local_path("https://evil.example/").c_str());
  STRCMP_EQUAL("/", local_path("/\\evil.example").c_str());
  STRCMP_EQUAL("/", local_path("/\t/evil.example").c_str());   // a browser drops the tab: "//evil.example"
  STRCMP_EQUAL("/", local_path("/\n/evil.example").c_str());
  STRCMP_EQUAL("/", local_path(std::string("/\x7f/x")).c_str());
  STRCMP_EQUAL("/exceptions?class=X", local_path("/exceptions?class=X").c_str());
  HttpResponse r = handle(request("POST", "/login", "user=alice&password=correct+horse&next=%2F%2Fevil.example"));
  STRCMP_EQUAL("/", r.header("Location").c_str());
  r = handle(request("POST", "/login", "user=alice&password=correct+horse&next=%2F%09%2Fevil.example"));
  STRCMP_EQUAL("/", r.header("Location").c_str());
}

TEST(WebPages, ListFiltersByClassAndOwner) {
  HttpResponse all = handle(request("GET", "/exceptions"));
  CHECK_EQUAL(200, all.status);
  CHECK_TRUE(contains(all.body, carrier.id));
  CHECK_TRUE(contains(all.body, sku.id));
  HttpResponse finance = handle(request("GET", "/exceptions?owner=finance"));
  CHECK_FALSE(contains(finance.body, ">" + carrier.id + "<"));
  CHECK_TRUE(contains(finance.body, ">" + sku.id + "<"));
  HttpResponse by_class = handle(request("GET", "/exceptions?class=CARRIER_MISSING"));
  CHECK_TRUE(contains(by_class.body, ">" + carrier.id + "<"));
  CHECK_FALSE(contains(by_class.body, ">" + sku.id + "<"));
}

TEST(WebPages, AStrangerSeesTheExceptionButNoForms) {
  HttpResponse r = handle(request("GET", "/exceptions/" + carrier.id));
  CHECK_EQUAL(200, r.status);
  CHECK_TRUE(contains(r.body, "the shipment has no carrier code"));
  CHECK_TRUE(contains(r.body, "id=\"sign-in-to-act\""));
  CHECK_FALSE(contains(r.body, "id=\"retry-form\""));
  CHECK_TRUE(desk->actions->calls.empty());
}

TEST(WebPages, ASignedInPersonGetsTheFormsWithEditableFields) {
  const std::string cookie = sign_in();
  HttpResponse r = handle(request("GET", "/exceptions/" + carrier.id, "", cookie));
  CHECK_TRUE(contains(r.body, "id=\"retry-form\""));
  CHECK_TRUE(contains(r.body, "id=\"edit-form\""));
  CHECK_TRUE(contains(r.body, "name=\"field.carrier\""));
  CHECK_TRUE(contains(r.body, "id=\"discard-form\""));
  CHECK_FALSE(csrf_of(r.body).empty());
  HttpResponse plain = handle(request("GET", "/exceptions/" + sku.id, "", cookie));
  CHECK_FALSE(contains(plain.body, "id=\"edit-form\""));  // nothing of UNKNOWN_SKU is editable here
}

TEST(WebPages, AFormWithoutASessionChangesNothing) {
  HttpResponse r = handle(request("POST", "/exceptions/" + carrier.id + "/discard", "csrf=x&reason=dup"));
  CHECK_EQUAL(401, r.status);
  CHECK_TRUE(contains(r.body, "sign in first"));
  STRCMP_EQUAL("open", state_of(carrier).c_str());
  CHECK_TRUE(desk->actions->calls.empty());
}

TEST(WebPages, AFormWithAnotherTokenOrFromAnotherSiteChangesNothing) {
  const std::string cookie = sign_in();
  HttpResponse forged = handle(request("POST", "/exceptions/" + carrier.id + "/discard", "csrf=forged&reason=dup", cookie));
  CHECK_EQUAL(403, forged.status);
  CHECK_TRUE(contains(forged.body, "security token"));
  const std::string token = csrf_of(handle(request("GET", "/exceptions/" + carrier.id, "", cookie)).body);
  HttpRequest cross = request("POST", "/exceptions/" + carrier.id + "/discard", "csrf=" + token + "&reason=dup", cookie);
  cross.headers.emplace_back("Origin", "http://evil.example");
  CHECK_EQUAL(403, handle(cross).status);
  STRCMP_EQUAL("open", state_of(carrier).c_str());
  CHECK_TRUE(desk->actions->calls.empty());
}

TEST(WebPages, AFormFromASignedInPersonActsAndGoesBackToTheException) {
  const std::string cookie = sign_in();
  const std::string token = csrf_of(handle(request("GET", "/exceptions/" + carrier.id, "", cookie)).body);
  HttpRequest edit = request("POST", "/exceptions/" + carrier.id + "/edit",
                             "csrf=" + token + "&field.carrier=DHL&field.tracking_number=&note=fixed", cookie);
  edit.headers.emplace_back("Origin", "http://127.0.0.1:8480");
  HttpResponse r = handle(edit);
  CHECK_EQUAL(303, r.status);
  STRCMP_EQUAL(("/exceptions/" + carrier.id + "?done=edit").c_str(), r.header("Location").c_str());
  STRCMP_EQUAL("retrying", state_of(carrier).c_str());
  const ExceptionRecord after = desk->record(carrier.id);
  STRCMP_EQUAL("alice", after.trail.back().who.c_str());
  STRCMP_EQUAL("carrier: '' -> 'DHL'", after.trail.back().change.c_str());  // only the field filled in
  HttpResponse back = handle(request("GET", "/exceptions/" + carrier.id + "?done=edit", "", cookie));
  CHECK_TRUE(contains(back.body, "Edited and resubmitted."));
}

TEST(WebPages, ADiscardNeedsAReasonAndAClosedExceptionTakesNoMore) {
  const std::string cookie = sign_in();
  const std::string token = csrf_of(handle(request("GET", "/exceptions/" + sku.id, "", cookie)).body);
  HttpResponse empty = handle(request("POST", "/exceptions/" + sku.id + "/discard", "csrf=" + token + "&reason=+", cookie));
  CHECK_EQUAL(400, empty.status);
  CHECK_TRUE(contains(empty.body, "a discard needs a reason"));
  STRCMP_EQUAL("open", state_of(sku).c_str());
  HttpResponse done = handle(request("POST", "/exceptions/" + sku.id + "/discard", "csrf=" + token + "&reason=duplicate", cookie));
  CHECK_EQUAL(303, done.status);
  STRCMP_EQUAL("discarded", state_of(sku).c_str());
  HttpResponse again = handle(request("POST", "/exceptions/" + sku.id + "/retry", "csrf=" + token, cookie));
  CHECK_EQUAL(409, again.status);
}

TEST(WebPages, SessionsEndWhenIdleAndOnSignOut) {
  std::string cookie = sign_in();
  CHECK_FALSE(cookie.empty());
  desk->clock.advance(Millis(31LL * 60 * 1000));  // idle past 30 min
  HttpResponse r = handle(request("GET", "/exceptions/" + carrier.id, "", cookie));
  CHECK_FALSE(contains(r.body, "id=\"retry-form\""));
  cookie = sign_in();
  const std::string token = csrf_of(handle(request("GET", "/exceptions/" + carrier.id, "", cookie)).body);
  HttpResponse forged = handle(request("POST", "/logout", "csrf=forged", cookie));
  CHECK_TRUE(forged.header("Set-Cookie").empty());  // a form from elsewhere does not sign anyone out
  CHECK_EQUAL(1u, sessions->size());
  HttpResponse out = handle(request("POST", "/logout", "csrf=" + token, cookie));
  CHECK_EQUAL(303, out.status);
  CHECK_TRUE(contains(out.header("Set-Cookie"), "Max-Age=0"));
  CHECK_EQUAL(0u, sessions->size());
}
