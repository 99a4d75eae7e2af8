// SimCore: the state one simulator run shares between its HTTP handlers, the
// warehouse clock thread and the admin API. `mutex` guards model, warehouse,
// faults, fault_rng and counters; the OAuth server and the webhook sender lock
// themselves. Webhooks raised under the lock are sent after it is released.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include "automations.h"
#include "faults.h"
#include "graphql.h"
#include "model.h"
#include "oauth.h"
#include "scripted_warehouse.h"
#include "sim_options.h"
#include "webhook_sender.h"

namespace sb::clarus_sim {

struct SimCore {
  SimCore(SimOptions options, const Clock& clock);

  SimOptions options;
  const Clock& clock;
  TenantIdentity tenant;

  std::mutex mutex;
  ClarusModel model;
  ScriptedWarehouse warehouse;
  FaultPlan faults;
  std::mt19937_64 fault_rng;
  std::map<std::string, int64_t> counters;  // requests, answers by status, faults, warehouse actions
  GraphqlSchema schema;                     // reads `model`; execute with `mutex` held

  OAuthServer oauth;
  WebhookSender webhooks;
  std::atomic<double> rate{0};

  // Runs f with the lock held, then hands the webhooks it raised to the sender.
  template <typename F>
  auto locked(F&& f) {
    std::vector<WebhookDelivery> deliveries;
    std::unique_lock lock(mutex);
    auto result = f();
    for (const auto& event : model.outbox) {
      auto more = deliveries_for(model, event, tenant);
      deliveries.insert(deliveries.end(), more.begin(), more.end());
    }
    model.outbox.clear();
    lock.unlock();
    webhooks.enqueue(std::move(deliveries));
    return result;
  }

  // Forgets everything and seeds as at start (lock held by the caller).
  void reset_model();
  // Automations for all six triggers posting to url (lock held by the caller).
  Json create_trigger_automations(const std::string& url);
  // N warehouse actions; the list of what was done (takes the lock).
  Json step_warehouse(int steps, const std::set<std::string>& only);
  Json stats();
  Json state();
};

// /_sim/* (never authenticated, never faulted).
void add_admin_routes(Router& router, SimCore& core);

}  // namespace sb::clarus_sim
