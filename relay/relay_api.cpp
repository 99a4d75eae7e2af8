#include "relay/relay_api.h"

#include <cstdio>

#include "platform/core/log.h"
#include "platform/http/admin_auth.h"
#include "platform/core/report.h"

namespace sb::relay {
namespace {

Json num(uint64_t v) { return json_count(v); }
Json time_or_null(int64_t ms) { return json_time(ms); }

HttpResponse uplink(RelayContext& ctx, const HttpRequest& req) {
  const std::string& site = req.params.at("site");
  if (!ctx.uplink_token.empty() && !same_secret(req.header("Authorization"), "Bearer " + ctx.uplink_token)) {
    log::warn("relay", "refused an HTTPS uplink without a valid token", {{"site", site}, {"remote", req.remote_address}});
    return HttpResponse::error(401, "a valid bearer token is required");
  }
  Result<std::string> ack = ctx.uplink->accept_http(site, req.body);
  if (!ack.ok()) {
    if (ack.status().code() == Code::kInvalidArgument) return HttpResponse::error(400, ack.status().message());
    HttpResponse r = HttpResponse::error(503, "the ledger could not store the batch; send it again");
    r.headers.emplace_back("Retry-After", "5");
    return r;
  }
  HttpResponse r;
  r.status = 200;
  r.content_type = "application/x-protobuf";
  r.body = std::move(ack).value();
  return r;
}

HttpResponse metrics(RelayContext& ctx) {
  LedgerStats ls = ctx.ledger->stats();
  PosterStats ps = ctx.poster->stats();
  UplinkStats us = ctx.uplink->stats();
  auto d = [](auto v) { return static_cast<double>(v); };
  std::string o;
  metric(o, "stockbridge_relay_ledger_pending_events", "gauge", "Events in custody not yet posted (held included).", d(ls.pending));
  metric(o, "stockbridge_relay_ledger_held_events", "gauge", "Events held as exceptions.", d(ls.held));
  if (ctx.exceptions) {
    ExceptionCounts xc = ctx.exceptions->counts();
    metric(o, "stockbridge_relay_exceptions_open", "gauge", "Exceptions open or retrying.", d(xc.open));
  }
  if (ctx.monitors) {
    metric(o, "stockbridge_relay_monitor_conditions_open", "gauge", "Conditions the monitors hold open (orphaned orders, unposted shipments, returns without credit, backlogs, sites offline).", d(ctx.monitors->open_conditions()));
  }
  if (ctx.alerts) {
    AlertStats as = ctx.alerts->stats();
    metric(o, "stockbridge_relay_alerts_sent_total", "counter", "Alert messages accepted by a sink (a digest counts once).", d(as.sent));
    metric(o, "stockbridge_relay_alerts_failures_total", "counter", "Alert sends that failed (sent again on a later pass).", d(as.failures));
    metric(o, "stockbridge_relay_alerts_owed", "gauge", "Alert messages waiting for a sink after the last pass.", d(as.owed));
  }
  metric(o, "stockbridge_relay_ledger_posted_total", "counter", "Events posted to the ERP.", d(ls.posted));
  metric(o, "stockbridge_relay_uplink_batches_total", "counter", "Batches taken from sites.", d(us.batches));
  metric(o, "stockbridge_relay_uplink_redelivered_total", "counter", "Events received again and skipped.", d(us.redelivered));
  metric(o, "stockbridge_relay_uplink_rejected_batches_total", "counter", "Batches refused (malformed or wrong site).", d(us.rejected_batches));
  metric(o, "stockbridge_relay_erp_calls_total", "counter", "Requests made to the ERP.", d(ps.erp_calls));
  metric(o, "stockbridge_relay_erp_retries_total", "counter", "Transient ERP failures retried.", d(ps.retries));
  metric(o, "stockbridge_relay_erp_throttled_total", "counter", "ERP answers asking us to slow down.", d(ps.throttled));
  metric(o, "stockbridge_relay_erp_lookups_total", "counter", "Lookups by external id before posting again.", d(ps.lookups));
  metric(o, "stockbridge_relay_erp_found_by_lookup_total", "counter", "Records found by lookup (duplicates avoided).", d(ps.found_by_lookup));
  metric(o, "stockbridge_relay_erp_coalesced_events_total", "counter", "Stock adjustments posted inside a net adjustment of several.", d(ps.coalesced_events));
  metric(o, "stockbridge_relay_erp_calls_saved_total", "counter", "ERP creates not made because stock adjustments were coalesced.", d(ps.calls_saved));
  metric(o, "stockbridge_relay_erp_posted_last_minute", "gauge", "Events posted to the ERP in the last 60 seconds.", ps.posted_per_minute);
  metric(o, "stockbridge_relay_erp_concurrency_limit", "gauge", "Current ERP concurrency limit.", d(ps.concurrency_limit));
  metric(o, "stockbridge_relay_erp_in_progress", "gauge", "ERP requests in progress.", d(ps.in_progress));
  metric(o, "stockbridge_relay_blocked_keys", "gauge", "Business keys waiting behind a held event.", d(ps.blocked_keys));
  metric(o, "stockbridge_relay_broker_connected", "gauge", "1 when connected to the MQTT broker.", us.broker_connected ? 1 : 0);
  const std::map<std::string, SiteState> sites = ctx.uplink->sites();
  metric_header(o, "stockbridge_relay_site_online", "gauge", "1 when the site's agent is online.");
  for (const auto& [site, st] : sites) {
    metric_value(o, "stockbridge_relay_site_online", st.state.online() ? 1 : 0, "{site=\"" + site + "\"}");
  }
  metric_header(o, "stockbridge_relay_site_backlog_events", "gauge", "Backlog the site last reported.");
  for (const auto& [site, st] : sites) {
    metric_value(o, "stockbridge_relay_site_backlog_events", d(st.state.backlog_events()), "{site=\"" + site + "\"}");
  }
  return HttpResponse::text(200, std::move(o), "text/plain; version=0.0.4");
}

}  // namespace

Json relay_status(RelayContext& ctx) {
  const int64_t now = ctx.clock->wall_ms();
  LedgerStats ls = ctx.ledger->stats();
  PosterStats ps = ctx.poster->stats();
  UplinkStats us = ctx.uplink->stats();
  Json s = Json::object();
  s.set("relay_id", Json::string(ctx.relay_id));
  s.set("version", Json::string(ctx.version));
  s.set("now", Json::string(format_iso8601(now)));
  s.set("uptime_s", Json::number((now - ctx.started_at_ms) / 1000));

  Json& ledger = s.set("ledger", Json::object());
  ledger.set("pending", num(ls.pending));
  ledger.set("held", num(ls.held));
  ledger.set("posted", num(ls.posted));
  ledger.set("taken", num(ls.taken));
  ledger.set("discarded", num(ls.discarded));

  Json& erp = s.set("erp", Json::object());
  erp.set("connector", Json::string(ctx.erp_name));
  erp.set("base_url", Json::string(ctx.erp_base_url));
  erp.set("concurrency_limit", Json::number(static_cast<int64_t>(ps.concurrency_limit)));
  erp.set("max_concurrency", Json::number(static_cast<int64_t>(ps.max_concurrency)));
  erp.set("in_progress", Json::number(static_cast<int64_t>(ps.in_progress)));
  erp.set("queued", num(ps.queued));
  erp.set("keys", num(ps.keys));
  erp.set("blocked_keys", num(ps.blocked_keys));
  erp.set("delayed_keys", num(ps.delayed_keys));
  erp.set("posted", num(ps.posted));
  erp.set("posted_last_minute", Json::number(ps.posted_per_minute));
  erp.set("last_ok_at", time_or_null(ps.last_ok_ms));
  erp.set("last_failure_at", time_or_null(ps.last_failure_ms));
  erp.set("held", num(ps.held));
  erp.set("retries", num(ps.retries));
  erp.set("throttled", num(ps.throttled));
  erp.set("lookups", num(ps.lookups));
  erp.set("found_by_lookup", num(ps.found_by_lookup));
  erp.set("calls", num(ps.erp_calls));
  Json& coalesced = erp.set("coalesced", Json::object());
  coalesced.set("records", num(ps.coalesced_records));
  coalesced.set("events", num(ps.coalesced_events));
  coalesced.set("calls_saved", num(ps.calls_saved));
  erp.set("last_error", json_text(ps.last_error));
  erp.set("released", num(ps.released));
  erp.set("discarded", num(ps.discarded));

  if (ctx.exceptions) s.set("exceptions", ctx.exceptions->counts().to_json());
  if (ctx.monitors) s.set("monitors", ctx.monitors->status());
  if (ctx.alerts) s.set("alerts", ctx.alerts->status());

  Json& up = s.set("uplink", Json::object());
  up.set("broker_connected", Json::boolean(us.broker_connected));
  up.set("batches", num(us.batches));
  up.set("events_taken", num(us.events_taken));
  up.set("redelivered", num(us.redelivered));
  up.set("duplicate_ids", num(us.duplicate_ids));
  up.set("beyond_gap", num(us.beyond_gap));
  up.set("rejected_batches", num(us.rejected_batches));
  up.set("dropped_busy", num(us.dropped_busy));
  up.set("acks_published", num(us.acks_published));
  up.set("outcomes_published", num(us.outcomes_published));

  if (ctx.downlink) {
    DownlinkStats ds = ctx.downlink->stats();
    Json& dl = s.set("downlink", Json::object());
    dl.set("epoch", Json::string(ctx.outbox->epoch()));
    dl.set("batches_sent", num(ds.batches_sent));
    dl.set("commands_sent", num(ds.commands_sent));
    dl.set("resends", num(ds.resends));
    dl.set("acks", num(ds.acks));
    Json& recent = dl.set("recent_outcomes", Json::array());
    for (const auto& [site, o] : ctx.outbox->recent_outcomes()) {
      if (recent.items().size() >= 50) break;
      Json r = Json::object();
      r.set("site_id", Json::string(site));
      r.set("command_id", Json::string(o.command_id()));
      r.set("outcome", Json::string(o.kind() == v1::CommandOutcome::APPLIED     ? "applied"
                                  : o.kind() == v1::CommandOutcome::DISCARDED ? "discarded"
                                                                              : "held"));
      if (!o.clarus_id().empty()) r.set("clarus_id", Json::string(o.clarus_id()));
      if (!o.reason().empty()) r.set("reason", Json::string(o.reason()));
      recent.push(std::move(r));
    }
  }

  if (ctx.feed) {
    ErpFeedStats fs = ctx.feed->stats();
    Json& f = s.set("feed", Json::object());
    f.set("last_poll_at", time_or_null(fs.last_poll_ms));
    f.set("last_ok_at", time_or_null(fs.last_ok_ms));
    f.set("polls", num(fs.polls));
    f.set("failed_polls", num(fs.failed_polls));
    f.set("last_error", json_text(fs.last_error));
    Json& queued = f.set("queued", Json::object());
    for (const auto& [kind, n] : fs.queued) queued.set(kind, num(n));
    Json& skipped = f.set("skipped", Json::object());
    for (const auto& [reason, n] : fs.skipped) skipped.set(reason, num(n));
    Json& cursors = f.set("cursors", Json::object());
    for (const auto& [name, c] : fs.cursors) cursors.set(name, Json::string(c));
    f.set("waiting_total", num(fs.waiting_total));
    Json& waiting = f.set("waiting", Json::array());
    for (const ErpFeedStats::Waiting& w : fs.waiting) {
      Json j = Json::object();
      j.set("feed", Json::string(w.feed));
      j.set("id", Json::string(w.id));
      j.set("reason", Json::string(w.reason));
      j.set("record", Json::string(w.what));
      j.set("why", json_text(w.detail));
      waiting.push(std::move(j));
    }
  }

  if (ctx.snapshots) {
    // The latest inventory snapshot of each site and warehouse, kept for reconciliation.
    Json& snaps = s.set("snapshots", Json::array());
    Result<std::vector<KeptSnapshot>> kept = ctx.snapshots->latest();
    for (const KeptSnapshot& k : kept.ok() ? *kept : std::vector<KeptSnapshot>{}) {
      Json j = Json::object();
      j.set("site_id", Json::string(k.site));
      j.set("warehouse", Json::string(k.warehouse));
      j.set("taken_at", time_or_null(k.taken_at_ms));
      j.set("parts", Json::number(static_cast<int64_t>(k.parts)));
      j.set("parts_kept", Json::number(static_cast<int64_t>(k.parts_kept)));
      j.set("balances", num(k.balances));
      snaps.push(std::move(j));
    }
  }

  Json& sites = s.set("sites", Json::array());
  std::map<std::string, SiteState> states = ctx.uplink->sites();
  std::map<std::string, StreamInfo> latest;  // the stream with the latest contact per site
  for (StreamInfo& si : ctx.ledger->streams()) {
    auto it = latest.find(si.site_id);
    if (it == latest.end() || si.last_contact_ms > it->second.last_contact_ms) latest[si.site_id] = si;
  }
  for (const auto& [site, st] : states) latest.try_emplace(site, StreamInfo{site, "", 0, 0});
  if (ctx.outbox)
    for (const std::string& site : ctx.outbox->sites()) latest.try_emplace(site, StreamInfo{site, "", 0, 0});
  for (const auto& [site, si] : latest) {
    Json j = Json::object();
    j.set("site_id", Json::string(site));
    auto st = states.find(site);
    j.set("online", Json::boolean(st != states.end() && st->second.state.online()));
    j.set("journal_epoch", Json::string(si.epoch));
    j.set("acked_through", num(si.high_water));
    j.set("last_batch_at", time_or_null(si.last_contact_ms));
    if (st != states.end()) {
      j.set("version", Json::string(st->second.state.version()));
      j.set("backlog", num(st->second.state.backlog_events()));
      j.set("oldest_unacked_at", time_or_null(st->second.state.oldest_unacked_ms()));
      j.set("state_at", time_or_null(st->second.received_at_ms));
    }
    if (ctx.outbox) {
      OutboxSiteStats os = ctx.outbox->stats(site);
      Json& d = j.set("commands", Json::object());
      d.set("waiting", num(os.waiting));
      d.set("oldest_waiting_at", time_or_null(os.oldest_waiting_ms));
      d.set("acked_through", num(os.acked_through));
      d.set("applied", num(os.applied));
      d.set("held", num(os.held));
    }
    sites.push(std::move(j));
  }
  return s;
}

namespace {

// Where one event stands: the question a person asks about one Clarus fact.
HttpResponse event_state(RelayContext& ctx, const HttpRequest& req) {
  const std::string& id = req.params.at("event_id");
  std::string erp_id;
  Result<std::string> state = ctx.ledger->state_of(id, &erp_id);
  if (!state.ok()) return HttpResponse::error(503, "the ledger could not be read: " + state.status().to_string());
  if (state->empty()) return HttpResponse::error(404, "the relay has not received event " + id + " (or forgot it after its retention)");
  Json j = Json::object();
  j.set("event_id", Json::string(id));
  j.set("state", Json::string(*state));
  if (!erp_id.empty()) j.set("erp_id", Json::string(erp_id));
  return HttpResponse::json(200, j.dump());
}

}  // namespace

std::shared_ptr<Router> make_relay_router(RelayContext& ctx) {
  auto r = std::make_shared<Router>();
  r->add("POST", "/v1/sites/{site}/uplink", [&ctx](const HttpRequest& req) { return uplink(ctx, req); });
  r->add("GET", "/api/status", [&ctx](const HttpRequest&) { return HttpResponse::json(200, relay_status(ctx).dump()); });
  r->add("GET", "/api/events/{event_id}", [&ctx](const HttpRequest& req) { return event_state(ctx, req); });
  r->add("GET", "/metrics", [&ctx](const HttpRequest&) { return metrics(ctx); });
  r->add("GET", "/healthz", [](const HttpRequest&) { return HttpResponse::json(200, "{\"status\":\"ok\"}"); });
  r->add("GET", "/readyz", [&ctx](const HttpRequest&) {
    if (!ctx.uplink->stats().broker_connected) return HttpResponse::error(503, "not connected to the MQTT broker");
    return HttpResponse::json(200, "{\"status\":\"ready\"}");
  });
  return r;
}

}  // namespace sb::relay
