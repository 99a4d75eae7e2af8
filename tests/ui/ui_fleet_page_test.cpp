// The relay's fleet page as operations see it, in headless Chromium against
// the real programs (agent with the Clarus simulator, relay, mosquitto, the
// ERP simulator): the site online with its backlog and last contact, the
// reconciliation reports with their CSV, the page per site; then the agent
// killed with kill -9 and the page saying the site is offline (its last will).
#include <string>

#include "tests/e2e/clarus_flow.h"
#include "tests/ui/ui_support.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::e2e;
using namespace sb::ui;

namespace {

std::string dom_at(const std::string& url) {
  Result<std::string> dom = page_dom(url);
  CHECK_TRUE_TEXT(dom.ok(), dom.status().to_string().c_str());
  return dom.ok() ? *dom : "";
}

}  // namespace

TEST_GROUP(FleetPage){};

TEST(FleetPage, ShowsTheSiteItsReportsAndWhenItGoesOffline) {
  Admins admins;
  StackOptions o = clarus_options(true);
  o.clarus_duplicate_webhooks = 0;
  o.agent_settings = {"clarus.snapshot_interval = 3s", "forward.state_interval = 1s"};
  o.relay_settings = {"reconcile.interval = 1s", "admin.users_file = " + admins.users};
  Stack stack(o);
  Status s = stack.start();
  CHECK_TRUE_TEXT(s.ok(), s.to_string().c_str());

  // A stock snapshot reconciled: a report to list.
  std::string report_id;
  CHECK_TRUE(testing::wait_until([&] {
    Result<Json> list = stack.get_json(stack.relay_url() + "/api/reports?site=site-1");
    if (!list.ok() || list->find("reports")->items().empty()) return false;
    report_id = list->find("reports")->items()[0].get_string("id");
    return true;
  }, Millis(60'000), Millis(500)));
  CHECK_TRUE(testing::wait_until([&] {
    Result<Json> st = stack.relay_status();
    if (!st.ok()) return false;
    for (const Json& site : st->find("sites")->items())
      if (site.get_string("site_id") == "site-1" && site.find("online") && site.find("online")->as_bool()) return true;
    return false;
  }, Millis(30'000), Millis(200)));

  std::string dom = dom_at(stack.relay_url() + "/");
  CHECK_CONTAINS(element_text(dom, "site-site-1"), "site-1 online");
  CHECK_CONTAINS(element_text(dom, "sites-online"), "1 of 1");
  CHECK_CONTAINS(element_text(dom, "erp"), "/min");
  CHECK_CONTAINS(element_text(dom, "erp-concurrency"), "requests in progress");
  CHECK_CONTAINS(element_text(dom, "reports"), "WH1");
  CHECK_CONTAINS(dom, "/api/reports/" + report_id + ".csv");

  // The CSV the page links to: a header, rows and a TOTAL row.
  ClientRequest get;
  get.url = stack.relay_url() + "/api/reports/" + report_id + ".csv";
  Result<HttpResponse> csv = stack.http().send(get);
  CHECK_TRUE(csv.ok());
  CHECK_EQUAL(200, csv->status);
  CHECK_CONTAINS(csv->content_type, "text/csv");
  CHECK_CONTAINS(csv->body, "TOTAL");

  testing::TempDir scratch("ui-fleet");
  Result<std::unique_ptr<testing::Browser>> browser = testing::Browser::launch(scratch.path(), 1280, 900);
  CHECK_TRUE_TEXT(browser.ok(), browser.status().to_string().c_str());
  CHECK_TRUE((*browser)->navigate(stack.relay_url() + "/").ok());
  CHECK_TRUE((*browser)->screenshot(screenshot_dir() + "/relay-fleet.png").ok());

  // The page per site, reached from the fleet page's link.
  CHECK_TRUE((*browser)->act_and_wait("document.querySelector('#site-site-1 a').click();").ok());
  dom = *(*browser)->dom();
  CHECK_CONTAINS(element_text(dom, "site-cards"), "Backlog at the site");
  CHECK_CONTAINS(element_text(dom, "site-commands"), "waiting");
  CHECK_CONTAINS(element_text(dom, "reports"), "WH1");
  CHECK_TRUE((*browser)->screenshot(screenshot_dir() + "/relay-site.png").ok());

  // The agent dies: the broker publishes its last will and the page says offline.
  stack.agent().kill9();
  CHECK_TRUE(testing::wait_until([&] {
    return contains(element_text(dom_at(stack.relay_url() + "/"), "site-site-1"), "site-1 offline");
  }, Millis(60'000), Millis(1000)));
  dom = dom_at(stack.relay_url() + "/");
  CHECK_CONTAINS(element_text(dom, "sites-online"), "0 of 1");
}
