#include "agent/settings.h"

#include <map>

#include "platform/core/text.h"
#include "platform/mqtt/mqtt_settings.h"

namespace sb::agent {
namespace {

std::string not_empty(const std::string& v) { return v.empty() ? "must be set" : ""; }

std::string site_id_check(const std::string& v) {
  if (v.empty()) return "must be set to this site's id (its certificate identity)";
  for (char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return "may hold only letters, digits, '-', '_' and '.' (it is part of MQTT topics)";
  }
  return "";
}

std::string positive(const std::string& v) { return (v.empty() || v[0] == '-' || v == "0") ? "must be greater than 0" : ""; }

std::string url_or_empty(const std::string& v) {
  if (v.empty() || v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0) return "";
  return "must start with https:// (or http:// on a trusted network)";
}

std::string sweep_start_check(const std::string& v) {
  if (v == "latest") return "";
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) return "must be latest or a Clarus id (0 = everything)";
  return "";
}

std::string pairs(const std::string& v) {
  std::map<std::string, std::string> m;
  Status s = parse_pairs(v, &m);
  return s.ok() ? "" : s.message() + " (expected A=B,C=D)";
}

std::string log_level(const std::string& v) {
  return (v == "debug" || v == "info" || v == "warn" || v == "error") ? "" : "must be one of debug, info, warn, error";
}

}  // namespace

