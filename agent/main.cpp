// stockbridge-agent: the composition root. Everything is wired here and only here.
#include <iostream>
#include <thread>

#include "agent/agent_api.h"
#include "agent/clarus/clarus_client.h"
#include "agent/clarus/sweeper.h"
#include "agent/clarus/webhook_api.h"
#include "agent/downlink/clarus_commands.h"
#include "agent/downlink/command_journal.h"
#include "agent/downlink/downlink.h"
#include "agent/forwarder.h"
#include "agent/journal.h"
#include "agent/journal_verify.h"
#include "agent/rules/edge_rules.h"
#include "agent/rules/exception_actions.h"
#include "agent/rules/master_data.h"
#include "agent/rules/sku_audit.h"
#include "agent/settings.h"
#include "platform/core/log.h"
#include "platform/core/periodic.h"
#include "platform/core/program.h"
#include "platform/core/service_notify.h"
#include "platform/core/text.h"
#include "platform/http/admin_cli.h"
#include "platform/mqtt/mqtt_settings.h"
#include "platform/mqtt/transport.h"
#include "platform/store/disk_allowance.h"
#include "platform/store/group_commit.h"

#ifndef STOCKBRIDGE_VERSION
#define STOCKBRIDGE_VERSION "0.0.0"
#endif

namespace {

using namespace sb;
using namespace sb::agent;

int fail(const std::string& what, const Status& s) { return start_failure("stockbridge-agent", what, s); }

// Everything that talks to Clarus, made only when clarus.base_url is set.
struct ClarusParts {
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<ClarusClient> client;
  std::unique_ptr<CommandJournal> commands;
  std::unique_ptr<ClarusCommandApplier> applier;
  std::unique_ptr<MasterDataRecorder> recorder;  // item and carrier upserts kept for the site's checks
  std::unique_ptr<ClarusCommandApplier> audit_applier;  // the SKU audit's own (appliers are not shared across threads)
  std::unique_ptr<SkuAudit> audit;
  std::unique_ptr<Downlink> downlink;
  std::unique_ptr<ClarusSweeper> sweeper;
  std::unique_ptr<ClarusWebhookIntake> webhooks;  // null when clarus.webhooks is off (a polling-only site)

