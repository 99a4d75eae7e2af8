#include "clarus_simulator.h"

#include <chrono>

#include "api_support.h"
#include "platform/core/log.h"

namespace sb::clarus_sim {
namespace {

std::string normalise_prefix(std::string prefix) {
  if (!prefix.empty() && prefix.front() != '/') prefix.insert(prefix.begin(), '/');
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return prefix;
}

}  // namespace

ClarusSimulator::ClarusSimulator(SimOptions options) : options_(std::move(options)) {
  options_.rest_prefix = normalise_prefix(options_.rest_prefix);
  const Clock& clock = options_.clock ? *options_.clock : SystemClock::instance();
  core_ = std::make_unique<SimCore>(options_, clock);
}

ClarusSimulator::~ClarusSimulator() { stop(); }

Status ClarusSimulator::start() {
  HttpServerOptions http;
  http.bind_address = options_.bind;
  http.port = static_cast<uint16_t>(options_.port);
  http.max_threads = options_.server_threads;
  auto server = start_http_server(http, build_router());
  if (!server.ok()) return server.status();
  server_ = std::move(server.value());
  core_->webhooks.start();
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = false;
  }
  clock_thread_ = std::thread([this] { run_warehouse_clock(); });
  log::info("clarus-sim", "listening",
            {{"url", url()}, {"rest_prefix", options_.rest_prefix}, {"subdomain", options_.subdomain},
             {"seed", static_cast<int64_t>(options_.seed)}, {"rate", options_.rate}});
  return Status::Ok();
}

void ClarusSimulator::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (clock_thread_.joinable()) clock_thread_.join();
  if (server_) server_->stop();
  core_->webhooks.stop();
}

uint16_t ClarusSimulator::port() const { return server_ ? server_->port() : 0; }

std::string ClarusSimulator::url() const {
  std::string host = options_.bind == "0.0.0.0" ? "127.0.0.1" : options_.bind;
  return "http://" + host + ":" + std::to_string(port());
}

Json ClarusSimulator::step_warehouse(int steps, const std::set<std::string>& only) {
  return core_->step_warehouse(steps, only);
}

void ClarusSimulator::run_warehouse_clock() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    double rate = core_->rate.load();
    auto pause = rate > 0 ? std::chrono::microseconds(static_cast<int64_t>(1e6 / rate)) : std::chrono::microseconds(200'000);
    if (stop_cv_.wait_for(lock, pause, [this] { return stopping_; })) break;
    // Read again after the pause: a rate set to 0 meanwhile stops the warehouse
    // now, so a test that stopped it sees no action after its request returned.
    if (rate <= 0 || core_->rate.load() <= 0) continue;
    lock.unlock();
    core_->step_warehouse(1, {});
    lock.lock();
  }
}

std::optional<HttpResponse> ClarusSimulator::fault_answer(const HttpRequest& request) {
  FaultPlan plan;
  bool five_hundred = false;
  {
    std::lock_guard lock(core_->mutex);
    plan = core_->faults;
    std::uniform_real_distribution<double> roll(0.0, 1.0);
    five_hundred = plan.error_5xx_rate > 0 && roll(core_->fault_rng) < plan.error_5xx_rate;
    ++core_->counters["requests"];
    if (plan.down) ++core_->counters["fault_down_503"];
    else if (five_hundred) ++core_->counters["fault_5xx"];
  }
  if (plan.down) return HttpResponse::error(503, "service unavailable (simulated outage)");
  if (plan.latency_ms > 0) {
    std::unique_lock lock(stop_mutex_);
    stop_cv_.wait_for(lock, std::chrono::milliseconds(plan.latency_ms), [this] { return stopping_; });
  }
  if (five_hundred) {
    // Alternate the two a real outage shows: 500 from the app, 503 from the balancer.
    return request.path.size() % 2 ? HttpResponse::error(500, "internal server error (simulated)")
                                    : HttpResponse::error(503, "service unavailable (simulated)");
  }
  return std::nullopt;
}

HttpResponse ClarusSimulator::api_call(const RouteSpec& route, const HttpRequest& request) {
  if (auto faulted = fault_answer(request)) return *faulted;
  if (std::string why = core_->oauth.check(request); !why.empty()) {
    std::lock_guard lock(core_->mutex);
    ++core_->counters["unauthorized"];
    return HttpResponse::error(401, why);
  }
  if (route.create) {
    // Creates roll reject_creates_rate only once authenticated: a rejection is a business answer.
    std::lock_guard lock(core_->mutex);
    std::uniform_real_distribution<double> roll(0.0, 1.0);
    if (core_->faults.reject_creates_rate > 0 && roll(core_->fault_rng) < core_->faults.reject_creates_rate) {
      ++core_->counters["fault_rejected_creates"];
      return api_error(422, "simulated rejection: the request was refused by the warehouse system");
    }
  }
  HttpResponse response = core_->locked([&] {
    HttpResponse r = route.handler(request, core_->model);
    ++core_->counters["answers_" + std::to_string(r.status / 100) + "xx"];
    return r;
  });
  if (request.method != "GET") {
    log::info("clarus-sim", "api", {{"method", request.method}, {"path", request.path}, {"status", response.status}});
  }
  return response;
}

std::shared_ptr<Router> ClarusSimulator::build_router() {
  auto router = std::make_shared<Router>();
  router->add("POST", "/oauth/token", [this](const HttpRequest& req) {
    if (auto faulted = fault_answer(req)) return *faulted;
    HttpResponse r = core_->oauth.issue(req);
    log::info("clarus-sim", r.status == 200 ? "token issued" : "token refused", {{"status", r.status}});
    return r;
  });
  router->add("POST", "/graphql", [this](const HttpRequest& req) {
    if (auto faulted = fault_answer(req)) return *faulted;
    if (std::string why = core_->oauth.check(req); !why.empty()) {
      std::lock_guard lock(core_->mutex);
      ++core_->counters["unauthorized"];
      return HttpResponse::error(401, why);
    }
    std::lock_guard lock(core_->mutex);
    ++core_->counters["graphql_queries"];
    GraphqlAnswer answer = execute_graphql(core_->schema, req.body);
    return HttpResponse::json(answer.status, std::move(answer.body));
  });
  RouteList routes;
  add_product_routes(routes);
  add_goods_out_routes(routes);
  add_receipt_routes(routes);
  add_stock_routes(routes);
  add_reference_routes(routes);
  for (const auto& spec : routes) {
    router->add(spec.method, options_.rest_prefix + spec.path,
                [this, spec](const HttpRequest& req) { return api_call(spec, req); });
  }
  add_admin_routes(*router, *core_);
  return router;
}

}  // namespace sb::clarus_sim
