#include "sim_options.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "oauth2_token.h"
#include "sim_flags.h"
#include "suiteql.h"

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
      sim::text_flag("oauth2-client-id", "ID",
                     "serve OAuth 2.0 client credentials (M2M) at POST /services/rest/auth/oauth2/v1/token for this "
                     "client id (the JWT's iss); record/query requests then also accept the tokens it issues",
                     o.oauth2_client_id),
      sim::text_flag("oauth2-certificate-id", "KID", "certificate id of --oauth2-public-key (the JWT's kid)",
                     o.oauth2_certificate_id),
      sim::text_flag("oauth2-public-key", "FILE",
                     "PEM public key or certificate (RSA for PS256, P-256 EC for ES256) the client's JWTs are "
                     "verified with",
                     o.oauth2_public_key_file),
      int_flag("oauth2-token-ttl-s", "S", "lifetime of an issued access token (default 3600)", 1, 86400,
               o.oauth2_token_ttl_s),
      int_flag("over-receipt-percent", "P",
               "the account's over-receipt allowance: a purchase order line may be received up to P% of its ordered "
               "quantity beyond it (default 0: not beyond what is open)",
               0, 1000, o.over_receipt_percent),
      int_flag("seed-items", "N",
               "inventory items SKU-0001..SKU-N with ids 1000+n, plus locations 1,2,6 and account 1 (default 500)",
               0, 1000000, o.seed_items),
      int_flag("threads", "N", "server threads (default 64)", 1, 1024, o.server_threads),
      {"date-format", "FMT",
       "the account's date format, as SuiteQL returns dates and reads date literals: M/D/YYYY (default), "
       "D/M/YYYY, YYYY-MM-DD, ... (suiteql.h)",
       [&o](const std::string& value) {
         DateFormat format;
         if (std::string why = DateFormat::from_account_preference(value, &format); !why.empty())
           return "--date-format: " + why;
         o.date_format = value;
         return std::string();
       }},
      sim::help_flag(o.help),
  };
}

// The three OAuth 2.0 flags go together; the key file is read and checked now,
// so a bad one is a command-line error rather than a simulator that refuses
// every assertion.
std::string load_oauth2_certificate(SimOptions& o) {
  const int given = !o.oauth2_client_id.empty() + !o.oauth2_certificate_id.empty() + !o.oauth2_public_key_file.empty();
  if (given == 0) return "";
  if (given != 3) return "--oauth2-client-id, --oauth2-certificate-id and --oauth2-public-key go together";
  std::ifstream in(o.oauth2_public_key_file, std::ios::binary);
  if (!in.is_open()) return "--oauth2-public-key: cannot read " + o.oauth2_public_key_file;
  std::stringstream pem;
  pem << in.rdbuf();
  if (std::string why = check_oauth2_public_key(pem.str()); !why.empty())
    return "--oauth2-public-key: " + o.oauth2_public_key_file + ": " + why;
  o.oauth2_certificates[o.oauth2_certificate_id] = pem.str();
  return "";
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
  if (parsed.error.empty()) parsed.error = load_oauth2_certificate(parsed.options);
  return parsed;
}

std::string usage() {
  return sim::settings_usage(
      "usage: stockbridge-erp-sim [options]\n"
      "A NetSuite REST record API simulator with fault injection (admin endpoints under /_sim).\n\n",
      settings);
}

}  // namespace sb::erpsim
