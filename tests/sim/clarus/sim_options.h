// The simulator's settings, declared once in a table (sim_options.cpp) that
// drives command-line parsing, validation messages and --help.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/core/clock.h"

namespace sb::clarus_sim {

struct SimOptions {
  std::string bind = "127.0.0.1";
  int port = 0;                   // 0 = any free port
  std::string port_file;          // written once listening ("" = none)
  std::string client_id = "stockbridge";
  std::string client_secret = "stockbridge-secret";
  std::string subdomain = "stockbridge";
  int64_t token_ttl_s = 3600;
  uint64_t seed = 1;              // the warehouse's, the faults' and the webhooks' random choices
  double rate = 0;                // warehouse actions per second; 0 = only POST /_sim/warehouse/step
  int seed_products = 20;         // SKU-0001..SKU-N with stock
  std::string rest_prefix = "/api";
  std::string webhook_url;        // "" = no automations at start; else all six triggers point here
  int64_t automation_id_base = 1000;
  std::string api_domain = "clarus-api.com";  // X-ClarusWMS-API-Domain
  double duplicate_webhooks_rate = 0.05;
  double drop_webhooks_rate = 0;
  int webhook_attempts = 4;       // tries per webhook before it counts as failed
  int64_t webhook_retry_ms = 500; // first retry delay; doubles per attempt
  int server_threads = 16;
  bool help = false;
  // Tests inject a ManualClock to step past token expiry; null = the system clock.
  const Clock* clock = nullptr;
};

struct ParsedOptions {
  SimOptions options;
  std::string error;  // "" when the command line was valid
};

ParsedOptions parse_options(const std::vector<std::string>& args);

// The --help text, generated from the settings table.
std::string usage();

}  // namespace sb::clarus_sim
