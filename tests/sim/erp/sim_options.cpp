#include "sim_options.h"

#include <charconv>

#include "sim_flags.h"

namespace sb::erpsim {
namespace {

// An integer flag accepting min..max.
sim::Flag int_flag(std::string name, std::string value_name, std::string description, int min, int max, int& target) {
  return {name, std::move(value_name), std::move(description), [name, min, max, &target](const std::string& value) {
            int number = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
            if (ec != std::errc() || end != value.data() + value.size() || number < min || number > max) {
              return "--" + name + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                     ", got '" + value + "'";
            }
            target = number;
            return std::string();
          }};
}

// The settings table, filling `o`.
std::vector<sim::Flag> settings(SimOptions& o) {
  return {
      sim::text_flag("bind", "ADDR", "address to listen on (default 127.0.0.1)", o.bind),
      int_flag("port", "N", "port to listen on; 0 = any free port (default 0)", 0, 65535, o.port),
      sim::text_flag("port-file", "PATH", "write the bound port here once listening", o.port_file),
      sim::text_flag("account", "ID",
                     "NetSuite account id, the realm TBA requests must name, e.g. 1234567_SB1 (default 1234567)",
                     o.account),
      int_flag("concurrency-limit", "N",
               "record/query requests served at once; more get 429 (default 15; 0 = unlimited)", 0, 100000,
               o.concurrency_limit),
      int_flag("latency-ms", "MS", "added to every record/query request (default 0)", 0, 3600000, o.latency_ms),
      int_flag("retry-after-s", "S", "Retry-After on 429 answers (default 1)", 0, 86400, o.retry_after_s),
      sim::switch_flag("no-unique-external-id",
                       "accept a reused externalId instead of DUP_RCRD, so audits can see duplicates",
                       [&o] { o.unique_external_id = false; }),
      sim::text_flag("bearer", "TOKEN", "require 'Authorization: Bearer TOKEN' on record/query requests", o.bearer),
      sim::text_flag("tba-consumer-key", "KEY",
                     "require NetSuite TBA (OAuth 1.0a HMAC-SHA256) on record/query requests; with --bearer, either "
                     "is accepted",
                     o.tba_consumer_key),
      sim::text_flag("tba-consumer-secret", "SECRET", "TBA consumer secret", o.tba_consumer_secret),
      sim::text_flag("tba-token", "ID", "TBA token id", o.tba_token),
      sim::text_flag("tba-token-secret", "SECRET", "TBA token secret", o.tba_token_secret),
      int_flag("seed-items", "N",
               "inventory items SKU-0001..SKU-N with ids 1000+n, plus locations 1,2,6 and account 1 (default 500)",
               0, 1000000, o.seed_items),
      int_flag("threads", "N", "server threads (default 64)", 1, 1024, o.server_threads),
      sim::help_flag(o.help),
  };
}

}  // namespace

ParsedOptions parse_options(const std::vector<std::string>& args) {
  ParsedOptions parsed = sim::parse_settings<ParsedOptions>(args, settings);
  const SimOptions& o = parsed.options;
  const bool any_tba = !o.tba_consumer_key.empty() || !o.tba_consumer_secret.empty() || !o.tba_token.empty() ||
                       !o.tba_token_secret.empty();
  const bool all_tba = !o.tba_consumer_key.empty() && !o.tba_consumer_secret.empty() && !o.tba_token.empty() &&
                       !o.tba_token_secret.empty();
  if (parsed.error.empty() && any_tba && !all_tba)
    parsed.error = "--tba-consumer-key, --tba-consumer-secret, --tba-token and --tba-token-secret go together";
  if (parsed.error.empty() && any_tba && o.account.empty()) parsed.error = "--account must be set for TBA (the realm)";
  return parsed;
}

std::string usage() {
  return sim::settings_usage(
      "usage: stockbridge-erp-sim [options]\n"
      "A NetSuite REST record API simulator with fault injection (admin endpoints under /_sim).\n\n",
      settings);
}

}  // namespace sb::erpsim
