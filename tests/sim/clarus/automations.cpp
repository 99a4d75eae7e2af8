#include "automations.h"

#include "api_support.h"

namespace sb::clarus_sim {
namespace {

// Follows "data.attributes.account_id" through objects; nullptr when absent.
const Json* at_path(const Json& root, const std::string& path) {
  const Json* cur = &root;
  size_t start = 0;
  while (cur && start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object()) return nullptr;
    const Json* next = cur->find(key);
    // Conditions written against the record ("data.account_id") also look under attributes.
    if (!next && key != "attributes") {
      if (const Json* attrs = cur->find("attributes")) next = attrs->find(key);
    }
    cur = next;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

bool same_value(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.as_double() == b.as_double();
  if (a.is_number() && b.is_string()) return a.as_string() == b.as_string();
  if (a.is_string() && b.is_number()) return a.as_string() == b.as_string();
  return a.dump() == b.dump();
}

bool condition_holds(const Json& body, const Json& condition) {
  if (!condition.is_object()) return true;
  const Json* actual = at_path(body, condition.get_string("path"));
  const Json* expected = condition.find("value");
  std::string op = condition.get_string("operator", "eq");
  if (!expected) return true;
  if (op == "in" && expected->is_array()) {
    for (const Json& v : expected->items()) {
      if (actual && same_value(*actual, v)) return true;
    }
    return false;
  }
  bool equal = actual && same_value(*actual, *expected);
  return op == "not_eq" ? !equal : equal;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& supported_triggers() {
  static const std::vector<std::pair<std::string, std::string>> kTriggers = {
      {"goods_out", "completed"},        {"goods_in_receipt", "completed"}, {"stock", "positive_adjustment"},
      {"stock", "negative_adjustment"}, {"stock", "held"},                 {"stock", "released"}};
  return kTriggers;
}

Result<int64_t> create_automation(ClarusModel& m, const Json& attributes) {
  Attributes a(attributes);
  a.require("resource_name");
  a.require("event");
  Automation automation;
  automation.resource_name = a.string("resource_name").value_or("");
  automation.event = a.string("event").value_or("");
  automation.integration_id = a.string("integration_id").value_or("");
  if (const Json* c = a.raw("conditions")) {
    if (!c->is_array()) a.fail("conditions must be an array");
    automation.conditions = *c;
  }
  const Json* actions = a.raw("actions");
  if (!actions || !actions->is_array()) {
    a.fail("actions must be an array with a webhook action: [{\"type\":\"webhook\",\"url\":\"http://...\"}]");
  } else {
    for (const Json& action : actions->items()) {
      if (action.is_object() && action.get_string("type") == "webhook") automation.url = action.get_string("url");
    }
    if (automation.url.rfind("http://", 0) != 0 && automation.url.rfind("https://", 0) != 0) {
      a.fail("actions needs a webhook action with an http(s) url");
    }
    automation.actions = *actions;
  }
  if (auto active = a.boolean("active")) automation.active = *active;
  SB_RETURN_IF_ERROR(a.status());
  automation.id = m.automation_id_base + m.next_id("automations");
  if (automation.integration_id.empty()) automation.integration_id = std::to_string(automation.id);
  m.automations[automation.id] = automation;
  return automation.id;
}

std::vector<WebhookDelivery> deliveries_for(const ClarusModel& m, const WebhookEvent& event,
                                            const TenantIdentity& tenant) {
  std::vector<WebhookDelivery> out;
  std::string body;
  for (const auto& [id, automation] : m.automations) {
    if (!automation.active || automation.resource_name != event.resource_name || automation.event != event.event) continue;
    bool holds = true;
    if (automation.conditions.is_array()) {
      for (const Json& c : automation.conditions.items()) holds = holds && condition_holds(event.body, c);
    }
    if (!holds) continue;
    if (body.empty()) body = event.body.dump();
    WebhookDelivery d;
    d.automation_id = id;
    d.url = automation.url;
    d.body = body;
    d.trigger = event.resource_name + "/" + event.event;
    d.headers = {{"X-ClarusWMS-Domain", tenant.domain},
                 {"X-ClarusWMS-API-Domain", tenant.api_domain},
                 {"X-ClarusWMS-Subdomain", tenant.subdomain},
                 {"X-ClarusWMS-Automation-ID", std::to_string(id)},
                 {"X-ClarusWMS-Integration-ID", automation.integration_id}};
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace sb::clarus_sim
