// The Clarus part of the status page: is Clarus reachable, what waits to be
// applied there, and what Clarus refused.
#include "agent/agent_api.h"
#include "platform/core/report.h"

namespace sb::agent {
namespace {

Json time_or_null(int64_t ms) { return json_time(ms); }
Json num(uint64_t v) { return json_count(v); }

Json command_outcome_json(const v1::CommandOutcome& o) {
  Json r = Json::object();
  r.set("command_id", Json::string(o.command_id()));
  r.set("outcome", Json::string(o.kind() == v1::CommandOutcome::APPLIED     ? "applied"
                                  : o.kind() == v1::CommandOutcome::DISCARDED ? "discarded"
                                                                              : "held"));
  if (!o.clarus_id().empty()) r.set("clarus_id", Json::string(o.clarus_id()));
  if (!o.reason().empty()) r.set("reason", Json::string(o.reason()));
  r.set("at", time_or_null(o.at_ms()));
  return r;
}

}  // namespace

void add_clarus_status(AgentContext& ctx, Json& s) {
  if (!ctx.clarus) return;
  Json& links = s.set("links", s.find("links") ? *s.find("links") : Json::object());
  ClarusCounters cc = ctx.clarus->counters();
  Json& clarus = links.set("clarus", Json::object());
  const bool reachable = cc.last_ok_at_ms > 0 && cc.last_ok_at_ms >= cc.last_failure_at_ms;
  clarus.set("reachable", Json::boolean(reachable));
  clarus.set("last_ok_at", time_or_null(cc.last_ok_at_ms));
  clarus.set("last_failure_at", time_or_null(cc.last_failure_at_ms));
  clarus.set("last_error", json_text(cc.last_error));
  clarus.set("requests", num(cc.requests));
  clarus.set("webhooks", Json::boolean(ctx.webhooks != nullptr));
  if (ctx.webhooks) clarus.set("webhook_intake", webhook_counters_json(ctx.webhooks->counters()));
  if (ctx.sweeper) {
    SweepStats ws = ctx.sweeper->stats();
    Json& sw = clarus.set("sweeps", Json::object());
    sw.set("last_sweep_at", time_or_null(ws.last_sweep_at_ms));
    sw.set("last_sweep_ms", Json::number(ws.last_sweep_ms));
    sw.set("last_ok_at", time_or_null(ws.last_ok_at_ms));
    sw.set("last_snapshot_at", time_or_null(ws.last_snapshot_at_ms));
    sw.set("sweeps", num(ws.sweeps));
    sw.set("failed", num(ws.failed_sweeps));
    sw.set("events_found_first", num(ws.events_new));
    sw.set("events_already_journaled", num(ws.events_duplicate));
    sw.set("goods_out_hints_dropped", num(ws.goods_out_hints_dropped));
    sw.set("records_without_id", num(ws.records_without_id));
    sw.set("last_error", json_text(ws.last_error));
    Json& cursors = sw.set("cursors", Json::object());
    for (const auto& [resource, c] : ws.cursors) {
      Json j = Json::object();
      j.set("after_id", Json::number(c.cursor));
      j.set("open_records", num(static_cast<uint64_t>(c.open)));
      if (c.held_at > 0) {
        // Still open in Clarus (e.g. a receipt being received): read again by id every sweep.
        j.set("oldest_open_id", Json::number(c.held_at));
        j.set("oldest_open_because", Json::string(c.held_reason));
        j.set("oldest_open_since", time_or_null(c.held_since_ms));
      }
      if (c.settling_at > 0) j.set("settling_at_id", Json::number(c.settling_at));
      cursors.set(resource, std::move(j));
    }
  }

  if (!ctx.commands || !ctx.downlink) return;
  CommandJournalStats cs = ctx.commands->stats();
  DownlinkStats ds = ctx.downlink->stats();
  Json& dl = s.set("downlink", Json::object());
  dl.set("waiting", num(cs.waiting));
  dl.set("oldest_waiting_at", time_or_null(cs.oldest_waiting_ms));
  dl.set("applied", num(cs.applied));
  dl.set("held", num(cs.held));
  dl.set("duplicates", num(cs.duplicates));
  dl.set("last_applied_at", time_or_null(cs.last_applied_at_ms));
  dl.set("clarus_unavailable", Json::boolean(ds.clarus_unavailable));
  dl.set("unavailable_since", ds.clarus_unavailable ? time_or_null(ds.unavailable_since_ms) : Json());
  dl.set("retries", num(ds.retries));
  dl.set("current", json_text(ds.current));
  dl.set("last_error", json_text(ds.last_error));
  Json& recent = dl.set("recent", Json::array());
  for (const v1::CommandOutcome& o : ctx.commands->recent()) recent.push(command_outcome_json(o));
  Json& held = dl.set("held_commands", Json::array());
  for (const HeldCommand& h : ctx.commands->held(50)) {
    Json j = command_outcome_json(h.outcome);
    j.set("kind", Json::string(command_kind(h.command)));
    j.set("business_key", Json::string(command_business_key(h.command)));
    held.push(std::move(j));
  }
}

void add_clarus_metrics(AgentContext& ctx, std::string& o) {
  if (!ctx.clarus) return;
  ClarusCounters cc = ctx.clarus->counters();
  auto d = [](auto v) { return static_cast<double>(v); };
  metric(o, "stockbridge_agent_clarus_requests_total", "counter", "Requests made to the Clarus API.", d(cc.requests));
  metric(o, "stockbridge_agent_clarus_unavailable_total", "counter", "Clarus requests that found it unavailable.", d(cc.unavailable));
  metric(o, "stockbridge_agent_clarus_rejected_total", "counter", "Clarus requests it refused (4xx).", d(cc.rejected));
  if (ctx.sweeper) {
    SweepStats ws = ctx.sweeper->stats();
    metric(o, "stockbridge_agent_clarus_sweeps_total", "counter", "GraphQL sweeps run.", d(ws.sweeps));
    metric(o, "stockbridge_agent_clarus_sweeps_failed_total", "counter", "GraphQL sweeps that stopped on an error.", d(ws.failed_sweeps));
    metric(o, "stockbridge_agent_clarus_sweep_events_found_first_total", "counter",
           "Facts a sweep journaled before any webhook brought them (webhooks that never came).", d(ws.events_new));
  }
  if (ctx.webhooks) {
    WebhookCounters wc = ctx.webhooks->counters();
    uint64_t rejected = 0;
    for (const auto& [k, v] : wc.rejected) rejected += v;
    metric(o, "stockbridge_agent_clarus_webhooks_accepted_total", "counter", "Clarus webhooks journaled as new events.", d(wc.accepted));
    metric(o, "stockbridge_agent_clarus_webhooks_duplicates_total", "counter", "Clarus webhooks for facts already journaled.", d(wc.duplicates));
    metric(o, "stockbridge_agent_clarus_webhooks_refused_total", "counter", "Clarus webhooks refused (authentication, size, content).", d(rejected));
  }
  if (!ctx.commands || !ctx.downlink) return;
  CommandJournalStats cs = ctx.commands->stats();
  metric(o, "stockbridge_agent_downlink_waiting_commands", "gauge", "Commands journaled and not yet applied to Clarus.", d(cs.waiting));
  metric(o, "stockbridge_agent_downlink_held_commands", "gauge", "Commands Clarus refused, held as exceptions.", d(cs.held));
  metric(o, "stockbridge_agent_downlink_applied_total", "counter", "Commands applied to Clarus since start.", d(cs.applied));
}

}  // namespace sb::agent
