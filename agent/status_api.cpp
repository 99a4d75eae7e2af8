#include <algorithm>
#include <cstdio>

#include "agent/agent_api.h"
#include "platform/core/log.h"
#include "platform/core/report.h"
#include "platform/http/exception_routes.h"

namespace sb::agent {

HttpResponse handle_post_events(AgentContext& ctx, const HttpRequest& req);  // intake_api.cpp

namespace {

constexpr size_t kBacklogScan = 50'000;  // the oldest events a status read counts by kind

Json num(uint64_t v) { return json_count(v); }
Json num(int64_t v) { return Json::number(v); }
Json time_or_null(int64_t ms) { return json_time(ms); }

Json audit_json(const SkuAuditReport& r) {
  Json j = Json::object();
  j.set("at", time_or_null(r.at_ms));
  j.set("items", num(r.items));
  j.set("products", num(r.products));
  j.set("divergent", num(r.divergent));
  j.set("raised", num(r.raised));
  j.set("resolved", num(r.resolved));
  if (!r.error.empty()) j.set("error", Json::string(r.error));
  return j;
}

}  // namespace

FlowView flow_view(AgentContext& ctx, const JournalStats& j, const ForwarderStats& f, int64_t now) {
  // A relay that has not acknowledged anything for this long, with events
  // waiting as long, counts as a link down even while the broker is up.
  constexpr int64_t kSilentMs = 60'000;
  FlowView v;
  v.backlog = j.backlog;
  if (j.backlog >= j.capacity || ctx.journal->over_disk_allowance()) {
    v.state = "full";
    v.why = j.backlog >= j.capacity ? "the journal holds its most unacknowledged events"
                                    : "the journal's disk allowance is used up";
  } else if (!f.broker_connected && !f.https_active) {
    v.state = "offline";
    v.why = "no link to the broker (and the HTTPS fallback is not answering)";
    v.since_ms = f.broker_changed_at_ms;
  } else if (j.backlog > 0 && j.oldest_accepted_ms > 0 && now - j.oldest_accepted_ms > kSilentMs &&
             now - f.last_ack_at_ms > kSilentMs) {
    v.state = "offline";
    v.why = "the relay is not acknowledging";
    v.since_ms = std::max(f.last_ack_at_ms, j.oldest_accepted_ms);
  } else if (j.backlog > ctx.catch_up_over) {
    v.state = "catching_up";
    if (f.ack_rate > 0) v.eta_s = static_cast<double>(j.backlog) / f.ack_rate;
  } else {
    v.state = "flowing";
  }
  // The bar's whole: the largest backlog since the books last flowed.
  if (v.state == "flowing") {
    ctx.catch_up_peak.store(0);
  } else {
    uint64_t peak = ctx.catch_up_peak.load();
    while (peak < j.backlog && !ctx.catch_up_peak.compare_exchange_weak(peak, j.backlog)) {
    }
  }
  v.peak = std::max<uint64_t>(ctx.catch_up_peak.load(), j.backlog);
  return v;
}

Result<BacklogByKind> backlog_by_kind(AgentContext& ctx) {
  std::lock_guard<std::mutex> lock(ctx.backlog_kinds_mu);
  Result<BacklogByKind> kinds =
      ctx.journal->backlog_by_kind(kBacklogScan, ctx.backlog_kinds_at_ms != 0 ? &ctx.backlog_kinds : nullptr);
  if (!kinds.ok()) return kinds;
  ctx.backlog_kinds = *kinds;
  ctx.backlog_kinds_at_ms = ctx.clock->mono_ms();
  return kinds;
}

Json agent_status(AgentContext& ctx) {
  const int64_t now = ctx.clock->wall_ms();
  JournalStats js = ctx.journal->stats();
  ForwarderStats fs = ctx.forwarder->stats();
  StoreStats ss = ctx.store->stats();

  Json s = Json::object();
  s.set("site_id", Json::string(ctx.site_id));
  s.set("version", Json::string(ctx.version));
  s.set("now", Json::string(format_iso8601(now)));
  s.set("started_at", Json::string(format_iso8601(ctx.started_at_ms)));
  s.set("uptime_s", num((now - ctx.started_at_ms) / 1000));
  const FlowView flow = flow_view(ctx, js, fs, now);
  const std::string& state = flow.state;
  s.set("state", Json::string(state));
  if (!flow.why.empty()) s.set("state_why", Json::string(flow.why));
  if (flow.since_ms > 0) s.set("state_since", time_or_null(flow.since_ms));
  if (state == "catching_up") {
    Json& c = s.set("catching_up", Json::object());
    c.set("events_left", num(js.backlog));
    c.set("backlog_at_start", num(flow.peak));
    c.set("done_pct", Json::number(flow.peak ? 100.0 * static_cast<double>(flow.peak - js.backlog) / flow.peak : 0.0));
    if (flow.eta_s >= 0) c.set("eta_s", Json::number(flow.eta_s));
  }

  Json& journal = s.set("journal", Json::object());
  journal.set("epoch", Json::string(js.epoch));
  journal.set("last_seq", num(js.last_seq));
  journal.set("acked_through", num(js.acked_through));
  journal.set("backlog", num(js.backlog));
  journal.set("capacity", num(js.capacity));
  journal.set("used_pct", Json::number(js.capacity ? 100.0 * static_cast<double>(js.backlog) / js.capacity : 0.0));
  journal.set("oldest_unacked_at", time_or_null(js.oldest_accepted_ms));
  journal.set("oldest_unacked_age_s",
              Json::number(js.oldest_accepted_ms > 0 ? static_cast<double>(now - js.oldest_accepted_ms) / 1000.0 : 0.0));
  journal.set("disk_bytes", num(in_use_bytes(ss)));
  journal.set("file_bytes", num(ss.used_bytes));
  journal.set("map_bytes", num(ss.map_bytes));
  journal.set("max_map_bytes", num(ss.max_map_bytes));
  if (Result<BacklogByKind> kinds = backlog_by_kind(ctx); kinds.ok()) {
    Json& by = journal.set("backlog_by_kind", Json::object());
    for (const auto& [kind, n] : kinds->counts) by.set(kind, num(n));
    journal.set("backlog_by_kind_complete", Json::boolean(kinds->complete));
  }

  Json& links = s.set("links", Json::object());
  Json& broker = links.set("broker", Json::object());
  broker.set("uri", Json::string(ctx.broker_uri));
  broker.set("connected", Json::boolean(fs.broker_connected));
  broker.set("since", time_or_null(fs.broker_changed_at_ms));
  Json& relay = links.set("relay", Json::object());
  relay.set("last_ack_at", time_or_null(fs.last_ack_at_ms));
  relay.set("https_fallback_active", Json::boolean(fs.https_active));
  relay.set("last_error", json_text(fs.last_error));
  Json& erp = links.set("erp", Json::object());  // as the relay last reported it
  erp.set("reported_at", time_or_null(fs.erp.reported_at_ms()));
  if (fs.erp.reported_at_ms() > 0) {
    erp.set("ok", Json::boolean(fs.erp.ok()));
    erp.set("last_ok_at", time_or_null(fs.erp.last_ok_ms()));
    erp.set("last_failure_at", time_or_null(fs.erp.last_failure_ms()));
    erp.set("last_error", json_text(fs.erp.last_error()));
    erp.set("relay_pending", num(fs.erp.pending()));
  }

  Json& intake = s.set("intake", Json::object());
  intake.set("accepted", num(ctx.counters.accepted.load()));
  intake.set("duplicates", num(ctx.counters.duplicates.load()));
  intake.set("rejected", num(ctx.counters.rejected.load()));
  intake.set("refused_full", num(ctx.counters.refused_full.load()));
  intake.set("failed", num(ctx.counters.failed.load()));
  intake.set("last_event_at", time_or_null(ctx.counters.last_event_at_ms.load()));

  Json& fwd = s.set("forwarding", Json::object());
  fwd.set("events_sent", num(fs.events_sent));
  fwd.set("batches_sent", num(fs.batches_sent));
  fwd.set("resends", num(fs.resends));
  fwd.set("sent_through", num(fs.sent_through));
  fwd.set("relay_acked_through", num(fs.relay_acked));
  fwd.set("ack_rate_per_s", Json::number(fs.ack_rate));
  if (flow.eta_s >= 0) fwd.set("eta_s", Json::number(flow.eta_s));

  Json& outcomes = s.set("outcomes", Json::object());
  outcomes.set("posted", num(ctx.outcomes->posted()));
  outcomes.set("held", num(ctx.outcomes->held()));
  Json& recent = outcomes.set("recent", Json::array());
  for (const v1::EventOutcome& o : ctx.outcomes->recent()) {
    Json r = Json::object();
    r.set("event_id", Json::string(o.event_id()));
    r.set("seq", num(o.seq()));
    r.set("outcome", Json::string(o.kind() == v1::EventOutcome::POSTED      ? "posted"
                                  : o.kind() == v1::EventOutcome::DISCARDED ? "discarded"
                                                                            : "held"));
    if (!o.erp_id().empty()) r.set("erp_id", Json::string(o.erp_id()));
    if (!o.exception_class().empty()) r.set("exception_class", Json::string(o.exception_class()));
    if (!o.exception_id().empty()) r.set("exception_id", Json::string(o.exception_id()));
    if (!o.reason().empty()) r.set("reason", Json::string(o.reason()));
    r.set("at", time_or_null(o.at_ms()));
    recent.push(std::move(r));
  }
  if (ctx.exceptions) s.set("exceptions", ctx.exceptions->counts().to_json());
  if (ctx.rules) {
    EdgeRulesStats rs = ctx.rules->stats();
    Json& rules = s.set("rules", Json::object());
    rules.set("held_events", num(rs.held_events));
    rules.set("released", num(rs.released));
    rules.set("discarded", num(rs.discarded));
    if (ctx.master) {
      rules.set("master_items", num(ctx.master->items()));
      rules.set("master_carriers", num(ctx.master->carriers()));
    }
  }
  if (ctx.audit) s.set("sku_audit", audit_json(ctx.audit->last()));
  add_clarus_status(ctx, s);
  return s;
}


namespace {

HttpResponse metrics(AgentContext& ctx) {
  JournalStats js = ctx.journal->stats();
  ForwarderStats fs = ctx.forwarder->stats();
  StoreStats ss = ctx.store->stats();
  const double now = static_cast<double>(ctx.clock->wall_ms());
  std::string o;
  auto d = [](auto v) { return static_cast<double>(v); };
  metric(o, "stockbridge_agent_journal_backlog_events", "gauge", "Events journaled and not yet acknowledged by the relay.", d(js.backlog));
  metric(o, "stockbridge_agent_journal_oldest_unacked_age_seconds", "gauge", "Age of the oldest unacknowledged event.",
         js.oldest_accepted_ms ? (now - d(js.oldest_accepted_ms)) / 1000.0 : 0.0);
  metric(o, "stockbridge_agent_journal_capacity_events", "gauge", "Hard cap of unacknowledged events.", d(js.capacity));
  metric(o, "stockbridge_agent_journal_last_seq", "counter", "Highest sequence number assigned.", d(js.last_seq));
  metric(o, "stockbridge_agent_journal_disk_bytes", "gauge", "Bytes of journal pages in use (free pages excluded).",
         d(in_use_bytes(ss)));
  metric(o, "stockbridge_agent_intake_accepted_total", "counter", "Events accepted and journaled.", d(ctx.counters.accepted.load()));
  metric(o, "stockbridge_agent_intake_duplicates_total", "counter", "Events received again and recognised as duplicates.", d(ctx.counters.duplicates.load()));
  metric(o, "stockbridge_agent_intake_rejected_total", "counter", "Requests refused as invalid (400).", d(ctx.counters.rejected.load()));
  metric(o, "stockbridge_agent_intake_refused_full_total", "counter", "Requests refused because the journal was full (503).", d(ctx.counters.refused_full.load()));
  metric(o, "stockbridge_agent_intake_failed_total", "counter", "Requests refused because the journal failed (503).", d(ctx.counters.failed.load()));
  metric(o, "stockbridge_agent_forward_events_sent_total", "counter", "Events sent to the relay (resends included).", d(fs.events_sent));
  metric(o, "stockbridge_agent_forward_resends_total", "counter", "Times unacknowledged events were sent again.", d(fs.resends));
  metric(o, "stockbridge_agent_forward_acked_through", "counter", "Highest sequence the relay acknowledged.", d(fs.relay_acked));
  metric(o, "stockbridge_agent_broker_connected", "gauge", "1 when connected to the MQTT broker.", fs.broker_connected ? 1 : 0);
  metric(o, "stockbridge_agent_https_fallback_active", "gauge", "1 while batches go by the HTTPS uplink.", fs.https_active ? 1 : 0);
  metric(o, "stockbridge_agent_outcomes_posted_total", "counter", "Events the relay reported posted to the ERP.", d(ctx.outcomes->posted()));
  metric(o, "stockbridge_agent_outcomes_held_total", "counter", "Events the relay reported held as exceptions.", d(ctx.outcomes->held()));
  if (ctx.exceptions)
    metric(o, "stockbridge_agent_exceptions_open", "gauge", "Exceptions open or retrying at the site.", d(ctx.exceptions->counts().open));
  if (ctx.rules)
    metric(o, "stockbridge_agent_held_events", "gauge", "Events held at the site (exceptions and those waiting behind them).",
           d(ctx.rules->stats().held_events));
  add_clarus_metrics(ctx, o);
  return HttpResponse::text(200, std::move(o), "text/plain; version=0.0.4");
}

}  // namespace

namespace {

// Runs the SKU master audit now: a person's action, so it needs credentials.
HttpResponse run_sku_audit(AgentContext& ctx, const HttpRequest& req) {
  if (!ctx.audit) return HttpResponse::error(409, "this agent has no Clarus adapter to audit");
  if (!same_origin(req)) return HttpResponse::error(403, "a page from another site may not start the audit");
  std::string why;
  std::optional<std::string> who = ctx.users ? ctx.users->authenticate(req, &why) : std::nullopt;
  if (!who) return unauthorized(ctx.users && !ctx.users->empty() ? why : "no admin users are configured: set admin.users_file");
  log::info("audit", "SKU audit asked for", {{"who", *who}});
  SkuAuditReport r = ctx.audit->run();
  return HttpResponse::json(r.error.empty() ? 200 : 503, audit_json(r).dump());
}

}  // namespace

std::shared_ptr<Router> make_agent_router(AgentContext& ctx) {
  auto r = std::make_shared<Router>();
  r->add("POST", "/v1/events", [&ctx](const HttpRequest& req) { return handle_post_events(ctx, req); });
  r->add("GET", "/api/status", [&ctx](const HttpRequest&) { return HttpResponse::json(200, agent_status(ctx).dump()); });
  r->add("GET", "/metrics", [&ctx](const HttpRequest&) { return metrics(ctx); });
  r->add("POST", "/api/sku-audit", [&ctx](const HttpRequest& req) { return run_sku_audit(ctx, req); });
  r->add("GET", "/healthz", [](const HttpRequest&) { return HttpResponse::json(200, "{\"status\":\"ok\"}"); });
  r->add("GET", "/readyz", [&ctx](const HttpRequest&) {
    JournalStats js = ctx.journal->stats();
    if (js.backlog >= js.capacity || ctx.journal->over_disk_allowance())
      return HttpResponse::error(503, "the journal is full");
    return HttpResponse::json(200, "{\"status\":\"ready\"}");
  });
  return r;
}

}  // namespace sb::agent
