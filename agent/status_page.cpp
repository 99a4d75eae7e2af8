// The agent's status page: what a warehouse lead opens during an outage. One
// glance answers "are the books keeping up?"; the rest says why not and what
// is held. It reads the same figures as /api/status (flow_view and the stats
// of each part), rendered on the server as one self-contained document.
#include <memory>

#include "agent/agent_api.h"
#include "platform/http/exception_pages.h"
#include "platform/http/html.h"
#include "proto/stockbridge/v1/exceptions.h"

namespace sb::agent {
namespace {

using html::count_text;
using html::duration_text;
using html::escape;
using html::pill;

constexpr int kRefreshSeconds = 10;
constexpr size_t kExceptionsShown = 20;
constexpr size_t kOutcomesShown = 15;

std::string pct_text(double pct) {
  char buf[32];
  std::snprintf(buf, sizeof buf, pct > 0 && pct < 0.1 ? "%.2f%%" : "%.1f%%", pct);
  return buf;
}

std::string banner(const FlowView& flow, const JournalStats& js, const ForwarderStats& fs, int64_t now) {
  std::string headline, detail, bar;
  const double used = js.capacity ? 100.0 * static_cast<double>(js.backlog) / static_cast<double>(js.capacity) : 0;
  const std::string held = count_text(js.backlog) + (js.backlog == 1 ? " event" : " events") + " held safely, " +
                           pct_text(used) + " of the journal's capacity.";
  if (flow.state == "offline") {
    headline = flow.since_ms > 0 ? "Offline since " + html::time_text(flow.since_ms, now) : "Offline";
    detail = "Not reaching the relay: " + flow.why + ". " + held + " Nothing is lost: they go on when the link is back.";
  } else if (flow.state == "full") {
    headline = "Journal full: new events are refused";
    detail = "Clarus is asked to send again later (" + flow.why + "). " + held;
  } else if (flow.state == "catching_up") {
    headline = "Catching up";
    const double done = flow.peak ? static_cast<double>(flow.peak - js.backlog) / static_cast<double>(flow.peak) : 0;
    std::string label = count_text(js.backlog) + " events left";
    if (flow.eta_s >= 0) label += " · about " + duration_text(static_cast<int64_t>(flow.eta_s) + 1);
    detail = "The link is back and the backlog is draining.";
    bar = html::progress_bar(done, label);
  } else {
    headline = "All flowing";
    detail = "Events reach the relay as they happen. Last acknowledged " + html::time_text(fs.last_ack_at_ms, now) + ".";
  }
  return "<section class=\"banner " + escape(flow.state) + "\" id=\"banner\" data-state=\"" + escape(flow.state) +
         "\"><div class=\"headline\" id=\"headline\">" + escape(headline) + "</div><div class=\"detail\" id=\"banner-detail\">" +
         escape(detail) + "</div>" + bar + "</section>";
}

std::string card(const std::string& id, const std::string& title, const std::string& state_html, const std::string& line) {
  return "<div class=\"card\" id=\"" + id + "\"><h3>" + escape(title) + " " + state_html + "</h3><div class=\"muted\">" +
         line + "</div></div>";
}

std::string links(AgentContext& ctx, const ForwarderStats& fs, int64_t now) {
  std::string b = "<h2>Links</h2><div class=\"grid\" id=\"links\">";
  if (ctx.clarus) {
    ClarusCounters cc = ctx.clarus->counters();
    const bool ok = cc.last_ok_at_ms > 0 && cc.last_ok_at_ms >= cc.last_failure_at_ms;
    std::string line = "Last answered " + escape(html::time_text(cc.last_ok_at_ms, now)) + ".";
    if (!ok && !cc.last_error.empty()) line += " Last error: " + escape(cc.last_error);
    b += card("link-clarus", "Clarus", cc.last_ok_at_ms == 0 && cc.last_failure_at_ms == 0 ? pill("idle", "not asked yet")
                                                                  : pill(ok ? "ok" : "bad", ok ? "reachable" : "failing"),
              line);
  }
  b += card("link-broker", "Broker", pill(fs.broker_connected ? "ok" : "bad", fs.broker_connected ? "connected" : "down"),
            escape((fs.broker_connected ? "Connected since " : "Down since ") + html::time_text(fs.broker_changed_at_ms, now) +
                   " · " + ctx.broker_uri));
  const bool relay_ok = fs.last_ack_at_ms > 0 && now - fs.last_ack_at_ms < 60'000;
  b += card("link-relay", "Relay",
            fs.https_active ? pill("warn", "HTTPS fallback") : pill(relay_ok ? "ok" : "idle", relay_ok ? "acknowledging" : "quiet"),
            "Last acknowledgement " + escape(html::time_text(fs.last_ack_at_ms, now)) + "." +
                (fs.last_error.empty() ? "" : " Last error: " + escape(fs.last_error)));
  const v1::ErpLink& erp = fs.erp;
  if (erp.reported_at_ms() == 0) {
    b += card("link-erp", "ERP", pill("idle", "no report yet"), "As the relay reports it, with its acknowledgements.");
  } else {
    std::string line = "As the relay reported " + escape(html::time_text(erp.reported_at_ms(), now)) + ": last answered " +
                       escape(html::time_text(erp.last_ok_ms(), now)) + ", " + count_text(erp.pending()) +
                       " events waiting at the relay.";
    if (!erp.ok() && !erp.last_error().empty()) line += " Last error: " + escape(erp.last_error());
    b += card("link-erp", "ERP", pill(erp.ok() ? "ok" : "bad", erp.ok() ? "posting" : "failing"), line);
  }
  return b + "</div>";
}

std::string backlog(AgentContext& ctx, const JournalStats& js, const ForwarderStats& fs, int64_t now) {
  std::string b = "<h2>Backlog</h2><div class=\"grid\" id=\"backlog\">";
  b += "<div class=\"card\"><h3>Waiting to go</h3><div class=\"big\" id=\"backlog-events\">" + count_text(js.backlog) +
       "</div><div class=\"muted\">events, of " + count_text(js.capacity) + " the journal holds</div></div>";
  b += "<div class=\"card\"><h3>Oldest waiting</h3><div class=\"big\" id=\"oldest-age\">" +
       escape(js.oldest_accepted_ms ? duration_text((now - js.oldest_accepted_ms) / 1000) : "none") +
       "</div><div class=\"muted\">accepted " + escape(html::time_text(js.oldest_accepted_ms, now)) + "</div></div>";
  b += "<div class=\"card\"><h3>Last event in</h3><div class=\"big\" id=\"last-in\">" +
       escape(html::time_text(ctx.counters.last_event_at_ms.load(), now)) + "</div><div class=\"muted\">" +
       count_text(ctx.counters.accepted.load()) + " accepted since start</div></div>";
  b += "<div class=\"card\"><h3>Last event out</h3><div class=\"big\" id=\"last-out\">" +
       escape(html::time_text(fs.last_ack_at_ms, now)) + "</div><div class=\"muted\">acknowledged through #" +
       std::to_string(fs.relay_acked) + "</div></div></div>";
  if (js.backlog > 0) {
    Result<BacklogByKind> kinds = backlog_by_kind(ctx);
    if (kinds.ok()) {
      b += "<div class=\"scroll\" style=\"margin-top:.75rem\"><table id=\"backlog-by-kind\"><tr><th>Event type</th>"
           "<th class=\"num\">Waiting</th></tr>";
      for (const auto& [kind, n] : kinds->counts)
        b += "<tr><td>" + escape(kind) + "</td><td class=\"num\">" + count_text(n) + "</td></tr>";
      b += "</table></div>";
      if (!kinds->complete) b += "<p class=\"muted\">Counted over the oldest " + count_text(kinds->counted) + " events.</p>";
    }
  }
  return b;
}

std::string exceptions(AgentContext& ctx, const ExceptionVocabulary& vocabulary, int64_t now) {
  if (!ctx.exceptions) return "";
  ExceptionCounts counts = ctx.exceptions->counts();
  std::string b = "<h2>Exceptions <span class=\"muted\" id=\"exceptions-open\">" + count_text(counts.open) +
                  " open</span></h2>";
  if (!counts.by_class.empty()) {
    b += "<p id=\"exceptions-by-class\">";
    for (const auto& [cls, n] : counts.by_class)
      b += "<a href=\"/exceptions?class=" + escape(url_encode(cls)) + "\">" + pill("bad", cls + " " + count_text(n)) + "</a> ";
    b += "</p>";
  }
  ExceptionFilter f;
  f.only_unclosed = true;
  f.limit = kExceptionsShown;
  b += exception_filter_form("/exceptions", f, vocabulary, false);
  Result<std::vector<ExceptionRecord>> open = ctx.exceptions->list(f);
  if (open.ok()) b += exception_table(*open, now, false);
  if (counts.open > kExceptionsShown) b += "<p><a href=\"/exceptions\">All " + count_text(counts.open) + " open exceptions</a></p>";
  return b;
}

std::string outcome_word(v1::EventOutcome::Kind k) {
  return k == v1::EventOutcome::POSTED ? "posted" : k == v1::EventOutcome::DISCARDED ? "discarded" : "held";
}

std::string outcomes(AgentContext& ctx, int64_t now) {
  std::vector<v1::EventOutcome> recent = ctx.outcomes->recent();
  std::string b = "<h2>Recent outcomes</h2><p class=\"muted\">" + count_text(ctx.outcomes->posted()) +
                  " posted to the ERP since start.</p>";
  if (recent.empty()) return b + "<p class=\"muted\" id=\"no-outcomes\">None yet.</p>";
  b += "<div class=\"scroll\"><table id=\"outcomes\"><tr><th>When</th><th>Key</th><th>Event</th><th>Outcome</th>"
       "<th>ERP record / exception</th></tr>";
  if (recent.size() > kOutcomesShown) recent.resize(kOutcomesShown);
  for (const v1::EventOutcome& o : recent) {
    const std::string word = outcome_word(o.kind());
    std::string result = escape(o.erp_id());
    if (result.empty()) result = escape(o.exception_class() + (o.exception_id().empty() ? "" : " " + o.exception_id()));
    if (!o.reason().empty() && o.kind() != v1::EventOutcome::POSTED) result += "<br><span class=\"muted\">" + escape(o.reason()) + "</span>";
    b += "<tr class=\"outcome\"><td>" + escape(html::time_text(o.at_ms(), now)) + "</td><td>" + escape(o.business_key()) +
         "</td><td>" + escape(o.event_id()) + "</td><td>" +
         pill(word == "posted" ? "ok" : word == "held" ? "bad" : "idle", word) + "</td><td>" + result + "</td></tr>";
  }
  return b + "</table></div>";
}

HttpResponse status_page(AgentContext& ctx, WebSessions& sessions, const html::Chrome& chrome,
                         const ExceptionVocabulary& vocabulary, const HttpRequest& req) {
  const int64_t now = ctx.clock->wall_ms();
  const JournalStats js = ctx.journal->stats();
  const ForwarderStats fs = ctx.forwarder->stats();
  const FlowView flow = flow_view(ctx, js, fs, now);
  std::string b = banner(flow, js, fs, now);
  b += links(ctx, fs, now);
  b += backlog(ctx, js, fs, now);
  b += exceptions(ctx, vocabulary, now);
  b += outcomes(ctx, now);
  b += "<footer id=\"about\">Stockbridge agent " + escape(ctx.version) + " · site " + escape(ctx.site_id) + " · up " +
       escape(duration_text((now - ctx.started_at_ms) / 1000)) + " · page as of " + escape(html::time_text(now, now)) +
       ", refreshed every " + std::to_string(kRefreshSeconds) + " s · <a href=\"/api/status\">JSON</a> · "
       "<a href=\"/metrics\">metrics</a></footer>";
  const html::PageOptions po = sessions.page_options(req, "Status", kRefreshSeconds);
  return html::respond(200, html::page(chrome, po, b));
}

ExceptionVocabulary vocabulary() {
  ExceptionVocabulary v;
  for (const v1::ExceptionClassInfo& c : v1::kExceptionClasses) {
    if (c.monitor) continue;  // the relay's monitors; never raised at a site
    v.push_back({std::string(c.name), std::string(c.owner), std::string(c.meaning), std::string(c.fix)});
  }
  return v;
}

}  // namespace

void add_agent_pages(Router& router, AgentContext& ctx, WebSessions& sessions, ExceptionActions& actions) {
  html::Chrome chrome;
  chrome.program = "Stockbridge agent";
  chrome.place = "site " + ctx.site_id;
  chrome.nav = {{"Status", "/"}, {"Exceptions", "/exceptions"}};
  const ExceptionVocabulary v = vocabulary();
  router.add("GET", "/", [&ctx, &sessions, chrome, v](const HttpRequest& req) {
    return status_page(ctx, sessions, chrome, v, req);
  });
  sessions.add_routes(router, chrome);
  if (ctx.exceptions) {
    ExceptionPagesContext pc;
    pc.book = ctx.exceptions;
    pc.actions = &actions;
    pc.sessions = &sessions;
    pc.clock = ctx.clock;
    pc.chrome = chrome;
    pc.vocabulary = v;
    add_exception_pages(router, pc);
  }
}

}  // namespace sb::agent
