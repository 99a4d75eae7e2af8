#include "erp_simulator.h"

#include <chrono>

#include "admin_api.h"
#include "http_listener.h"
#include "inventory_adjustment.h"
#include "on_hand.h"
#include "master_records.h"
#include "netsuite_error.h"
#include "order_records.h"
#include "suiteql.h"
#include "transforms.h"

namespace sb::erpsim {
namespace {

SimOutcome answer(SimResponse response) { return {std::move(response), ConnectionFate::kAnswer}; }

// A fault decided before the handler: the answer that replaces the handler's.
SimOutcome injected_failure(FaultKind fault, int retry_after_s) {
  switch (fault) {
    case FaultKind::kError500:
      return answer(netsuite_error(500, error_code::kUnexpectedError,
                                   "An unexpected error occurred. Error ID: sim-injected-500"));
    case FaultKind::kError503:
      return answer(netsuite_error(503, error_code::kServiceUnavailable,
                                   "The service is temporarily unavailable. Try again later."));
    case FaultKind::kThrottle429:
      return answer(too_many_requests(retry_after_s));
    default:
      return {SimResponse{}, ConnectionFate::kReset};
  }
}

// A handler that throws must not take the connection thread down; NetSuite
// would answer 500 too.
SimResponse call(const Route& route, const SimRequest& request, const RouteParams& params) {
  try {
    return route.handler(request, params);
  } catch (const std::exception& e) {
    return netsuite_error(500, error_code::kUnexpectedError, std::string("An unexpected error occurred: ") + e.what());
  }
}

// The token issuer the options set up; a certificate it cannot use goes into *error.
std::unique_ptr<OAuth2Issuer> make_issuer(const SimOptions& options, std::string* error) {
  auto issuer = std::make_unique<OAuth2Issuer>(options.oauth2_client_id, options.oauth2_token_ttl_s);
  for (const auto& [kid, pem] : options.oauth2_certificates) {
    if (std::string why = issuer->add_certificate(kid, pem); !why.empty() && error->empty())
      *error = "OAuth 2.0 certificate " + kid + ": " + why;
  }
  return issuer;
}

}  // namespace

ErpSimulator::ErpSimulator(SimOptions options)
    : options_(std::move(options)),
      gate_(options_.concurrency_limit),
      oauth2_(make_issuer(options_, &setup_error_)),
      auth_(make_authenticator(options_, {}, oauth2_->configured() ? oauth2_.get() : nullptr)) {
  seed_default_master_data(store_, options_.seed_items);
  // Each record family adds its own routes.
  add_inventory_adjustment_routes(routes_, store_, options_);
  add_master_record_routes(routes_, store_);
  add_order_record_routes(routes_, store_);
  add_transform_routes(routes_, store_, options_);
  add_suiteql_routes(routes_, store_, options_);
  add_admin_routes(routes_, AdminTargets{store_, faults_, stats_, gate_});
  add_on_hand_routes(routes_, store_);
  routes_.add("POST", kOAuth2TokenPath, RequestKind::kToken,
              [this](const SimRequest& r, const RouteParams&) { return oauth2_->token(r); });
}

ErpSimulator::~ErpSimulator() { stop(); }

std::string ErpSimulator::start() {
  if (listener_) return "already started";
  if (!setup_error_.empty()) return setup_error_;
  stop_.rearm();
  auto listener = std::make_unique<HttpListener>([this](const SimRequest& r) { return handle(r); });
  if (std::string error = listener->start(options_.bind, static_cast<uint16_t>(options_.port),
                                          options_.server_threads);
      !error.empty())
    return error;
  listener_ = std::move(listener);
  return "";
}

void ErpSimulator::stop() {
  stop_.stop();  // first, so no request thread is left sleeping while the listener waits for it
  if (listener_) listener_->stop();
  listener_.reset();
}

uint16_t ErpSimulator::port() const { return listener_ ? listener_->port() : 0; }

std::string ErpSimulator::url() const { return "http://" + options_.bind + ":" + std::to_string(port()); }

SimOutcome ErpSimulator::handle(const SimRequest& request) {
  RouteMatch match = routes_.match(request.method, request.path);
  if (!match.route) {
    if (match.allowed.empty())
      return answer(netsuite_error(404, error_code::kInvalidUrl,
                                   "The requested URL " + request.path + " does not exist on this server."));
    SimResponse response = netsuite_error(405, error_code::kMethodNotAllowed,
                                          "Method " + request.method + " is not allowed on " + request.path + ".");
    std::string allow;
    for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
    response.headers.emplace_back("Allow", allow);
    return answer(response);
  }
  // The token endpoint checks its own credentials (the client assertion) and
  // is not part of the account's request pool.
  if (match.route->kind == RequestKind::kAdmin || match.route->kind == RequestKind::kToken)
    return answer(call(*match.route, request, match.params));
  return handle_record_request(*match.route, match.params, request);
}

SimOutcome ErpSimulator::handle_record_request(const Route& route, const RouteParams& params,
                                               const SimRequest& request) {
  ++stats_.requests;
  if (!auth_->admits(request)) {
    ++stats_.rejected;
    return answer(invalid_login());
  }
  // Refused at once, never queued: that is how NetSuite's pool behaves, and
  // what lets a client measure its own concurrency.
  GateSlot slot(gate_);
  if (!slot.held()) {
    ++stats_.throttled;
    return answer(too_many_requests(options_.retry_after_s));
  }
  const bool is_write = route.kind == RequestKind::kRecordWrite;
  FaultDecision before = faults_.before(is_write);
  stop_.sleep_for(std::chrono::milliseconds(options_.latency_ms + before.delay_ms));
  if (before.fault != FaultKind::kNone) return injected_failure(before.fault, options_.retry_after_s);

  SimResponse response = call(route, request, params);
  if (response.status >= 400 && response.status < 500 && response.status != 429) ++stats_.rejected;
  if (!response.created) return answer(std::move(response));
  ++stats_.created;

  FaultDecision after = faults_.after_create(is_write);
  if (after.fault == FaultKind::kResetAfterCreate) return {SimResponse{}, ConnectionFate::kReset};
  if (after.fault == FaultKind::kTimeoutAfterCreate) {
    // The slot stays held while hanging: NetSuite counts a request against
    // the pool until it finishes on its side, whatever the client gave up.
    stop_.sleep_for(std::chrono::milliseconds(after.delay_ms));
    return {SimResponse{}, ConnectionFate::kClose};
  }
  return answer(std::move(response));
}

}  // namespace sb::erpsim
