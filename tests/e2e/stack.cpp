#include "tests/e2e/stack.h"

#include <cstdio>
#include <fstream>

#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace sb::e2e {

Stack::Stack(StackOptions options) : options_(std::move(options)) {
  dir_ = std::make_unique<testing::TempDir>("stockbridge-stack");
  broker_ = std::make_unique<testing::Mosquitto>();
  http_ = make_poco_http_client({});
  agent_port_ = testing::free_port();
  relay_port_ = testing::free_port();
  erp_port_ = testing::free_port();
  clarus_port_ = testing::free_port();
  write_configs();
}

Stack::~Stack() {
  // Agent first, so it does not spend its last moments reconnecting.
  agent_.kill9();
  relay_.kill9();
  erp_.kill9();
  clarus_.kill9();
  broker_->kill9();
}

bool Stack::stop() {
  bool clean = true;
  for (testing::Process* p : {&agent_, &relay_, &erp_, &clarus_}) {
    if (!p->running()) continue;
    int code = p->terminate(Millis(10'000));
    clean = clean && code == 0;
  }
  broker_->kill9();  // mosquitto keeps nothing we need
  return clean;
}

namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

constexpr char kClarusSecret[] = "clarus-client-secret-1";
constexpr char kWebhookSecret[] = "hook-secret-for-tests-0001";
constexpr char kClarusSubdomain[] = "acme";

// Applies `key = value` lines over the defaults: a key given again replaces its default.
void apply_overrides(Settings& settings, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    size_t eq = line.find('=');
    std::string key = line.substr(0, eq), value = eq == std::string::npos ? "" : line.substr(eq + 1);
    while (!key.empty() && key.back() == ' ') key.pop_back();
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    bool replaced = false;
    for (auto& [k, v] : settings) {
      if (k == key) {
        v = value;
        replaced = true;
      }
    }
    if (!replaced) settings.emplace_back(key, value);
  }
}

void write(const std::string& path, const Settings& settings) {
  std::ofstream out(path);
  out << "# written by the test stack\n";
  for (const auto& [k, v] : settings) out << k << " = " << v << "\n";
}

}  // namespace

void Stack::write_configs() {
  const std::string level = options_.quiet_logs ? "warn" : "info";
  Settings agent = {
      {"site.id", options_.site_id},
      {"journal.path", dir_->file("agent-journal")},
      {"intake.port", std::to_string(agent_port_)},
      {"mqtt.server_uri", broker_->uri()},
      {"mqtt.keepalive", "5s"},
      {"forward.drain_rate", "0"},
      {"forward.ack_timeout", "3s"},
      {"forward.state_interval", "1s"},
      {"log.level", level},
  };
  if (options_.with_clarus) {
    std::ofstream(dir_->file("clarus-client-secret")) << kClarusSecret << "\n";
    std::ofstream(dir_->file("clarus-webhook-secret")) << kWebhookSecret << "\n";
    Settings clarus = {
        {"clarus.base_url", clarus_url()},
        {"clarus.subdomain", kClarusSubdomain},
        {"clarus.client_id", "stockbridge"},
        {"clarus.client_secret_file", dir_->file("clarus-client-secret")},
        {"clarus.timeout", "2s"},
        {"clarus.webhooks", options_.clarus_webhooks ? "true" : "false"},
        {"clarus.webhook_secret_file", dir_->file("clarus-webhook-secret")},
        {"clarus.automation_ids", "1001,1002,1003,1004,1005,1006"},
        {"clarus.sweep_interval", options_.clarus_sweep_interval},
        {"clarus.snapshot_interval", "30s"},
        {"downlink.retry_max", "2s"},
    };
    agent.insert(agent.end(), clarus.begin(), clarus.end());
  }
  if (options_.https_fallback_after.count() > 0) {
    agent.emplace_back("relay.uplink_url", relay_url());
    agent.emplace_back("relay.https_fallback_after", std::to_string(options_.https_fallback_after.count()) + "ms");
  }
  apply_overrides(agent, options_.agent_settings);
  write(dir_->file("agent.conf"), agent);
  Settings relay = {
      {"ledger.path", dir_->file("relay-ledger")},
      {"http.port", std::to_string(relay_port_)},
      {"mqtt.server_uri", broker_->uri()},
      {"mqtt.keepalive", "5s"},
      {"erp.base_url", erp_url()},
      {"erp.location_map", "WH1=1,WH2=2"},
      {"erp.timeout", "2s"},
      {"poster.backoff_base", "50ms"},
      {"poster.backoff_cap", "1s"},
      {"log.level", level},
  };
  apply_overrides(relay, options_.relay_settings);
  write(dir_->file("relay.conf"), relay);
}

