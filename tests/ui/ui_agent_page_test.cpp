// The agent's status page as a warehouse lead sees it, in headless Chromium
// against the real programs (agent, relay, mosquitto, the ERP simulator):
//   1. the three states of the banner -- all flowing; offline and buffering
//      (the broker killed with kill -9, events still accepted and held);
//      catching up (the broker back, the backlog draining at a paced rate,
//      with a progress bar) -- asserted on the rendered DOM (--dump-dom) and
//      saved as screenshots;
//   2. an action on an exception through the page's own form: refused without
//      a sign-in (and with a forged form token), done with one, and what it
//      did reaches the ERP.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "tests/e2e/e2e_test_support.h"
#include "tests/ui/ui_support.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;
using namespace sb::ui;

namespace {

std::string dom_of(Stack& stack, const std::string& path) {
  Result<std::string> dom = page_dom(stack.agent_url() + path);
  CHECK_TRUE_TEXT(dom.ok(), dom.status().to_string().c_str());
  return dom.ok() ? *dom : "";
}

void shoot(testing::Browser& browser, const std::string& url, const std::string& name) {
  Status s = browser.navigate(url);
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  const std::string path = screenshot_dir() + "/" + name;
  s = browser.screenshot(path);
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  std::printf("screenshot: %s\n", path.c_str());
}

}  // namespace

TEST_GROUP(AgentPage){};

