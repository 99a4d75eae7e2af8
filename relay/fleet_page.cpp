#include "relay/fleet_page.h"

#include <algorithm>
#include <map>
#include <set>

#include "platform/http/exception_pages.h"
#include "platform/http/html.h"
#include "proto/stockbridge/v1/exceptions.h"

namespace sb::relay {
namespace {

using html::count_text;
using html::duration_text;
using html::escape;
using html::pill;

constexpr int kRefreshSeconds = 15;

// Open exceptions per site and class (scans the unclosed ones; a fleet has few).
std::map<std::string, std::map<std::string, uint64_t>> open_by_site(ExceptionBook* book) {
  std::map<std::string, std::map<std::string, uint64_t>> out;
  if (!book) return out;
  ExceptionFilter f;
  f.only_unclosed = true;
  f.limit = 20'000;
  Result<std::vector<ExceptionRecord>> open = book->list(f);
  if (open.ok())
    for (const ExceptionRecord& r : *open) ++out[r.site][r.cls];
  return out;
}

std::string class_pills(const std::map<std::string, uint64_t>& by_class, const std::string& site) {
  if (by_class.empty()) return "<span class=\"muted\">none</span>";
  std::string b;
  for (const auto& [cls, n] : by_class) {
    b += "<a href=\"/exceptions?class=" + escape(url_encode(cls)) + (site.empty() ? "" : "&amp;site=" + escape(url_encode(site))) +
         "\">" + pill("bad", cls + " " + count_text(n)) + "</a> ";
  }
  return b;
}

struct SiteRow {
  std::string site;
  bool known_state = false;
  v1::AgentState state;
  int64_t state_at_ms = 0;
  StreamInfo stream;
  OutboxSiteStats commands;
  bool has_commands = false;
};

std::vector<SiteRow> site_rows(RelayContext& ctx) {
  std::map<std::string, SiteRow> rows;
  for (const auto& [site, st] : ctx.uplink->sites()) {
    SiteRow& r = rows[site];
    r.known_state = true;
    r.state = st.state;
    r.state_at_ms = st.received_at_ms;
  }
  for (StreamInfo& si : ctx.ledger->streams()) {
    SiteRow& r = rows[si.site_id];
    if (si.last_contact_ms >= r.stream.last_contact_ms) r.stream = si;
  }
  if (ctx.outbox) {
    for (const std::string& site : ctx.outbox->sites()) rows[site];
    for (auto& [site, r] : rows) {
      r.commands = ctx.outbox->stats(site);
      r.has_commands = true;
    }
  }
  std::vector<SiteRow> out;
  for (auto& [site, r] : rows) {
    r.site = site;
    out.push_back(std::move(r));
  }
  return out;
}

std::string online_pill(const SiteRow& r, int64_t now) {
  if (!r.known_state) return pill("idle", "no state yet");
  if (r.state.online()) return pill("ok", "online");
  return pill("bad", "offline " + duration_text((now - r.state_at_ms) / 1000));
}

std::string erp_cards(RelayContext& ctx, int64_t now) {
  const PosterStats ps = ctx.poster->stats();
  const LedgerStats ls = ctx.ledger->stats();
  const bool ok = ps.last_failure_ms == 0 || ps.last_ok_ms >= ps.last_failure_ms;
  std::string b = "<div class=\"card\" id=\"erp\"><h3>ERP " +
                  pill(ok ? "ok" : "bad", ok ? "posting" : "failing") + "</h3><div class=\"big\" id=\"erp-rate\">" +
                  count_text(static_cast<uint64_t>(ps.posted_per_minute)) +
                  "/min</div><div class=\"muted\">posted in the last minute · last answered " +
                  escape(html::time_text(ps.last_ok_ms, now)) + "</div>";
  if (!ok && !ps.last_error.empty()) b += "<div class=\"muted\">Last error: " + escape(ps.last_error) + "</div>";
  b += "</div>";
  b += "<div class=\"card\" id=\"erp-concurrency\"><h3>ERP concurrency</h3><div class=\"big\">" +
       std::to_string(ps.in_progress) + " / " + std::to_string(ps.concurrency_limit) +
       "</div><div class=\"muted\">requests in progress / allowed now (at most " + std::to_string(ps.max_concurrency) +
       "; " + count_text(ps.throttled) + " throttled answers)</div></div>";
  b += "<div class=\"card\" id=\"custody\"><h3>In the relay's custody</h3><div class=\"big\">" + count_text(ls.pending) +
       "</div><div class=\"muted\">events not yet posted, " + count_text(ls.held) + " of them held · " +
       count_text(ls.posted) + " posted in all</div></div>";
  return b;
}

// The latest reconciliation reports (of one site, or all), each with its CSV.
std::string reports_section(RelayContext& ctx, const std::string& site, int64_t now) {
  if (!ctx.reconciler) return "";
  Result<std::vector<ReconciliationReport>> reports = ctx.reconciler->reports().list(site, 20);
  std::string b = "<h2>Reconciliation reports</h2>";
  if (!reports.ok()) return b + "<p class=\"notice bad\">They cannot be read: " + escape(reports.status().message()) + "</p>";
  if (reports->empty()) return b + "<p class=\"muted\" id=\"no-reports\">None yet: one is made for each stock snapshot a site sends.</p>";
  b += "<div class=\"scroll\"><table id=\"reports\"><tr><th>Stock as of</th>" + std::string(site.empty() ? "<th>Site</th>" : "") +
       "<th>Warehouse</th><th>ERP location</th><th class=\"num\">SKUs</th><th class=\"num\">Clarus</th>"
       "<th class=\"num\">ERP</th><th class=\"num\">In flight</th><th class=\"num\">Drift</th>"
       "<th class=\"num\">Drifting</th><th class=\"num\">ERP value</th><th>Download</th></tr>";
  for (const ReconciliationReport& r : *reports) {
    const std::string csv = "/api/reports/" + url_encode(r.id) + ".csv";
    b += "<tr class=\"report\"><td>" + escape(html::time_text(r.taken_at_ms, now)) + "</td>" +
         (site.empty() ? "<td>" + escape(r.site) + "</td>" : "") + "<td>" + escape(r.warehouse) + "</td><td>" +
         escape(r.location.empty() ? "unmapped" : r.location) + "</td><td class=\"num\">" + count_text(r.totals.rows) +
         "</td><td class=\"num\">" + escape(report_number(r.totals.clarus)) + "</td><td class=\"num\">" +
         escape(report_number(r.totals.erp)) + "</td><td class=\"num\">" + escape(report_number(r.totals.in_flight)) +
         "</td><td class=\"num\">" + escape(report_number(r.totals.drift)) + "</td><td class=\"num\">" +
         (r.totals.drifting ? pill("bad", count_text(r.totals.drifting)) : pill("ok", "0")) + "</td><td class=\"num\">" +
         escape(report_number(r.totals.erp_value)) + "</td><td><a href=\"" + escape(csv) + "\">CSV</a></td></tr>";
  }
  return b + "</table></div><p class=\"muted\">Kept " + duration_text(ctx.reconciler->options().keep.count() / 1000) +
         " for the month's close; the JSON is at <a href=\"/api/reports\">/api/reports</a>.</p>";
}

std::string footer(RelayContext& ctx, int64_t now) {
  return "<footer id=\"about\">Stockbridge relay " + escape(ctx.relay_id) + " " + escape(ctx.version) + " · up " +
         escape(duration_text((now - ctx.started_at_ms) / 1000)) + " · page as of " + escape(html::time_text(now, now)) +
         " · <a href=\"/api/status\">JSON</a> · <a href=\"/metrics\">metrics</a></footer>";
}

HttpResponse fleet_page(RelayContext& ctx, WebSessions& sessions, const html::Chrome& chrome, const HttpRequest& req) {
  const int64_t now = ctx.clock->wall_ms();
  const std::vector<SiteRow> rows = site_rows(ctx);
  const auto by_site = open_by_site(ctx.exceptions);
  size_t online = 0;
  uint64_t waiting = 0;
  for (const SiteRow& r : rows) {
    online += r.known_state && r.state.online();
    waiting += r.commands.waiting;
  }
  std::string b = "<h1>Fleet</h1><div class=\"grid\" id=\"summary\">";
  b += "<div class=\"card\" id=\"sites-online\"><h3>Sites online</h3><div class=\"big\">" + std::to_string(online) + " of " +
       std::to_string(rows.size()) + "</div><div class=\"muted\">from each site's retained state and last will</div></div>";
  b += erp_cards(ctx, now);
  b += "<div class=\"card\" id=\"commands-waiting\"><h3>Commands waiting</h3><div class=\"big\">" + count_text(waiting) +
       "</div><div class=\"muted\">orders, POs, items for the sites, not yet journaled there</div></div></div>";
  if (ctx.exceptions) {
    ExceptionCounts counts = ctx.exceptions->counts();
    b += "<h2>Exceptions <span class=\"muted\" id=\"exceptions-open\">" + count_text(counts.open) + " open</span></h2>";
    b += "<p id=\"exceptions-by-class\">" + class_pills(counts.by_class, "") + "</p>";
  }
  b += "<h2>Sites</h2><div class=\"scroll\"><table id=\"sites\"><tr><th>Site</th><th>State</th><th>Version</th>"
       "<th class=\"num\">Backlog</th><th>Oldest waiting</th><th>Open exceptions</th><th>Last contact</th>"
       "<th class=\"num\">Commands waiting</th></tr>";
  for (const SiteRow& r : rows) {
    auto ex = by_site.find(r.site);
    const int64_t oldest = r.state.oldest_unacked_ms();
    b += "<tr class=\"site\" id=\"site-" + escape(r.site) + "\"><td><a href=\"/sites/" + escape(url_encode(r.site)) + "\">" +
         escape(r.site) + "</a></td><td>" + online_pill(r, now) + "</td><td>" + escape(r.state.version()) +
         "</td><td class=\"num\">" + count_text(r.state.backlog_events()) + "</td><td>" +
         escape(oldest > 0 ? duration_text((now - oldest) / 1000) : "none") + "</td><td>" +
         class_pills(ex == by_site.end() ? std::map<std::string, uint64_t>{} : ex->second, r.site) + "</td><td>" +
         escape(html::time_text(std::max(r.stream.last_contact_ms, r.state_at_ms), now)) + "</td><td class=\"num\">" +
         count_text(r.commands.waiting) +
         (r.commands.oldest_waiting_ms ? " <span class=\"muted\">(" + duration_text((now - r.commands.oldest_waiting_ms) / 1000) + ")</span>" : "") +
         "</td></tr>";
  }
  if (rows.empty()) b += "<tr><td colspan=\"8\" class=\"muted\">No site has been in touch yet.</td></tr>";
  b += "</table></div>";
  b += reports_section(ctx, "", now);
  b += footer(ctx, now);
  return html::respond(200, html::page(chrome, sessions.page_options(req, "Fleet", kRefreshSeconds), b));
}

HttpResponse site_page(RelayContext& ctx, WebSessions& sessions, const html::Chrome& chrome, const HttpRequest& req) {
  const std::string& site = req.params.at("site");
  const int64_t now = ctx.clock->wall_ms();
  std::vector<SiteRow> rows = site_rows(ctx);
  auto it = std::find_if(rows.begin(), rows.end(), [&](const SiteRow& r) { return r.site == site; });
  html::PageOptions po = sessions.page_options(req, "Site " + site, kRefreshSeconds);
  if (it == rows.end()) {
    return html::respond(404, html::page(chrome, po, "<h1>Site " + escape(site) +
                                                         "</h1><div class=\"notice bad\">This relay has never heard of site " +
                                                         escape(site) + ".</div>"));
  }
  const SiteRow& r = *it;
  std::string b = "<h1>Site " + escape(site) + " " + online_pill(r, now) + "</h1><div class=\"grid\" id=\"site-cards\">";
  const int64_t oldest = r.state.oldest_unacked_ms();
  b += "<div class=\"card\"><h3>Backlog at the site</h3><div class=\"big\" id=\"site-backlog\">" +
       count_text(r.state.backlog_events()) + "</div><div class=\"muted\">oldest waiting " +
       escape(oldest > 0 ? duration_text((now - oldest) / 1000) : "none") + " · as reported " +
       escape(html::time_text(r.state_at_ms, now)) + "</div></div>";
  b += "<div class=\"card\"><h3>Journal</h3><div class=\"big\">#" + std::to_string(r.stream.high_water) +
       "</div><div class=\"muted\">taken through, journal " + escape(r.stream.epoch) + " · last batch " +
       escape(html::time_text(r.stream.last_contact_ms, now)) + "</div></div>";
  b += "<div class=\"card\"><h3>Agent</h3><div class=\"big\">" + escape(r.state.version().empty() ? "?" : r.state.version()) +
       "</div><div class=\"muted\">started " + escape(html::time_text(r.state.started_at_ms(), now)) + "</div></div>";
  b += "<div class=\"card\" id=\"site-commands\"><h3>Commands</h3><div class=\"big\">" + count_text(r.commands.waiting) +
       " waiting</div><div class=\"muted\">" + count_text(r.commands.applied) + " applied, " + count_text(r.commands.held) +
       " held in Clarus since start</div></div></div>";
  if (ctx.exceptions) {
    ExceptionFilter f;
    f.site = site;
    f.only_unclosed = true;
    f.limit = 50;
    Result<std::vector<ExceptionRecord>> open = ctx.exceptions->list(f);
    b += "<h2>Open exceptions</h2>";
    if (open.ok()) b += exception_table(*open, now, false);
    b += "<p><a href=\"/exceptions?site=" + escape(url_encode(site)) + "&amp;state=all\">All of this site's exceptions</a></p>";
  }
  if (ctx.outbox) {
    b += "<h2>Recent command outcomes</h2><div class=\"scroll\"><table id=\"command-outcomes\"><tr><th>Command</th>"
         "<th>Outcome</th><th>Clarus id / reason</th></tr>";
    size_t shown = 0;
    for (const auto& [s, o] : ctx.outbox->recent_outcomes()) {
      if (s != site || ++shown > 20) continue;
      const bool applied = o.kind() == v1::CommandOutcome::APPLIED;
      b += "<tr><td>" + escape(o.command_id()) + "</td><td>" +
           pill(applied ? "ok" : "bad", applied ? "applied" : o.kind() == v1::CommandOutcome::DISCARDED ? "discarded" : "held") +
           "</td><td>" + escape(applied ? o.clarus_id() : o.reason()) + "</td></tr>";
    }
    if (shown == 0) b += "<tr><td colspan=\"3\" class=\"muted\">None since the relay started.</td></tr>";
    b += "</table></div>";
  }
  b += reports_section(ctx, site, now);
  b += footer(ctx, now);
  return html::respond(200, html::page(chrome, po, b));
}

ExceptionVocabulary vocabulary() {
  ExceptionVocabulary v;
  for (const v1::ExceptionClassInfo& c : v1::kExceptionClasses)
    v.push_back({std::string(c.name), std::string(c.owner), std::string(c.meaning), std::string(c.fix)});
  return v;
}

}  // namespace

void add_fleet_pages(Router& router, RelayContext& ctx, WebSessions& sessions, ExceptionActions* actions) {
  html::Chrome chrome;
  chrome.program = "Stockbridge relay";
  chrome.place = ctx.relay_id;
  chrome.nav = {{"Fleet", "/"}, {"Exceptions", "/exceptions"}};
  router.add("GET", "/", [&ctx, &sessions, chrome](const HttpRequest& req) { return fleet_page(ctx, sessions, chrome, req); });
  router.add("GET", "/sites/{site}",
             [&ctx, &sessions, chrome](const HttpRequest& req) { return site_page(ctx, sessions, chrome, req); });
  sessions.add_routes(router, chrome);
  if (ctx.exceptions && actions) {
    ExceptionPagesContext pc;
    pc.book = ctx.exceptions;
    pc.actions = actions;
    pc.sessions = &sessions;
    pc.clock = ctx.clock;
    pc.chrome = chrome;
    pc.vocabulary = vocabulary();
    pc.with_site = true;
    add_exception_pages(router, pc);
  }
}

}  // namespace sb::relay
