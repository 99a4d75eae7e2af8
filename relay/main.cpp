// stockbridge-relay: the composition root. Everything is wired here and only here.
#include <atomic>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "platform/core/log.h"
#include "platform/core/periodic.h"
#include "platform/core/program.h"
#include "platform/core/service_notify.h"
#include "platform/mqtt/mqtt_settings.h"
#include "platform/http/admin_auth.h"
#include "platform/http/admin_cli.h"
#include "platform/http/exception_routes.h"
#include "platform/http/http.h"
#include "platform/mqtt/transport.h"
#include "platform/store/disk_allowance.h"
#include "platform/store/group_commit.h"
#include "relay/command_outbox.h"
#include "relay/downlink.h"
#include "relay/erp_auth.h"
#include "relay/erp_feed.h"
#include "relay/alerts.h"
#include "relay/exception_actions.h"
#include "relay/fleet_page.h"
#include "relay/ledger.h"
#include "relay/monitors.h"
#include "relay/netsuite_connector.h"
#include "relay/poster.h"
#include "relay/reconciliation.h"
#include "relay/reconciliation_routes.h"
#include "relay/snapshot_keeper.h"
#include "relay/relay_api.h"
#include "relay/settings.h"
#include "relay/uplink.h"

#ifndef STOCKBRIDGE_VERSION
#define STOCKBRIDGE_VERSION "0.0.0"
#endif

