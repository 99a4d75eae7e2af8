#include "relay/settings.h"

#include <cstdlib>
#include <map>

#include "platform/mqtt/mqtt_settings.h"
#include "relay/alerts.h"
#include "relay/netsuite_connector.h"
#include "stockbridge/v1/exceptions.h"

namespace sb::relay {
namespace {

std::string not_empty(const std::string& v) { return v.empty() ? "must be set" : ""; }
std::string positive(const std::string& v) { return (v.empty() || v[0] == '-' || v == "0") ? "must be greater than 0" : ""; }
std::string not_negative(const std::string& v) { return (v.empty() || v[0] == '-') ? "must be 0 or more" : ""; }
std::string percent(const std::string& v) {
  return (v.empty() || v[0] == '-' || std::atoi(v.c_str()) > 1000) ? "must be 0..1000" : "";
}

std::string base_url(const std::string& v) {
  if (v.empty()) return "must be set to the ERP's base URL, e.g. https://1234567.suitetalk.api.netsuite.com";
  if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) return "must start with https:// (or http:// for a simulator)";
  if (v.back() == '/') return "must not end with '/'";
  return "";
}

std::string location_map(const std::string& v) {
  std::map<std::string, std::string> m;
  Status s = parse_location_map(v, &m);
  return s.ok() ? "" : s.message() + " (expected WH1=1,WH2=2)";
}

std::string erp_auth(const std::string& v) {
  return (v == "bearer" || v == "tba" || v == "oauth2" || v == "none") ? "" : "must be one of bearer, tba, oauth2, none";
}

std::string jws_algorithm(const std::string& v) { return (v == "PS256" || v == "ES256") ? "" : "must be PS256 or ES256"; }

// Goes into the Authorization header as realm="..."; NetSuite account ids are
// digits with an optional _SB1-style suffix.
std::string account_id(const std::string& v) {
  for (char c : v) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return "must be a NetSuite account id such as 1234567 or 1234567_SB1";
  }
  return "";
}

std::string carrier_aliases(const std::string& v) {
  std::map<std::string, std::string> m;
  Status s = parse_location_map(v, &m);
  return s.ok() ? "" : s.message() + " (expected CLARUS=ERP or CLARUS/SERVICE=ERP/SERVICE, e.g. RM=ROYALMAIL)";
}

std::string site_locations(const std::string& v) {
  std::map<std::string, std::string> m;
  Status s = parse_location_map(v, &m);
  return s.ok() ? "" : s.message() + " (expected location_id=site, e.g. 1=site-1,2=site-2)";
}

std::string page_size(const std::string& v) {
  const long n = std::atol(v.c_str());
  return (n >= 1 && n <= 1000) ? "" : "must be between 1 and 1000 (SuiteQL's limit)";
}

std::string webhook_url(const std::string& v) {
  if (v.empty() || v.rfind("https://", 0) == 0 || v.rfind("http://", 0) == 0) return "";
  return "must start with https:// (or http:// on a private network)";
}

std::string alert_topic(const std::string& v) {
  return v.find_first_of("+#") == std::string::npos ? "" : "must be a topic to publish on, without + or #";
}

std::string exception_classes(const std::string& v) {
  for (const std::string& c : parse_class_list(v))
    if (!v1::exception_class(c)) return "'" + c + "' is not an exception class (see docs/exceptions.md)";
  return "";
}

std::string log_level(const std::string& v) {
  return (v == "debug" || v == "info" || v == "warn" || v == "error") ? "" : "must be one of debug, info, warn, error";
}

}  // namespace

