#include "sim_options.h"

#include <cstdlib>
#include <sstream>

#include "sim_flags.h"

namespace sb::clarus_sim {
namespace {

// A number flag accepting min..max; `whole` ones must be integers. Stores the
// number through `store`.
sim::Flag number_flag(std::string name, std::string value_name, std::string description, bool whole_only,
                      double min, double max, std::function<void(double)> store) {
  return {name, std::move(value_name), std::move(description),
          [name, whole_only, min, max, store = std::move(store)](const std::string& value) {
            char* end = nullptr;
            double number = std::strtod(value.c_str(), &end);
            bool whole = !whole_only || number == static_cast<double>(static_cast<int64_t>(number));
            if (value.empty() || *end != '\0' || !whole || number < min || number > max) {
              std::ostringstream why;
              why << "--" << name << " must be " << (whole_only ? "an integer" : "a number") << " from " << min
                  << " to " << max << ", got '" << value << "'";
              return why.str();
            }
            store(number);
            return std::string();
          }};
}

template <class Int>
sim::Flag int_flag(std::string name, std::string value_name, std::string description, double min, double max,
                   Int& target) {
  return number_flag(std::move(name), std::move(value_name), std::move(description), true, min, max,
                     [&target](double n) { target = static_cast<Int>(n); });
}

sim::Flag rate_flag(std::string name, std::string value_name, std::string description, double min, double max,
                    double& target) {
  return number_flag(std::move(name), std::move(value_name), std::move(description), false, min, max,
                     [&target](double n) { target = n; });
}

// The settings table, filling `o`.
std::vector<sim::Flag> settings(SimOptions& o) {
  return {
      sim::text_flag("bind", "ADDR", "address to listen on (default 127.0.0.1)", o.bind),
      int_flag("port", "N", "port to listen on; 0 = any free port (default 0)", 0, 65535, o.port),
      sim::text_flag("port-file", "PATH", "write the bound port here once listening", o.port_file),
      sim::text_flag("client-id", "ID", "OAuth client id (default stockbridge)", o.client_id),
      sim::text_flag("client-secret", "SECRET", "OAuth client secret (default stockbridge-secret)", o.client_secret),
      sim::text_flag("subdomain", "NAME",
                     "tenant: the X-Clarus-Subdomain every call must carry (default stockbridge)", o.subdomain),
      int_flag("token-ttl", "S", "access token lifetime in seconds (default 3600)", 1, 100000000, o.token_ttl_s),
      int_flag("seed", "N", "seed of every random choice; same seed + same inputs = same actions (default 1)", 0,
               2e9, o.seed),
      rate_flag("rate", "PER_S", "warehouse actions per second; 0 = only POST /_sim/warehouse/step (default 0)", 0,
                1000, o.rate),
      int_flag("seed-products", "N", "products SKU-0001..SKU-N with stock at start and reset (default 20)", 0, 100000,
               o.seed_products),
      sim::text_flag("rest-prefix", "PATH", "REST path prefix (default /api; e.g. /api/v1)", o.rest_prefix),
      sim::text_flag("webhook-url", "URL", "create automations for all six triggers posting here", o.webhook_url),
      int_flag("automation-id-base", "N", "automation ids are N+1, N+2, ... (default 1000)", 0, 1e9,
               o.automation_id_base),
      sim::text_flag("api-domain", "HOST", "X-ClarusWMS-API-Domain on webhooks (default clarus-api.com)",
                     o.api_domain),
      rate_flag("duplicate-webhooks", "RATE", "share of webhooks delivered twice (default 0.05)", 0, 1,
                o.duplicate_webhooks_rate),
      rate_flag("drop-webhooks", "RATE", "share of webhooks never sent (default 0)", 0, 1, o.drop_webhooks_rate),
      int_flag("webhook-attempts", "N", "tries per webhook on non-2xx before it counts failed (default 4)", 1, 100,
               o.webhook_attempts),
      int_flag("webhook-retry-ms", "MS", "first webhook retry delay, doubling per attempt (default 500)", 0, 600000,
               o.webhook_retry_ms),
      int_flag("threads", "N", "server threads (default 16)", 1, 1024, o.server_threads),
      sim::help_flag(o.help),
  };
}

}  // namespace

ParsedOptions parse_options(const std::vector<std::string>& args) {
  return sim::parse_settings<ParsedOptions>(args, settings);
}

std::string usage() {
  return sim::settings_usage(
      "usage: stockbridge-clarus-sim [options]\n"
      "A Clarus WMS simulator: OAuth, REST, GraphQL, webhook automations, a scripted warehouse and\n"
      "fault injection (admin endpoints under /_sim). See tests/sim/clarus/README.md.\n\n",
      settings);
}

}  // namespace sb::clarus_sim