TEST(AgentPage, BannerSaysFlowingOfflineAndCatchingUp) {
  StackOptions o = stack_options();
  // Paced draining, so "catching up" lasts long enough to be seen: 3,000 events at 60/s stay above
  // the threshold (one uplink batch, 1,000) for about 33 s, while the page is read within seconds.
  o.agent_settings = {"forward.drain_rate = 60", "forward.state_interval = 1s"};
  Stack stack(o);
  Status started = stack.start();
  CHECK_TRUE_TEXT(started.ok(), started.to_string().c_str());
  testing::TempDir scratch("ui-agent");
  Result<std::unique_ptr<testing::Browser>> browser = testing::Browser::launch(scratch.path(), 1280, 900);
  CHECK_TRUE_TEXT(browser.ok(), browser.status().to_string().c_str());

  // 1. All flowing: events posted, the relay's word on the ERP shown.
  ProducerOptions po;
  po.agent_url = stack.agent_url();
  po.id_prefix = "ui-flow";
  po.threads = 2;
  Producer producer(po);
  producer.start(40);
  CHECK_TRUE(producer.wait(Millis(60'000)));
  CHECK_TRUE(agent_drained(stack, Millis(60'000)));
  CHECK_TRUE(agent_status_until(stack, [](const Json& st) {
    return json_number(st, "outcomes.posted") >= 1 && st.find("links") && st.find("links")->find("erp") &&
           st.find("links")->find("erp")->find("ok");
  }, Millis(60'000)));
  std::string dom = dom_of(stack, "/");
  STRCMP_EQUAL("flowing", element_attr(dom, "banner", "data-state").c_str());
  STRCMP_EQUAL("All flowing", element_text(dom, "headline").c_str());
  CHECK_CONTAINS(element_text(dom, "link-broker"), "connected");
  CHECK_CONTAINS(element_text(dom, "link-relay"), "acknowledging");
  CHECK_CONTAINS(element_text(dom, "link-erp"), "posting");
  CHECK_CONTAINS(element_text(dom, "outcomes"), "posted");
  CHECK_CONTAINS(element_text(dom, "outcomes"), producer.event_id(39));
  STRCMP_EQUAL("0", element_text(dom, "backlog-events").c_str());
  CHECK_CONTAINS(element_text(dom, "about"), "site site-1");
  shoot(**browser, stack.agent_url() + "/", "agent-flowing.png");

  // 2. Offline and buffering: the broker is gone; the site keeps accepting.
  stack.broker().kill9();
  CHECK_TRUE(agent_status_until(stack, [](const Json& st) { return st.get_string("state") == "offline"; }, Millis(60'000)));
  producer.start(3000, 40);
  CHECK_TRUE(producer.wait(Millis(120'000)));
  dom = dom_of(stack, "/");
  STRCMP_EQUAL("offline", element_attr(dom, "banner", "data-state").c_str());
  CHECK_CONTAINS(element_text(dom, "headline"), "Offline since ");
  CHECK_CONTAINS(element_text(dom, "banner-detail"), "3,000 events held safely");
  CHECK_CONTAINS(element_text(dom, "banner-detail"), "of the journal's capacity");
  STRCMP_EQUAL("3,000", element_text(dom, "backlog-events").c_str());
  CHECK_CONTAINS(element_text(dom, "backlog-by-kind"), "StockAdjustment 3,000");
  CHECK_CONTAINS(element_text(dom, "link-broker"), "down");
  shoot(**browser, stack.agent_url() + "/", "agent-offline.png");

  // 3. Catching up: the broker is back; the backlog drains with a progress bar.
  Status back = stack.restart_broker();
  CHECK_TRUE_TEXT(back.ok(), back.to_string().c_str());
  CHECK_TRUE(agent_status_until(stack, [](const Json& st) { return st.get_string("state") == "catching_up"; },
                                Millis(60'000)));
  dom = dom_of(stack, "/");
  STRCMP_EQUAL("catching_up", element_attr(dom, "banner", "data-state").c_str());
  STRCMP_EQUAL("Catching up", element_text(dom, "headline").c_str());
  CHECK_CONTAINS(dom, "role=\"progressbar\"");
  CHECK_CONTAINS(element_text(dom, "banner"), "events left");
  CHECK_TRUE((*browser)->emulate(390, 844, true).ok());  // a phone
  shoot(**browser, stack.agent_url() + "/", "agent-catching-up-phone.png");
  CHECK_TRUE((*browser)->emulate(1280, 900, false).ok());
  shoot(**browser, stack.agent_url() + "/", "agent-catching-up.png");
  CHECK_TRUE(agent_drained(stack, Millis(120'000)));
  dom = dom_of(stack, "/");
  STRCMP_EQUAL("flowing", element_attr(dom, "banner", "data-state").c_str());
  CHECK_TRUE(stack.stop());
}

TEST(AgentPage, ActionThroughThePageFormNeedsASignIn) {
  Admins admins;
  StackOptions o = stack_options();
  o.agent_settings = {"admin.users_file = " + admins.users, "rules.location_map = WH1=1,WH2=2"};
  Stack stack(o);
  Status started = stack.start();
  CHECK_TRUE_TEXT(started.ok(), started.to_string().c_str());

  // A stock adjustment from a warehouse the site has no ERP location for: held at the site.
  ProducerOptions po;
  po.agent_url = stack.agent_url();
  po.id_prefix = "ui-act";
  Producer producer(po);
  std::string body = producer.event_json(0);
  for (const char* wh : {"\"WH1\"", "\"WH2\""}) {
    const size_t at = body.find(wh);
    if (at != std::string::npos) body.replace(at, 5, "\"WH9\"");
  }
  std::unique_ptr<HttpClient> http = make_poco_http_client();
  ClientRequest post;
  post.method = "POST";
  post.url = stack.agent_url() + "/v1/events";
  post.body = body;
  Result<HttpResponse> posted = http->send(post);
  CHECK_TRUE(posted.ok());
  CHECK_TRUE_TEXT(posted->status / 100 == 2, posted->body.c_str());
  std::string id;
  CHECK_TRUE(testing::wait_until([&] {
    Result<Json> list = stack.get_json(stack.agent_url() + "/api/exceptions?class=UNMAPPED_LOCATION");
    if (!list.ok() || list->find("exceptions")->items().empty()) return false;
    id = list->find("exceptions")->items()[0].get_string("id");
    return true;
  }, Millis(30'000), Millis(200)));
  auto exception_state = [&] {
    Result<Json> r = stack.get_json(stack.agent_url() + "/api/exceptions/" + id);
    return r.ok() ? r->get_string("state") : "";
  };

  testing::TempDir scratch("ui-action");
  Result<std::unique_ptr<testing::Browser>> opened = testing::Browser::launch(scratch.path(), 1280, 1000);
  CHECK_TRUE_TEXT(opened.ok(), opened.status().to_string().c_str());
  testing::Browser& browser = **opened;
  const std::string page = stack.agent_url() + "/exceptions/" + id;

  // The status page lists it; its own page offers no form to a stranger.
  std::string dom = dom_of(stack, "/");
  CHECK_CONTAINS(element_text(dom, "exceptions"), "UNMAPPED_LOCATION");
  CHECK_CONTAINS(element_text(dom, "exceptions-by-class"), "UNMAPPED_LOCATION 1");
  CHECK_TRUE(browser.navigate(page).ok());
  dom = *browser.dom();
  CHECK_CONTAINS(element_text(dom, "sign-in-to-act"), "Sign in");
  CHECK_FALSE(contains(dom, "id=\"edit-form\""));
  CHECK_CONTAINS(element_text(dom, "exception-reason"), "WH9");

  // Signed in: the forms are there.
  Status s = sign_in(browser, stack.agent_url(), "/exceptions/" + id);
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  dom = *browser.dom();
  CHECK_CONTAINS(element_text(dom, "signed-in"), "signed in as lead");
  CHECK_TRUE(contains(dom, "id=\"edit-form\""));
  shoot(browser, page, "agent-exception.png");

  const std::string fill = "document.getElementById('field-warehouse').value = 'WH1';"
                           "document.getElementById('edit-note').value = 'keyed WH9 for WH1';";
  // A forged form token: refused, nothing changes.
  s = browser.act_and_wait(fill + "document.querySelector('#edit-form input[name=csrf]').value = 'forged';"
                                  "document.querySelector('#edit-form button').click();");
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  dom = *browser.dom();
  CHECK_CONTAINS(element_text(dom, "notice"), "security token");
  STRCMP_EQUAL("open", exception_state().c_str());

  // The session gone (cookies cleared), the form sent from the page still loaded: refused.
  CHECK_TRUE(browser.navigate(page).ok());
  CHECK_TRUE(browser.clear_cookies().ok());
  s = browser.act_and_wait(fill + "document.querySelector('#edit-form button').click();");
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  dom = *browser.dom();
  CHECK_CONTAINS(element_text(dom, "notice"), "sign in first");
  STRCMP_EQUAL("open", exception_state().c_str());
  Result<Json> relay_view = stack.get_json(stack.relay_url() + "/api/events/" + url_encode(producer.event_id(0)));
  CHECK_FALSE(relay_view.ok() && relay_view->get_string("state") == "posted");

  // Signed in again: the edit is done, the trail names the person, and the event flows.
  s = sign_in(browser, stack.agent_url(), "/exceptions/" + id);
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  s = browser.act_and_wait(fill + "document.querySelector('#edit-form button').click();");
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());
  dom = *browser.dom();
  CHECK_CONTAINS(element_text(dom, "notice"), "Edited and resubmitted");
  CHECK_CONTAINS(element_text(dom, "trail"), "lead edit keyed WH9 for WH1");
  CHECK_TRUE(testing::wait_until([&] { return exception_state() == "resolved"; }, Millis(30'000), Millis(200)));
  CHECK_TRUE(testing::wait_until([&] {
    Result<Json> r = stack.get_json(stack.relay_url() + "/api/events/" + url_encode(producer.event_id(0)));
    return r.ok() && r->get_string("state") == "posted";
  }, Millis(60'000), Millis(200)));
  CHECK_TRUE(browser.navigate(stack.agent_url() + "/login").ok());
  s = browser.screenshot(screenshot_dir() + "/agent-sign-in.png");
  CHECK_TRUE(s.ok());
  CHECK_TRUE(stack.stop());
}