Status Stack::wait_http(const std::string& url, testing::Process& p, const char* what) {
  bool up = testing::wait_until(
      [&] {
        if (!p.running()) return true;
        ClientRequest req;
        req.url = url;
        req.timeout = Millis(1000);
        Result<HttpResponse> r = http_->send(req);
        return r.ok() && r->status == 200;
      },
      Millis(20'000), Millis(50));
  if (!up || !p.running()) {
    return Status::Unavailable(std::string(what) + " did not come up; its log ends:\n" + p.log_tail(30));
  }
  return Status::Ok();
}

Status Stack::start_broker() {
  SB_RETURN_IF_ERROR(broker_->start());
  if (!broker_->wait_ready(Millis(10'000))) return Status::Unavailable("mosquitto did not start:\n" + broker_->log_tail());
  return Status::Ok();
}

Status Stack::start_erp() {
  std::vector<std::string> argv = {options_.bin_dir + "/tests/sim/erp/stockbridge-erp-sim", "--port",
                                   std::to_string(erp_port_), "--concurrency-limit",
                                   std::to_string(options_.erp_concurrency_limit), "--latency-ms",
                                   std::to_string(options_.erp_latency_ms), "--seed-items",
                                   std::to_string(options_.erp_seed_items)};
  if (!options_.erp_unique_external_id) argv.push_back("--no-unique-external-id");
  SB_RETURN_IF_ERROR(erp_.spawn(argv, {}, dir_->file("erp-sim.log")));
  return wait_http(erp_url() + "/_sim/stats", erp_, "the ERP simulator");
}

Status Stack::start_relay() {
  SB_RETURN_IF_ERROR(relay_.spawn({options_.bin_dir + "/relay/stockbridge-relay", "--config", dir_->file("relay.conf")},
                                  {}, dir_->file("relay.log")));
  return wait_http(relay_url() + "/healthz", relay_, "the relay");
}

Status Stack::start_agent() {
  SB_RETURN_IF_ERROR(agent_.spawn({options_.bin_dir + "/agent/stockbridge-agent", "--config", dir_->file("agent.conf")},
                                  {}, dir_->file("agent.log")));
  return wait_http(agent_url() + "/healthz", agent_, "the agent");
}

std::string Stack::clarus_webhook_secret() { return kWebhookSecret; }

Status Stack::start_clarus() {
  char rate[32], dup[32];
  std::snprintf(rate, sizeof rate, "%g", options_.clarus_rate);
  std::snprintf(dup, sizeof dup, "%g", options_.clarus_duplicate_webhooks);
  std::vector<std::string> argv = {options_.bin_dir + "/tests/sim/clarus/stockbridge-clarus-sim",
                                   "--port", std::to_string(clarus_port_),
                                   "--client-id", "stockbridge",
                                   "--client-secret", kClarusSecret,
                                   "--subdomain", kClarusSubdomain,
                                   "--seed", std::to_string(options_.clarus_seed),
                                   "--rate", rate,
                                   "--duplicate-webhooks", dup,
                                   "--automation-id-base", "1000"};
  if (options_.clarus_webhooks) {
    argv.push_back("--webhook-url");
    argv.push_back(agent_url() + "/clarus/webhooks/" + kWebhookSecret);
  }
  argv.insert(argv.end(), options_.clarus_args.begin(), options_.clarus_args.end());
  SB_RETURN_IF_ERROR(clarus_.spawn(argv, {}, dir_->file("clarus-sim.log")));
  return wait_http(clarus_url() + "/_sim/stats", clarus_, "the Clarus simulator");
}

Status Stack::restart_clarus() {
  SB_RETURN_IF_ERROR(clarus_.restart());
  return wait_http(clarus_url() + "/_sim/stats", clarus_, "the Clarus simulator");
}

Result<Json> Stack::clarus_post(const std::string& path, const std::string& json) {
  ClientRequest req;
  req.method = "POST";
  req.url = clarus_url() + path;
  req.body = json;
  req.timeout = Millis(30'000);
  Result<HttpResponse> r = http_->send(req);
  if (!r.ok()) return r.status();
  if (r->status / 100 != 2) return Status::InvalidArgument(path + " answered " + std::to_string(r->status) + ": " + r->body);
  if (r->body.empty()) return Json::object();
  return Json::parse(r->body);
}

std::string Stack::relay_event_state(const std::string& event_id) {
  ClientRequest req;
  req.url = relay_url() + "/api/events/" + url_encode(event_id);
  req.timeout = Millis(5'000);
  Result<HttpResponse> r = http_->send(req);
  if (!r.ok() || r->status != 200) return "";
  Result<Json> j = Json::parse(r->body);
  return j.ok() ? j->get_string("state") : "";
}

Status Stack::start() {
  SB_RETURN_IF_ERROR(start_broker());
  if (options_.with_clarus) SB_RETURN_IF_ERROR(start_clarus());
  SB_RETURN_IF_ERROR(start_erp());
  SB_RETURN_IF_ERROR(start_relay());
  return start_agent();
}

Status Stack::restart_agent() {
  SB_RETURN_IF_ERROR(agent_.restart());
  return wait_http(agent_url() + "/healthz", agent_, "the agent");
}

Status Stack::restart_relay() {
  SB_RETURN_IF_ERROR(relay_.restart());
  return wait_http(relay_url() + "/healthz", relay_, "the relay");
}

Status Stack::restart_broker() {
  SB_RETURN_IF_ERROR(broker_->restart());
  if (!broker_->wait_ready(Millis(10'000))) return Status::Unavailable("mosquitto did not restart:\n" + broker_->log_tail());
  return Status::Ok();
}

Result<Json> Stack::get_json(const std::string& url) {
  ClientRequest req;
  req.url = url;
  req.timeout = Millis(10'000);
  Result<HttpResponse> r = http_->send(req);
  if (!r.ok()) return r.status();
  if (r->status != 200) return Status::Unavailable(url + " answered " + std::to_string(r->status) + ": " + r->body);
  return Json::parse(r->body);
}

Status Stack::set_erp_faults(const std::string& json) {
  ClientRequest req;
  req.method = "POST";
  req.url = erp_url() + "/_sim/faults";
  req.body = json;
  Result<HttpResponse> r = http_->send(req);
  if (!r.ok()) return r.status();
  if (r->status != 200) return Status::InvalidArgument("faults refused: " + r->body);
  return Status::Ok();
}

Status Stack::seed_erp(const std::string& json) {
  ClientRequest req;
  req.method = "POST";
  req.url = erp_url() + "/_sim/seed";
  req.body = json;
  Result<HttpResponse> r = http_->send(req);
  if (!r.ok()) return r.status();
  if (r->status != 200) return Status::InvalidArgument("seed refused: " + r->body);
  return Status::Ok();
}

int64_t Stack::erp_created() {
  Result<Json> s = erp_stats();
  if (!s.ok()) return -1;
  const Json* c = s->find("created");
  int64_t n = -1;
  if (c) c->as_int64(&n);
  return n;
}

std::string Stack::logs(size_t lines) {
  return "--- agent ---\n" + agent_.log_tail(lines) + "\n--- relay ---\n" + relay_.log_tail(lines) +
         "\n--- erp sim ---\n" + erp_.log_tail(lines) + "\n--- mosquitto ---\n" + broker_->log_tail(lines);
}

}  // namespace sb::e2e
