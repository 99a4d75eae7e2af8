// The simulator's settings, declared once in a table (sim_options.cpp) that
// drives command-line parsing, validation messages and --help.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sb::erpsim {

struct SimOptions {
  std::string bind = "127.0.0.1";
  int port = 0;                       // 0 = any free port
  std::string port_file;              // written once listening ("" = none)
  std::string account = "1234567";    // NetSuite account id; the realm TBA requests must name
  int concurrency_limit = 15;         // record/query requests served at once; 0 = unlimited
  int latency_ms = 0;                 // added to every record/query request
  int retry_after_s = 1;              // Retry-After on every 429
  bool unique_external_id = true;     // false: accept a reused externalId (audits then see duplicates)
  std::string bearer;                 // "" = no bearer token accepted
  // NetSuite TBA (OAuth 1.0a, HMAC-SHA256): all four or none. With the key set,
  // record/query requests need a valid signature (or the bearer token, if set).
  std::string tba_consumer_key;
  std::string tba_consumer_secret;
  std::string tba_token;
  std::string tba_token_secret;
  // OAuth 2.0 client credentials (M2M, oauth2_token.h): with a client id, the
  // token endpoint issues tokens for assertions signed by a configured
  // certificate, and record/query requests may carry them.
  std::string oauth2_client_id;
  std::string oauth2_certificate_id;                       // --oauth2-certificate-id: the kid
  std::string oauth2_public_key_file;                      // --oauth2-public-key: PEM public key or certificate
  std::map<std::string, std::string> oauth2_certificates;  // kid -> PEM; parse_options adds the file's
                                                           // (in-process tests may add more: rotation)
  int oauth2_token_ttl_s = 3600;                           // lifetime of an issued access token
  int over_receipt_percent = 0;       // a PO line may be received this % beyond its ordered quantity
  int seed_items = 500;               // SKU-0001..SKU-N, internal ids 1000+n
  int server_threads = 64;            // more than any limit, so excess requests arrive and get 429
  std::string date_format = "M/D/YYYY";  // the account's date format: SuiteQL dates (suiteql.h kAccountDateFormats)
  bool help = false;
};

struct ParsedOptions {
  SimOptions options;
  std::string error;  // "" when the command line was valid
};

ParsedOptions parse_options(const std::vector<std::string>& args);

// The --help text, generated from the settings table.
std::string usage();

}  // namespace sb::erpsim