  Status make(const Config& cfg, KvStore& store, GroupCommitter& committer, MessageTransport& transport,
              Journal& journal, MasterData& master, EdgeRules& rules, ExceptionBook& book, const Clock& clock) {
    Result<std::string> secret = read_secret_file(cfg.str("clarus.client_secret_file"));
    if (!secret.ok()) return Status(secret.status().code(), "clarus.client_secret_file: " + secret.status().message());
    HttpClientOptions ho;
    ho.ca_file = cfg.str("clarus.ca_file");
    http = make_poco_http_client(ho);
    ClarusOptions co;
    co.base_url = cfg.str("clarus.base_url");
    while (!co.base_url.empty() && co.base_url.back() == '/') co.base_url.pop_back();
    co.rest_prefix = cfg.str("clarus.rest_prefix");
    co.subdomain = cfg.str("clarus.subdomain");
    co.client_id = cfg.str("clarus.client_id");
    co.client_secret = *secret;
    co.timeout = cfg.duration("clarus.timeout");
    if (co.subdomain.empty()) return Status::InvalidArgument("clarus.subdomain must be set when clarus.base_url is");
    if (co.client_id.empty()) return Status::InvalidArgument("clarus.client_id must be set when clarus.base_url is");
    client = std::make_unique<ClarusClient>(*http, clock, co);
    Result<std::unique_ptr<CommandJournal>> j = CommandJournal::open(store, committer, clock);
    if (!j.ok()) return j.status();
    commands = std::move(*j);
    applier = std::make_unique<ClarusCommandApplier>(
        *client, *commands, ClarusAccount{cfg.integer("clarus.account_id"), cfg.integer("clarus.warehouse_id")});
    DownlinkOptions dopt;
    dopt.site_id = cfg.str("site.id");
    dopt.retry.cap = cfg.duration("downlink.retry_max");
    dopt.ambiguous_wait = co.timeout;
    // Held events waiting for master data go on when it arrives.
    // Commands Clarus refused are exceptions too; one waiting for an item goes on when the item arrives.
    commands->set_exception_book(&book);
    CommandJournal* held_commands = commands.get();
    recorder = std::make_unique<MasterDataRecorder>(master, *applier, [&rules, held_commands](const v1::Command& c) {
      const std::string what = c.has_item_upsert() ? "item " + c.item_upsert().sku() + " arrived from the ERP"
                                                   : "carrier " + c.carrier_upsert().carrier() + " " +
                                                         c.carrier_upsert().service() + " arrived from the ERP";
      rules.revalidate(what);
      if (c.has_item_upsert()) held_commands->retry_held_for_sku(c.item_upsert().sku(), what);
    });
    downlink = std::make_unique<Downlink>(*commands, transport, *recorder, clock, dopt);
    audit_applier = std::make_unique<ClarusCommandApplier>(
        *client, *commands, ClarusAccount{cfg.integer("clarus.account_id"), cfg.integer("clarus.warehouse_id")});
    audit = std::make_unique<SkuAudit>(*client, master, book, *audit_applier, cfg.str("site.id"));

    SweepOptions so;
    so.site_id = cfg.str("site.id");
    so.warehouse_code = cfg.str("clarus.warehouse_code");
    so.warehouse_id = cfg.integer("clarus.warehouse_id");
    so.sweep_interval = cfg.duration("clarus.sweep_interval");
    so.page_size = static_cast<int>(cfg.integer("clarus.sweep_page_size"));
    so.snapshot_interval = cfg.duration("clarus.snapshot_interval");
    so.settle = cfg.duration("clarus.sweep_settle");
    const std::string start = cfg.str("clarus.sweep_start");
    so.start_from_id = start == "latest" ? -1 : std::stoll(start);
    sweeper = std::make_unique<ClarusSweeper>(*client, journal, store, committer, clock, so);
    SB_RETURN_IF_ERROR(sweeper->init());

    if (cfg.flag("clarus.webhooks")) {
      Result<std::string> hook_secret = read_secret_file(cfg.str("clarus.webhook_secret_file"));
      if (!hook_secret.ok())
        return Status(hook_secret.status().code(), "clarus.webhook_secret_file (needed while clarus.webhooks is on): " +
                                                       hook_secret.status().message());
      if (hook_secret->size() < 16)
        return Status::InvalidArgument("the webhook secret in clarus.webhook_secret_file is shorter than 16 characters; it is the only thing standing for Clarus's identity");
      std::vector<std::string> ids;
      std::string list = cfg.str("clarus.automation_ids");
      for (size_t start = 0; start <= list.size();) {
        size_t comma = list.find(',', start);
        std::string id = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        while (!id.empty() && id.front() == ' ') id.erase(id.begin());
        while (!id.empty() && id.back() == ' ') id.pop_back();
        if (!id.empty()) ids.push_back(id);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      if (ids.empty()) return Status::InvalidArgument("clarus.automation_ids must list the Clarus automations allowed to send webhooks while clarus.webhooks is on");
      ClarusSweeper* sw = sweeper.get();
      webhooks = std::make_unique<ClarusWebhookIntake>(
          journal, cfg.str("site.id"), cfg.str("clarus.warehouse_code"), *hook_secret, co.subdomain, ids,
          static_cast<size_t>(cfg.bytes("clarus.webhook_max_body")),
          [sw](int64_t goods_out_id) { sw->hint_goods_out(goods_out_id); }, clock);
    }
    return Status::Ok();
  }
};

int run(const Config& cfg) {
  const std::string site = cfg.str("site.id");
  const std::string version = STOCKBRIDGE_VERSION;
  const Clock& clock = SystemClock::instance();

  LmdbOptions store_options;
  store_options.path = cfg.str("journal.path");
  store_options.initial_map_bytes = cfg.bytes("journal.initial_map");
  // journal.max_map is the allowance for events; the map may grow past it so
  // that freeing acknowledged events never finds it full (disk_allowance.h).
  const uint64_t allowance = cfg.bytes("journal.max_map");
  store_options.max_map_bytes = map_cap_for(allowance);
  Result<std::unique_ptr<KvStore>> store = open_lmdb_store(store_options);
  if (!store.ok()) return fail("cannot open the journal at " + store_options.path, store.status());
  GroupCommitter committer(**store);
  JournalOptions jo;
  jo.max_events = static_cast<uint64_t>(cfg.integer("journal.max_events"));
  jo.dedup_retention = cfg.duration("journal.dedup_retention");
  jo.max_bytes = allowance;
  jo.site_id = site;  // recorded in the journal; a journal of another site is refused
  Result<std::unique_ptr<Journal>> journal = Journal::open(**store, committer, clock, jo);
  if (!journal.ok()) {
    // A journal of a newer format or of another site is refused for good: exit 3,
    // which the systemd unit does not restart (RestartPreventExitStatus).
    const int rc = fail("cannot open the journal", journal.status());
    return journal.status().code() == Code::kFailedPrecondition ? 3 : rc;
  }

  // Checks at the site: master data from the ERP, exceptions people act on, the journal's gate.
  Result<std::unique_ptr<MasterData>> master = MasterData::open(**store, committer);
  if (!master.ok()) return fail("cannot open the master data", master.status());
  ExceptionBook::Options xo;
  xo.retention = cfg.duration("exceptions.retention");
  Result<std::unique_ptr<ExceptionBook>> book = ExceptionBook::open(**store, committer, clock, "exceptions", xo);
  if (!book.ok()) return fail("cannot open the exception book", book.status());
  EdgeRulesOptions ro;
  (void)parse_pairs(cfg.str("rules.location_map"), &ro.location_map);  // validated by the settings table
  (void)parse_pairs(cfg.str("rules.carrier_aliases"), &ro.carrier_aliases);
  Result<std::unique_ptr<EdgeRules>> rules = EdgeRules::open(**store, committer, **journal, **master, **book, ro);
  if (!rules.ok()) return fail("cannot open the held events", rules.status());
  (*journal)->set_gate(rules->get());
  std::shared_ptr<const AdminUsers> users = std::make_shared<AdminUsers>();
  if (!cfg.str("admin.users_file").empty()) {
    Result<std::shared_ptr<AdminUsers>> loaded = AdminUsers::load(cfg.str("admin.users_file"));
    if (!loaded.ok()) return fail("admin.users_file", loaded.status());
    users = std::move(loaded).value();
  }

  Result<std::string> uplink_token = read_secret_file(cfg.str("relay.token_file"));
  if (!uplink_token.ok()) return fail("relay.token_file", uplink_token.status());
  Result<MqttOptions> mqtt = mqtt_options_from(cfg, "agent-" + site);
  if (!mqtt.ok()) return fail("MQTT settings", mqtt.status());
  MqttOptions& mo = *mqtt;
  mo.will = {v1::state_topic(site), Forwarder::offline_state(site, version), 1, true};
  std::unique_ptr<MessageTransport> transport = make_paho_transport(mo);

  std::unique_ptr<HttpClient> http;
  if (!cfg.str("relay.uplink_url").empty()) {
    HttpClientOptions ho;
    ho.ca_file = cfg.str("relay.ca_file");
    http = make_poco_http_client(ho);
  }

  OutcomeLog outcomes;
  ForwarderOptions fo;
  fo.site_id = site;
  fo.version = version;
  fo.batch_events = static_cast<size_t>(cfg.integer("forward.batch_events"));
  fo.batch_bytes = cfg.bytes("forward.batch_bytes");
  fo.window = static_cast<size_t>(cfg.integer("forward.window"));
  fo.ack_timeout = cfg.duration("forward.ack_timeout");
  fo.drain_rate = static_cast<uint64_t>(cfg.integer("forward.drain_rate"));
  fo.state_interval = cfg.duration("forward.state_interval");
  fo.uplink_url = cfg.str("relay.uplink_url");
  fo.uplink_token = *uplink_token;
  fo.https_fallback_after = cfg.duration("relay.https_fallback_after");
  Forwarder forwarder(**journal, *transport, http.get(), outcomes, clock, fo);

  // The Clarus side: commands down from the ERP, applied to Clarus.
  ClarusParts clarus;
  if (!cfg.str("clarus.base_url").empty()) {
    Status made = clarus.make(cfg, **store, committer, *transport, **journal, **master, **rules, **book, clock);
    if (!made.ok()) return fail("Clarus settings", made);
    forwarder.on_other_message([&clarus](MqttMessage m) { clarus.downlink->handle_message(std::move(m)); });
    clarus.downlink->attach();
  }
  forwarder.attach();
  (*journal)->on_appended([&forwarder] { forwarder.wake(); });

  AgentContext ctx;
  ctx.site_id = site;
  ctx.version = version;
  ctx.broker_uri = mo.server_uri;
  ctx.started_at_ms = clock.wall_ms();
  ctx.limits.max_batch_events = static_cast<size_t>(cfg.integer("intake.max_batch_events"));
  ctx.journal = journal->get();
  ctx.forwarder = &forwarder;
  ctx.outcomes = &outcomes;
  ctx.store = store->get();
  ctx.clock = &clock;
  ctx.clarus = clarus.client.get();
  ctx.commands = clarus.commands.get();
  ctx.downlink = clarus.downlink.get();
  ctx.sweeper = clarus.sweeper.get();
  ctx.webhooks = clarus.webhooks.get();
  ctx.exceptions = book->get();
  ctx.rules = rules->get();
  ctx.master = master->get();
  ctx.audit = clarus.audit.get();
  ctx.users = users;

  HttpServerOptions so;
  so.bind_address = cfg.str("intake.bind");
  so.port = static_cast<uint16_t>(cfg.integer("intake.port"));
  so.max_threads = static_cast<int>(cfg.integer("intake.threads"));
  so.max_body_bytes = cfg.bytes("intake.max_body");
  so.tls_cert_file = cfg.str("intake.tls_cert_file");
  so.tls_key_file = cfg.str("intake.tls_key_file");
  std::shared_ptr<Router> router = make_agent_router(ctx);
  if (clarus.webhooks) add_clarus_webhook_routes(*router, *clarus.webhooks);
  AgentExceptionActions exception_actions(**rules, **book, clarus.audit.get(), clarus.commands.get());
  add_exception_routes(*router, **book, users, exception_actions);
  WebSessions::Options web;
  web.cookie_name = "sb_agent_session";
  web.secure_cookie = !so.tls_cert_file.empty();
  WebSessions sessions(users, clock, web);
  add_agent_pages(*router, ctx, sessions, exception_actions);
  ctx.catch_up_over = fo.batch_events;
  Result<std::unique_ptr<HttpServer>> server = start_http_server(so, router);
  if (!server.ok()) return fail("cannot listen on " + so.bind_address + ":" + std::to_string(so.port), server.status());

  Status started = transport->start();
  if (!started.ok()) return fail("cannot start MQTT", started);
  forwarder.start();
  if (clarus.downlink) clarus.downlink->start();
  if (clarus.sweeper) clarus.sweeper->start();

  // Forget old dedup ids now and then; cheap, and keeps the journal's size bounded.
  Periodic pruner(Millis(60'000), [&] {
    Result<uint64_t> n = (*journal)->prune_ids();
    if (n.ok() && *n > 0) log::info("journal", "forgot old event ids", {{"count", *n}});
    Result<uint64_t> x = (*book)->prune();
    if (x.ok() && *x > 0) log::info("agent", "forgot exceptions closed long ago", {{"count", *x}});
    // A reader killed mid-way (e.g. `journal verify` stopped with Ctrl-C) would pin old pages.
    Result<uint64_t> stale = (*store)->clear_stale_readers();
    if (stale.ok() && *stale > 0) log::warn("journal", "cleared reader slots left by dead processes", {{"count", *stale}});
  });

  // The SKU audit on its schedule (also on demand: POST /api/sku-audit).
  std::unique_ptr<Periodic> auditor;
  if (clarus.audit && cfg.duration("audit.sku_interval").count() > 0)
    auditor = std::make_unique<Periodic>(cfg.duration("audit.sku_interval"), [&clarus] { clarus.audit->run(); });

  const std::string url = std::string(so.tls_cert_file.empty() ? "http://" : "https://") + so.bind_address + ":" + std::to_string((*server)->port());
  log::info("agent", "started", {{"site", site}, {"version", version}, {"intake", url + "/v1/events"},
                                 {"status", url + "/api/status"}, {"broker", mo.server_uri},
                                 {"journal", store_options.path}});
  // The journal is open and the intake serves: a Type=notify unit counts as started now.
  (void)notify_service("READY=1\nSTATUS=serving on " + url);
  int sig = wait_for_shutdown_signal();
  log::info("agent", "stopping", {{"signal", sig}});
  (void)notify_service("STOPPING=1");
  (*server)->stop();  // no new intake; requests in progress finish (their events are durable)
  if (clarus.downlink) clarus.downlink->request_stop();  // both stop at once; each may be waiting on Clarus
  if (clarus.sweeper) clarus.sweeper->stop();
  if (clarus.downlink) clarus.downlink->stop();
  forwarder.stop();
  (void)transport->publish(v1::state_topic(site), Forwarder::offline_state(site, version), 1, true);
  transport->stop();
  pruner.stop();
  if (auditor) auditor->stop();
  committer.stop();
  log::info("agent", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (sb::agent::is_journal_command(argc, argv))  // journal verify: reads the journal itself, read-only
    return sb::agent::run_journal_command(argc, argv, std::cout, std::cerr);
  if (sb::is_admin_command(argc, argv))
    return sb::run_admin_command(argc, argv, {"stockbridge-agent", 8480}, std::cout, std::cerr, std::cin);
  return sb::run_program(argc, argv, {"stockbridge-agent", STOCKBRIDGE_VERSION, "the Stockbridge edge agent (also: status, exceptions, journal verify; each with --help)", nullptr}, sb::agent::agent_settings(), run);
}