namespace {

using namespace sb;
using namespace sb::relay;

int fail(const std::string& what, const Status& s) { return start_failure("stockbridge-relay", what, s); }

int run(const Config& cfg) {
  const Clock& clock = SystemClock::instance();
  const std::string relay_id = cfg.str("relay.id");

  // Checked by run_program already (the same check as --check-config); built
  // here for use. With oauth2 no token is asked for yet: the first ERP request
  // does, so an ERP that is down at start delays postings instead of stopping the relay.
  Result<std::unique_ptr<ErpAuth>> erp_auth = erp_auth_from(cfg, clock);
  if (!erp_auth.ok()) {
    std::fprintf(stderr, "stockbridge-relay: config: %s\n", erp_auth.status().message().c_str());
    log::error("relay", "bad ERP authentication settings", {{"why", erp_auth.status().message()}});
    return 2;
  }

  LmdbOptions lo;
  lo.path = cfg.str("ledger.path");
  lo.initial_map_bytes = cfg.bytes("ledger.initial_map");
  const uint64_t allowance = cfg.bytes("ledger.max_map");
  lo.max_map_bytes = map_cap_for(allowance);  // room above the allowance (disk_allowance.h)
  Result<std::unique_ptr<KvStore>> store = open_lmdb_store(lo);
  if (!store.ok()) return fail("cannot open the ledger at " + lo.path, store.status());
  GroupCommitter committer(**store);
  LedgerOptions ledger_options;
  ledger_options.max_bytes = allowance;
  ledger_options.dedup_retention = cfg.duration("ledger.dedup_retention");
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(**store, committer, clock, ledger_options);
  if (!ledger.ok()) return fail("cannot open the ledger", ledger.status());

  // What the monitors watch, indexed in the same commits as custody and command outcomes.
  Result<std::unique_ptr<Watchlist>> watchlist = Watchlist::open(**store, committer, clock);
  if (!watchlist.ok()) return fail("cannot open the monitors' watchlist", watchlist.status());
  Watchlist* watched = watchlist->get();
  (*ledger)->set_intake_hook([watched](WriteTxn& txn, const v1::Event& e) { return watched->on_event_taken(txn, e); });

  Result<std::string> uplink_token = read_secret_file(cfg.str("uplink.token_file"));
  if (!uplink_token.ok()) return fail("uplink.token_file", uplink_token.status());

  std::unique_ptr<HttpClient> erp_http = make_poco_http_client({});
  NetSuiteOptions no;
  no.base_url = cfg.str("erp.base_url");
  no.auth = std::move(erp_auth).value();
  no.timeout = cfg.duration("erp.timeout");
  no.adjustment_account = cfg.str("erp.adjustment_account");
  no.default_location = cfg.str("erp.default_location");
  no.over_receipt_percent = static_cast<int>(cfg.integer("erp.over_receipt_percent"));
  (void)parse_location_map(cfg.str("erp.location_map"), &no.location_map);  // validated by the settings table
  (void)parse_location_map(cfg.str("erp.carrier_aliases"), &no.carrier_aliases);  // validated likewise
  Result<std::unique_ptr<ShippedLedger>> shipped = ShippedLedger::open(**store, committer, clock);
  if (!shipped.ok()) return fail("cannot open the shipped ledger", shipped.status());
  no.shipped = shipped->get();
  NetSuiteConnector netsuite(*erp_http, no);
  // Snapshots are kept for reconciliation; every other event goes to the ERP.
  Result<std::unique_ptr<SnapshotKeeper>> keeper = SnapshotKeeper::open(**store, committer, netsuite);
  if (!keeper.ok()) return fail("cannot open the snapshot store", keeper.status());
  SnapshotKeeper& erp = **keeper;

  Result<MqttOptions> mqtt = mqtt_options_from(cfg, relay_id);
  if (!mqtt.ok()) return fail("MQTT settings", mqtt.status());
  const MqttOptions& mo = *mqtt;
  std::unique_ptr<MessageTransport> transport = make_paho_transport(mo);

  PosterOptions po;
  po.max_concurrency = static_cast<int>(cfg.integer("erp.max_concurrency"));
  po.backoff = {cfg.duration("poster.backoff_base"), cfg.duration("poster.backoff_cap")};
  po.raise_after = static_cast<int>(cfg.integer("poster.raise_after"));
  po.coalesce_max = static_cast<int>(cfg.integer("poster.coalesce_max"));
  Uplink* uplink_ptr = nullptr;
  Poster poster(**ledger, erp, clock, po, [&uplink_ptr](const std::string& site, const std::string& epoch,
                                                        const v1::EventOutcome& o) {
    if (uplink_ptr) uplink_ptr->add_outcome(site, epoch, o);
  });
  Uplink uplink(**ledger, poster, *transport, clock, cfg.duration("outcomes.flush_interval"));
  uplink_ptr = &uplink;
  // Held events are exceptions people act on; their book lives beside the ledger.
  ExceptionBook::Options xo;
  xo.retention = cfg.duration("exceptions.retention");
  Result<std::unique_ptr<ExceptionBook>> book = ExceptionBook::open(**store, committer, clock, "exceptions", xo);
  if (!book.ok()) return fail("cannot open the exception book", book.status());
  poster.set_exception_book(book->get());
  std::shared_ptr<const AdminUsers> users = std::make_shared<AdminUsers>();
  if (!cfg.str("admin.users_file").empty()) {
    Result<std::shared_ptr<AdminUsers>> loaded_users = AdminUsers::load(cfg.str("admin.users_file"));
    if (!loaded_users.ok()) return fail("admin.users_file", loaded_users.status());
    users = std::move(loaded_users).value();
  }
  Status loaded = poster.load();
  if (!loaded.ok()) return fail("cannot load the ledger's pending events", loaded);

  // The downlink: commands for the sites, kept in the ledger's store until acknowledged.
  Result<std::unique_ptr<CommandOutbox>> outbox = CommandOutbox::open(**store, committer, clock);
  if (!outbox.ok()) return fail("cannot open the command outbox", outbox.status());
  (*outbox)->set_hooks([watched](WriteTxn& txn, const v1::Command& c) { return watched->on_command_queued(txn, c); },
                       [watched](WriteTxn& txn, const std::string& site, const v1::CommandOutcome& o) {
                         return watched->on_command_outcome(txn, site, o);
                       });
  DownlinkOptions dlo;
  dlo.resend_after = cfg.duration("downlink.resend_after");
  Uplink* presence = &uplink;
  dlo.is_offline = [presence](const std::string& site) {
    std::map<std::string, SiteState> sites = presence->sites();
    auto it = sites.find(site);
    return it != sites.end() && !it->second.state.online();
  };
  Downlink downlink(**outbox, *transport, clock, dlo);
  uplink.on_other_message([&downlink](MqttMessage m) { downlink.handle_ack(m); });
  uplink.on_connected([&downlink] { downlink.connected(); });
  uplink.on_site_online([&downlink](const std::string& site) { downlink.site_online(site); });
  uplink.set_silent_after(cfg.duration("uplink.site_silent_after"));
  uplink.erp_link([&poster, &ledger, &clock] {
    const PosterStats ps = poster.stats();
    v1::ErpLink link;
    link.set_ok(ps.last_failure_ms == 0 || ps.last_ok_ms >= ps.last_failure_ms);
    link.set_last_ok_ms(ps.last_ok_ms);
    link.set_last_failure_ms(ps.last_failure_ms);
    link.set_last_error(ps.last_error);
    link.set_pending((*ledger)->stats().pending);
    link.set_reported_at_ms(clock.wall_ms());
    return link;
  });
  uplink.attach();
  downlink.attach();

  // The ERP change feed: what changed in the ERP becomes commands in the outbox.
  // What the feed saw change in the ERP's master data since the last re-validation.
  std::mutex changed_mu;
  MasterDataScope changed;
  std::string changed_names;
  std::unique_ptr<ErpFeed> feed;
  if (cfg.flag("feed.enabled")) {
    ErpFeedOptions fo;
    fo.interval = cfg.duration("feed.interval");
    fo.page_size = static_cast<size_t>(cfg.integer("feed.page_size"));
    fo.timeout = cfg.duration("erp.timeout");
    (void)parse_location_map(cfg.str("feed.site_locations"), &fo.site_locations);  // validated by the settings table
    fo.sites = parse_site_list(cfg.str("feed.sites"));
    fo.on_master_data = [&](const std::string& kind, const std::string& code) {
      std::lock_guard lock(changed_mu);
      if (kind == "item") changed.skus.insert(code);
      else changed.carriers = true;
      if (changed_names.size() < 200) changed_names += (changed_names.empty() ? "" : ", ") + kind + " " + code;
    };
    if (fo.site_locations.empty()) log::warn("relay", "feed.enabled but feed.site_locations is empty: no order will be sent to a site");
    Result<std::unique_ptr<ErpFeed>> opened = ErpFeed::open(*erp_http, no.base_url, no.auth, **outbox, **store, committer,
                                                            clock, fo, [&downlink] { downlink.wake(); });
    if (!opened.ok()) return fail("cannot open the ERP change feed", opened.status());
    feed = std::move(opened).value();
  }

  MonitorOptions mon;
  mon.orphaned_order_after = cfg.duration("monitors.orphaned_order_after");
  mon.unposted_shipment_after = cfg.duration("monitors.unposted_shipment_after");
  mon.return_without_credit_after = cfg.duration("monitors.return_without_credit_after");
  mon.backlog_events = static_cast<uint64_t>(cfg.integer("monitors.backlog_events"));
  mon.backlog_age = cfg.duration("monitors.backlog_age");
  mon.offline_after = cfg.duration("monitors.offline_after");
  Monitors monitors(**book, **ledger, *watched, committer, [presence] { return presence->sites(); }, clock, mon);

  std::vector<std::unique_ptr<AlertSink>> sinks;
  std::unique_ptr<HttpClient> alert_http = make_poco_http_client({});  // its own sessions: a slow webhook never holds an ERP post
  if (!cfg.str("alerts.webhook_url").empty())
    sinks.push_back(webhook_alert_sink(*alert_http, cfg.str("alerts.webhook_url"), cfg.duration("alerts.webhook_timeout")));
  if (!cfg.str("alerts.mqtt_topic").empty()) sinks.push_back(mqtt_alert_sink(*transport, cfg.str("alerts.mqtt_topic")));
  AlertOptions ao;
  ao.source = relay_id;
  ao.classes = parse_class_list(cfg.str("alerts.classes"));
  ao.digest_after = static_cast<size_t>(cfg.integer("alerts.digest_after"));
  Result<std::unique_ptr<Alerts>> alerts = Alerts::open(**store, committer, **book, clock, ao, std::move(sinks));
  if (!alerts.ok()) return fail("cannot open the alerts table", alerts.status());

  RelayContext ctx;
  ctx.relay_id = relay_id;
  ctx.version = STOCKBRIDGE_VERSION;
  ctx.erp_name = erp.name();
  ctx.erp_base_url = no.base_url;
  ctx.uplink_token = *uplink_token;
  ctx.started_at_ms = clock.wall_ms();
  ctx.ledger = ledger->get();
  ctx.poster = &poster;
  ctx.uplink = &uplink;
  ctx.outbox = outbox->get();
  ctx.downlink = &downlink;
  ctx.feed = feed.get();
  ctx.snapshots = &erp;
  ctx.exceptions = book->get();
  ctx.monitors = &monitors;
  ctx.alerts = alerts->get();
  ctx.clock = &clock;
  HttpServerOptions so;
  so.bind_address = cfg.str("http.bind");
  so.port = static_cast<uint16_t>(cfg.integer("http.port"));
  so.max_threads = static_cast<int>(cfg.integer("http.threads"));
  so.tls_cert_file = cfg.str("http.tls_cert_file");
  so.tls_key_file = cfg.str("http.tls_key_file");
  RelayExceptionActions exception_actions(**ledger, poster, &monitors);
  std::shared_ptr<Router> router = make_relay_router(ctx);
  add_exception_routes(*router, **book, users, exception_actions);
  // Stock reconciliation: each complete snapshot against the ERP's on-hand (reconciliation.h).
  NetSuiteStock erp_stock(*erp_http, {no.base_url, no.auth, no.timeout});
  Result<std::unique_ptr<ReconciliationStore>> reports = ReconciliationStore::open(**store, committer);
  if (!reports.ok()) return fail("cannot open the reconciliation reports", reports.status());
  KeeperSnapshots kept_snapshots(erp);
  ReconcilerOptions ro;
  ro.interval = cfg.duration("reconcile.interval");
  ro.drift_threshold = static_cast<double>(cfg.integer("reconcile.drift_threshold"));
  ro.keep = cfg.duration("reconcile.keep");
  ro.location_map = no.location_map;
  ro.default_location = no.default_location;
  Reconciler reconciler(kept_snapshots, **ledger, erp_stock, **book, **reports, clock, ro);
  add_report_routes(*router, reconciler);
  ctx.reconciler = &reconciler;
  exception_actions.set_reconciler(&reconciler);
  WebSessions::Options web;
  web.cookie_name = "sb_relay_session";
  web.secure_cookie = !so.tls_cert_file.empty();
  WebSessions sessions(users, clock, web);
  add_fleet_pages(*router, ctx, sessions, &exception_actions);
  Result<std::unique_ptr<HttpServer>> server = start_http_server(so, router);
  if (!server.ok()) return fail("cannot listen on " + so.bind_address + ":" + std::to_string(so.port), server.status());
  if (!no.auth) log::warn("relay", "requests to the ERP carry no Authorization header (erp.auth = none, or bearer with erp.token_file empty)");
  if (users->empty()) log::warn("relay", "no admin users (admin.users_file): exceptions can be read but nobody can act on them");
  if (ctx.uplink_token.empty()) log::warn("relay", "the HTTPS uplink accepts batches without a token (uplink.token_file is empty)");

  // The transport first: if it cannot start, no thread of ours is running yet.
  // Messages that arrive before uplink.start() wait in the uplink's inbox.
  Status started = transport->start();
  if (!started.ok()) return fail("cannot start MQTT", started);
  poster.start();
  uplink.start();
  downlink.start();
  if (feed) feed->start();

  const std::string scheme = so.tls_cert_file.empty() ? "http://" : "https://";
  const std::string url = scheme + so.bind_address + ":" + std::to_string((*server)->port());
  log::info("relay", "started", {{"relay", relay_id}, {"version", STOCKBRIDGE_VERSION}, {"status", url + "/api/status"},
                                 {"broker", mo.server_uri}, {"erp", no.base_url},
                                 {"erp_auth", no.auth ? no.auth->scheme() : std::string("none")}, {"ledger", lo.path}});
  // The ledger is open and the status API serves: a Type=notify unit counts as started now.
  (void)notify_service("READY=1\nSTATUS=serving on " + url);
  // Forget posted event ids and queued command ids past their retention now
  // and then (cheap; bounds the ledger and the outbox).
  const Millis id_retention = cfg.duration("downlink.id_retention");
  const Millis shipped_retention = cfg.duration("ledger.shipped_retention");
  Periodic pruner(Millis(60'000), [&] {
    Result<uint64_t> n = (*ledger)->prune_posted_ids();
    if (n.ok() && *n > 0) log::info("ledger", "forgot ids of events posted long ago", {{"count", *n}});
    Result<uint64_t> c = (*outbox)->prune_ids(id_retention);
    if (c.ok() && *c > 0) log::info("downlink", "forgot ids of commands queued long ago", {{"count", *c}});
    Result<uint64_t> o = (*shipped)->prune(shipped_retention);
    if (o.ok() && *o > 0) log::info("relay", "forgot what was shipped for orders quiet for long", {{"orders", *o}});
    Result<uint64_t> x = (*book)->prune();
    if (x.ok() && *x > 0) log::info("relay", "forgot exceptions closed long ago", {{"count", *x}});
    Result<uint64_t> stale = (*store)->clear_stale_readers();  // readers killed mid-way would pin old pages
    if (stale.ok() && *stale > 0) log::warn("ledger", "cleared reader slots left by dead processes", {{"count", *stale}});
  });
  // Held events waiting for master data go on once it arrives: at once after the
  // feed sees an item or ship item change, and on a schedule (a change made
  // while the feed is off, or an ERP fix the feed does not see).
  const Millis revalidate_every = cfg.duration("exceptions.revalidate_every");
  int64_t last_revalidation = clock.mono_ms();
  Periodic revalidator(Millis(2'000), [&] {
    MasterDataScope scope;
    std::string names;
    {
      std::lock_guard lock(changed_mu);
      std::swap(scope, changed);
      std::swap(names, changed_names);
    }
    if (!names.empty()) {
      poster.revalidate_master_data(names + " changed in the ERP", &scope);
    } else if (clock.mono_ms() - last_revalidation >= revalidate_every.count()) {
      poster.revalidate_master_data("scheduled re-validation");
      last_revalidation = clock.mono_ms();
    }
  });
  Periodic reconcile_timer(ro.interval, [&reconciler] { (void)reconciler.sweep(); });
  Periodic monitor_sweeps(cfg.duration("monitors.interval"), [&monitors] { (void)monitors.sweep(); });
  Periodic alert_passes(cfg.duration("alerts.batch_window"), [&] { (void)(*alerts)->pass(); });
  int sig = wait_for_shutdown_signal();
  log::info("relay", "stopping", {{"signal", sig}});
  (void)notify_service("STOPPING=1");
  reconcile_timer.stop();
  alert_passes.stop();
  monitor_sweeps.stop();
  revalidator.stop();
  pruner.stop();
  (*server)->stop();
  transport->stop();  // no new batches
  uplink.stop();
  if (feed) feed->stop();  // before the downlink it wakes
  downlink.stop();
  poster.stop();      // posts in progress finish and are recorded
  committer.stop();
  log::info("relay", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (sb::is_admin_command(argc, argv))
    return sb::run_admin_command(argc, argv, {"stockbridge-relay", 8490}, std::cout, std::cerr, std::cin);
  // --check-config also checks what erp.auth needs (settings present, secret
  // and key files readable and of the right kind), as a start would.
  auto check = [](const sb::Config& cfg) { return sb::relay::erp_auth_from(cfg).status(); };
  return sb::run_program(argc, argv, {"stockbridge-relay", STOCKBRIDGE_VERSION, "the Stockbridge cloud relay", check},
                         sb::relay::relay_settings(), run);
}