const SettingTable& agent_settings() {
  static const SettingTable table = [] {
    SettingTable t = {
      {"site.id", SettingType::kString, "", "This site's id. Names its MQTT topics and must match its certificate identity.", site_id_check},
      {"journal.path", SettingType::kPath, "/var/lib/stockbridge/agent/journal", "Directory of the LMDB journal.", not_empty},
      {"journal.max_events", SettingType::kInt, "10000000", "Hard cap of events waiting for the relay. Beyond it intake answers 503 (Clarus retries); nothing accepted is dropped.", positive},
      {"journal.initial_map", SettingType::kBytes, "64MiB", "Initial LMDB map size; it doubles as needed up to journal.max_map."},
      {"journal.max_map", SettingType::kBytes, "8GiB", "Disk the journal may use for waiting events; beyond it intake answers 503. The file may grow up to 5% (at least 64MiB) past it so that freeing always has room. Measured: about 290 bytes per waiting ~200-byte event, its id included; ids stay for journal.dedup_retention after the relay took the event."},
      {"journal.dedup_retention", SettingType::kDuration, "7d", "How long an event id is remembered after the relay took it, so a late retry is still a duplicate."},
      {"intake.bind", SettingType::kString, "127.0.0.1", "Address the intake and status page listen on (0.0.0.0 for all interfaces)."},
      {"intake.port", SettingType::kInt, "8480", "Port of the intake API and status page."},
      {"intake.threads", SettingType::kInt, "16", "Connections served at once.", positive},
      {"intake.max_body", SettingType::kBytes, "8MiB", "Largest request body; larger requests answer 413."},
      {"intake.tls_cert_file", SettingType::kPath, "", "PEM certificate (chain) to serve the intake, the Clarus webhooks and the status page over HTTPS. Set with intake.tls_key_file; empty = plain HTTP."},
      {"intake.tls_key_file", SettingType::kPath, "", "PEM private key of intake.tls_cert_file."},
      {"intake.max_batch_events", SettingType::kInt, "10000", "Most events in one batch request.", positive},
      {"forward.batch_events", SettingType::kInt, "1000", "Most events in one uplink batch.", positive},
      {"forward.batch_bytes", SettingType::kBytes, "512KiB", "Most bytes in one uplink batch."},
      {"forward.window", SettingType::kInt, "16", "Batches sent but not yet acknowledged.", positive},
      {"forward.ack_timeout", SettingType::kDuration, "10s", "Without an acknowledgement for this long, unacknowledged batches are sent again."},
      {"forward.drain_rate", SettingType::kInt, "20000", "Most events per second sent while draining a backlog (0 = unpaced), so a site back from an outage does not flood the relay."},
      {"forward.state_interval", SettingType::kDuration, "10s", "How often the retained site state (backlog, oldest age) is published."},
      {"relay.uplink_url", SettingType::kString, "", "Relay base URL for the HTTPS fallback, e.g. https://relay.example.com:8490 (empty = no fallback).", url_or_empty},
      {"relay.token_file", SettingType::kPath, "", "File holding the bearer token for the HTTPS uplink."},
      {"relay.ca_file", SettingType::kPath, "", "CA certificate(s) for the relay's HTTPS certificate."},
      {"relay.https_fallback_after", SettingType::kDuration, "60s", "How long MQTT must be unreachable before batches go by HTTPS."},
      {"clarus.base_url", SettingType::kString, "", "Clarus API base URL, e.g. https://clarus-api.com (empty = no Clarus adapter: events come only through POST /v1/events).", url_or_empty},
      {"clarus.rest_prefix", SettingType::kString, "/api", "Path prefix of Clarus's REST API (Clarus's documentation uses both /api and /api/v1)."},
      {"clarus.subdomain", SettingType::kString, "", "The Clarus tenant (sent as X-Clarus-Subdomain; webhooks must carry the same)."},
      {"clarus.client_id", SettingType::kString, "", "OAuth client id of the dedicated Clarus API user (a person logging in as the same user ends the agent's session)."},
      {"clarus.client_secret_file", SettingType::kPath, "", "File holding that user's OAuth client secret."},
      {"clarus.ca_file", SettingType::kPath, "", "CA certificate(s) for Clarus's HTTPS certificate (empty = the system's)."},
      {"clarus.timeout", SettingType::kDuration, "15s", "Longest wait for one Clarus answer."},
      {"clarus.account_id", SettingType::kInt, "1", "Clarus account id that orders, receipts and products of this site belong to.", positive},
      {"clarus.warehouse_id", SettingType::kInt, "1", "Clarus warehouse id of this site.", positive},
      {"clarus.warehouse_code", SettingType::kString, "WH1", "Clarus warehouse code of this site (as events name it).", not_empty},
      {"clarus.webhooks", SettingType::kBool, "true", "Accept Clarus webhooks (the fast path). Off for sites Clarus cannot reach: the sweeps then carry every event type."},
      {"clarus.webhook_secret_file", SettingType::kPath, "", "File holding the webhook secret, expected in the URL path (/clarus/webhooks/<secret>) or the X-Stockbridge-Webhook-Secret header. Required when clarus.webhooks is on."},
      {"clarus.automation_ids", SettingType::kString, "", "Comma-separated Clarus automation ids whose webhooks are accepted (empty = none, so set it when webhooks are on)."},
      {"clarus.webhook_max_body", SettingType::kBytes, "1MiB", "Largest webhook body; larger ones answer 413."},
      {"clarus.sweep_interval", SettingType::kDuration, "60s", "How often GraphQL sweeps look for facts whose webhook never came (the longest a dropped webhook waits).", positive},
      {"clarus.sweep_page_size", SettingType::kInt, "200", "Records per GraphQL page in a sweep.", positive},
      {"clarus.sweep_settle", SettingType::kDuration, "2m", "Sweeps read records younger than this again next time (Clarus may show a later id before an earlier one); they are journaled at once all the same."},
      {"clarus.sweep_start", SettingType::kString, "latest", "Where the first sweep of a new journal starts: latest (only what happens from now on; history is not replayed into the ERP), or a Clarus id to start after (0 = everything, to backfill).", sweep_start_check},
      {"clarus.snapshot_interval", SettingType::kDuration, "15m", "How often stock balances are swept into an InventorySnapshot for reconciliation (0 = never)."},
      {"downlink.retry_max", SettingType::kDuration, "60s", "Longest wait between attempts to apply a command while Clarus is unavailable.", positive},
      {"rules.location_map", SettingType::kString, "", "Clarus warehouse codes this site posts, with their ERP location ids, e.g. WH1=1 (as the relay's erp.location_map); an event of another warehouse is held at the site as UNMAPPED_LOCATION. Empty = not checked at the site (the relay still checks).", pairs},
      {"rules.carrier_aliases", SettingType::kString, "", "Clarus carrier codes the ERP's carrier master knows by another name, as the relay's erp.carrier_aliases: CLARUS=ERP or CLARUS/SERVICE=ERP/SERVICE, e.g. RM=ROYALMAIL (an alias wins over the codes as they are).", pairs},
      {"admin.users_file", SettingType::kPath, "", "Users who may act on exceptions held at the site (retry, edit, discard) through the API and the command line, one 'name:pbkdf2-sha256:...' line each (make one with: stockbridge-agent hash-password NAME). Empty = nobody may act; reading stays open."},
      {"audit.sku_interval", SettingType::kDuration, "24h", "How often the SKU master audit compares Clarus's products with the ERP's items as the site last heard them (differences become SKU_DIVERGENCE exceptions); 0 = only on demand (POST /api/sku-audit)."},
      {"exceptions.retention", SettingType::kDuration, "90d", "How long resolved and discarded exceptions are kept at the site, with their audit trail."},
      {"log.level", SettingType::kString, "info", "debug, info, warn or error.", log_level},
    };
    SettingTable mqtt = mqtt_settings("MQTT client id; default agent-<site.id>.");
    t.insert(t.begin() + 13, mqtt.begin(), mqtt.end());  // after the intake settings
    return t;
  }();
  return table;
}

}  // namespace sb::agent