const SettingTable& relay_settings() {
  static const SettingTable table = [] {
    SettingTable t = {
      {"relay.id", SettingType::kString, "relay-1", "This relay's name (its MQTT client id unless mqtt.client_id is set).", not_empty},
      {"ledger.path", SettingType::kPath, "/var/lib/stockbridge/relay/ledger", "Directory of the LMDB ledger.", not_empty},
      {"ledger.initial_map", SettingType::kBytes, "256MiB", "Initial LMDB map size; it doubles as needed up to ledger.max_map."},
      {"ledger.max_map", SettingType::kBytes, "64GiB", "Disk the ledger may use; beyond it batches are not taken (sites keep them and resend). The file may grow 5% (at least 64MiB) past it so that recording outcomes always has room."},
      {"ledger.shipped_retention", SettingType::kDuration, "180d", "How long the relay's shipped ledger remembers an order with no new shipment; after it, a late shipment of that order is checked against the ERP's counters alone."},
      {"ledger.dedup_retention", SettingType::kDuration, "30d", "How long a posted event's id is remembered, so a late resend is recognised (beyond it, the ERP's external-id check)."},
      {"http.bind", SettingType::kString, "127.0.0.1", "Address of the HTTPS uplink and status API."},
      {"http.port", SettingType::kInt, "8490", "Port of the HTTPS uplink and status API."},
      {"http.threads", SettingType::kInt, "16", "Connections served at once.", positive},
      {"http.tls_cert_file", SettingType::kPath, "", "Certificate for HTTPS (with http.tls_key_file); empty = plain HTTP."},
      {"http.tls_key_file", SettingType::kPath, "", "Private key for HTTPS."},
      {"uplink.site_silent_after", SettingType::kDuration, "60s", "A site that sent no state for this long counts as offline (the agents send theirs every forward.state_interval, 10 s by default); the broker gives no last will when it is the broker that went away. 0 = trust the last state.", not_negative},
      {"uplink.token_file", SettingType::kPath, "", "File holding the bearer token sites present on the HTTPS uplink (empty = no token check)."},
      {"erp.base_url", SettingType::kString, "", "ERP base URL, e.g. https://1234567.suitetalk.api.netsuite.com.", base_url},
      {"erp.auth", SettingType::kString, "bearer", "How the relay authenticates to the ERP: bearer (OAuth 2.0 token from erp.token_file; none sent when that is empty), tba (NetSuite token-based authentication, OAuth 1.0a HMAC-SHA256, from the erp.account, erp.consumer_*, erp.token_* settings), oauth2 (NetSuite OAuth 2.0 machine-to-machine: the relay obtains and renews access tokens with a JWT signed by its private key, from the erp.oauth2_* settings) or none.", erp_auth},
      {"erp.token_file", SettingType::kPath, "", "File holding the ERP's OAuth 2.0 bearer token (erp.auth = bearer)."},
      {"erp.account", SettingType::kString, "", "NetSuite account id, the TBA realm, e.g. 1234567 or 1234567_SB1 for a sandbox (erp.auth = tba).", account_id},
      {"erp.consumer_key", SettingType::kString, "", "TBA consumer key of the integration record (erp.auth = tba)."},
      {"erp.consumer_secret_file", SettingType::kPath, "", "File holding the TBA consumer secret (erp.auth = tba)."},
      {"erp.token_id", SettingType::kString, "", "TBA token id of the access token (erp.auth = tba)."},
      {"erp.token_secret_file", SettingType::kPath, "", "File holding the TBA token secret (erp.auth = tba)."},
      {"erp.oauth2_client_id", SettingType::kString, "", "Client id of the NetSuite integration record with the client credentials (machine to machine) grant; the JWT's iss (erp.auth = oauth2)."},
      {"erp.oauth2_certificate_id", SettingType::kString, "", "Certificate id NetSuite shows for the uploaded certificate on the OAuth 2.0 Client Credentials (M2M) Setup page; the JWT's kid (erp.auth = oauth2)."},
      {"erp.oauth2_private_key_file", SettingType::kPath, "", "PEM file holding the unencrypted private key of that certificate: RSA (2048 bits or more) for PS256, P-256 EC for ES256 (erp.auth = oauth2)."},
      {"erp.oauth2_algorithm", SettingType::kString, "PS256", "How the JWT is signed: PS256 (RSASSA-PSS SHA-256) or ES256 (ECDSA P-256 SHA-256) (erp.auth = oauth2).", jws_algorithm},
      {"erp.oauth2_scope", SettingType::kString, "rest_webservices", "Scopes asked for, comma-separated (rest_webservices, restlets, suite_analytics), as enabled on the integration record (erp.auth = oauth2)."},
      {"erp.timeout", SettingType::kDuration, "30s", "Longest wait for one ERP answer; a timeout is treated as 'may have happened'."},
      {"erp.max_concurrency", SettingType::kInt, "8", "Most ERP requests at once (NetSuite shares ~15 per account among all integrations).", positive},
      {"erp.over_receipt_percent", SettingType::kInt, "0", "A purchase order line may be received up to this % of its ordered quantity beyond it; more is held as OVER_RECEIPT. Set it to what the ERP account allows (NetSuite refuses more otherwise).", percent},
      {"erp.adjustment_account", SettingType::kString, "1", "Internal id of the ERP account inventory adjustments post to.", not_empty},
      {"erp.location_map", SettingType::kString, "", "Clarus warehouse to ERP location id, e.g. WH1=1,WH2=2.", location_map},
      {"erp.default_location", SettingType::kString, "", "ERP location id for warehouses not in erp.location_map (empty = hold them as exceptions)."},
      {"erp.carrier_aliases", SettingType::kString, "", "Clarus carrier codes the ERP's carrier master knows by another name: CLARUS=ERP (carrier renamed, service kept) or CLARUS/SERVICE=ERP/SERVICE, comma-separated, e.g. RM=ROYALMAIL. An alias that names the Clarus carrier and service wins, then one that names the carrier; else the Clarus codes are looked up as they are.", carrier_aliases},
      {"admin.users_file", SettingType::kPath, "", "Users who may act on exceptions (retry, edit, discard) through the API and the command line, one 'name:pbkdf2-sha256:...' line each (make one with: stockbridge-relay hash-password NAME). Empty = nobody may act; reading stays open."},
      {"exceptions.retention", SettingType::kDuration, "90d", "How long resolved and discarded exceptions are kept, with their audit trail."},
      {"exceptions.revalidate_every", SettingType::kDuration, "1h", "How often held events waiting for master data (unknown or inactive SKU, units, carrier) are tried again; they are also tried as soon as the change feed sees an item or ship item change."},
      {"poster.backoff_base", SettingType::kDuration, "500ms", "First retry delay after a transient ERP failure."},
      {"poster.backoff_cap", SettingType::kDuration, "5m", "Longest retry delay."},
      {"poster.coalesce_max", SettingType::kInt, "200", "Under backlog, stock adjustments of one SKU and warehouse waiting in a row post as one net ERP adjustment of at most this many events (1 = never coalesce).", positive},
      {"poster.raise_after", SettingType::kInt, "20", "Successful posts in a row before concurrency grows back by one after a 429.", positive},
      {"outcomes.flush_interval", SettingType::kDuration, "200ms", "How often posting outcomes are sent back to the sites."},
      {"downlink.id_retention", SettingType::kDuration, "30d", "How long a queued command's id is remembered, so an ERP change read again is not sent twice (the feed reads a change again only within minutes)."},
      {"downlink.resend_after", SettingType::kDuration, "10s", "Commands a site has not acknowledged are sent again after this long (and at once when the site comes back online or the relay reconnects)."},
      {"feed.enabled", SettingType::kBool, "false", "Poll the ERP for changes (items, ship items, released sales orders, purchase orders, return authorisations) and queue commands for the sites."},
      {"feed.interval", SettingType::kDuration, "30s", "How often the ERP is asked what changed."},
      {"feed.page_size", SettingType::kInt, "500", "Rows per SuiteQL page (1..1000).", page_size},
      {"feed.site_locations", SettingType::kString, "", "ERP location id to site id, e.g. 1=site-1,2=site-2; orders at other locations are skipped (and counted).", site_locations},
      {"feed.sites", SettingType::kString, "", "Sites that get items and ship items, comma-separated (empty = the sites in feed.site_locations)."},
      {"reconcile.interval", SettingType::kDuration, "1m", "How often the relay looks for stock snapshots the sites sent since the last look; each complete snapshot is reconciled once against the ERP's on-hand (docs/reconciliation.md).", positive},
      {"reconcile.drift_threshold", SettingType::kInt, "0", "Drift (Clarus - ERP - in flight, in the ERP item's base unit) beyond this, on two sweeps in a row, raises INVENTORY_DRIFT; 0 = any drift.", not_negative},
      {"reconcile.keep", SettingType::kDuration, "35d", "How long reconciliation reports are kept (a month's close and then some).", positive},
      {"monitors.interval", SettingType::kDuration, "30s", "How often the monitors look for orders, shipments, returns and sites that went quiet (see docs/monitors.md).", positive},
      {"monitors.orphaned_order_after", SettingType::kDuration, "48h", "ORPHANED_ORDER (owner: warehouse): an order released to a site and applied in Clarus this long ago with nothing shipped and no cancel.", positive},
      {"monitors.unposted_shipment_after", SettingType::kDuration, "30m", "UNPOSTED_SHIPMENT (owner: IT): a shipment the relay took this long ago and has not posted to the ERP.", positive},
      {"monitors.return_without_credit_after", SettingType::kDuration, "3d", "RETURN_WITHOUT_CREDIT (owner: finance): a return the relay took this long ago with no credit memo in the ERP.", positive},
      {"monitors.backlog_events", SettingType::kInt, "100000", "BACKLOG (owner: IT): an online site with more events than this waiting to be sent.", positive},
      {"monitors.backlog_age", SettingType::kDuration, "30m", "BACKLOG (owner: IT): an online site whose oldest event waiting to be sent is older than this.", positive},
      {"monitors.offline_after", SettingType::kDuration, "15m", "SITE_OFFLINE (owner: IT): a site offline (its agent's MQTT last will) for longer than this.", positive},
      {"alerts.webhook_url", SettingType::kString, "", "Incoming webhook that receives alerts as a JSON POST with a \"text\" field (Slack, Microsoft Teams) and a structured \"stockbridge\" object; empty = no webhook.", webhook_url},
      {"alerts.webhook_timeout", SettingType::kDuration, "10s", "Longest wait for the webhook's answer; a timeout is a failure and the alert is sent again on the next pass.", positive},
      {"alerts.mqtt_topic", SettingType::kString, "stockbridge/v1/alerts", "MQTT topic alerts are published on (QoS 1, the same JSON as the webhook); empty = none.", alert_topic},
      {"alerts.batch_window", SettingType::kDuration, "30s", "How often alerts are gathered and sent: one message per exception raised or resolved in the window.", positive},
      {"alerts.digest_after", SettingType::kInt, "5", "A window with more messages than this sends one digest instead (counts by class and owner, the first lines).", positive},
      {"alerts.classes", SettingType::kString, "", "Exception classes alerted on, comma-separated, e.g. SITE_OFFLINE,BACKLOG,ORPHANED_ORDER; empty = every class.", exception_classes},
      {"log.level", SettingType::kString, "info", "debug, info, warn or error.", log_level},
    };
    SettingTable mqtt = mqtt_settings("MQTT client id; default relay.id.");
    t.insert(t.begin() + 5, mqtt.begin(), mqtt.end());  // after the ledger settings
    return t;
  }();
  return table;
}

}  // namespace sb::relay
