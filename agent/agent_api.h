// The agent's HTTP surface, served on intake.bind:intake.port.
//
//   POST /v1/events     one event or {"events":[...]}; 2xx only after fsync
//   GET  /api/status    JSON: is the book keeping up? backlog, links, outcomes
//   GET  /metrics       Prometheus text
//   GET  /healthz       the process answers
//   GET  /readyz        the journal accepts events (503 when full)
//   POST /api/sku-audit runs the SKU master audit now (admin credentials); its report
//   GET  /api/exceptions[/{id}], POST /api/exceptions/{id}/{retry,edit,discard}
//                       events held at the site and the actions on them (exception_routes.h)
//
// Intake answers: 201 accepted (new), 200 duplicate (already journaled; not
// journaled twice), 400 with a reason (nothing journaled), 413 too large,
// 503 + Retry-After when the journal is full or the disk fails (nothing accepted
// is ever dropped; the producer retries).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "agent/clarus/clarus_client.h"
#include "agent/clarus/sweeper.h"
#include "agent/clarus/webhook_api.h"
#include "agent/downlink/command_journal.h"
#include "agent/downlink/downlink.h"
#include "agent/event_json.h"
#include "agent/forwarder.h"
#include "agent/journal.h"
#include "agent/outcome_log.h"
#include "agent/rules/edge_rules.h"
#include "agent/rules/master_data.h"
#include "agent/rules/sku_audit.h"
#include "platform/http/admin_auth.h"
#include "platform/http/exception_routes.h"
#include "platform/http/web_session.h"
#include "platform/core/clock.h"
#include "platform/http/http.h"
#include "platform/store/kv_store.h"

namespace sb::agent {

struct IntakeCounters {
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> rejected{0};      // 400s
  std::atomic<uint64_t> refused_full{0};  // 503s because the journal is full
  std::atomic<uint64_t> failed{0};        // 503s because the store failed
  std::atomic<int64_t> last_event_at_ms{0};
};

struct AgentContext {
  std::string site_id;
  std::string version;
  std::string broker_uri;
  int64_t started_at_ms = 0;
  IntakeLimits limits;
  Journal* journal = nullptr;
  Forwarder* forwarder = nullptr;
  OutcomeLog* outcomes = nullptr;
  KvStore* store = nullptr;
  const Clock* clock = nullptr;
  IntakeCounters counters;
  // The Clarus side; null when the agent runs without a Clarus adapter.
  ClarusClient* clarus = nullptr;
  CommandJournal* commands = nullptr;
  Downlink* downlink = nullptr;
  ClarusSweeper* sweeper = nullptr;
  ClarusWebhookIntake* webhooks = nullptr;  // null on a polling-only site
  // Checks at the site; null in tests that do not need them.
  ExceptionBook* exceptions = nullptr;
  EdgeRules* rules = nullptr;
  MasterData* master = nullptr;
  SkuAudit* audit = nullptr;                       // null without a Clarus adapter
  std::shared_ptr<const AdminUsers> users;         // who may act (POST /api/sku-audit); null = nobody
  // The backlog counted by event type, kept between views: reading 50,000
  // events for every page view and /api/status poll would be wasted work.
  std::mutex backlog_kinds_mu;
  int64_t backlog_kinds_at_ms = 0;  // mono; 0 = never counted
  BacklogByKind backlog_kinds;
  // The backlog when catching up began: the whole of the page's progress bar.
  std::atomic<uint64_t> catch_up_peak{0};
  uint64_t catch_up_over = 1000;                   // a backlog above this is "catching up" (one uplink batch)
};

// How the books stand, in one word and a few numbers: the status page's
// banner and /api/status's "state" say the same.
struct FlowView {
  std::string state;     // "flowing", "offline", "catching_up", "full"
  std::string why;       // offline / full: in words
  int64_t since_ms = 0;  // offline: since when (wall)
  uint64_t backlog = 0;
  uint64_t peak = 0;     // catching up: the backlog when it began
  double eta_s = -1;     // catching up: seconds left at the recent rate (-1 unknown)
};
FlowView flow_view(AgentContext& ctx, const JournalStats& js, const ForwarderStats& fs, int64_t now_ms);

// The oldest 50,000 unacknowledged events by type, reusing the last count
// (only new or all events are read again, see Journal::backlog_by_kind).
Result<BacklogByKind> backlog_by_kind(AgentContext& ctx);

std::shared_ptr<Router> make_agent_router(AgentContext& ctx);

// The pages for people (status_page.cpp): GET / (the status page), the
// exception pages (platform/http/exception_pages.h) and sign-in. `sessions`
// and `actions` must outlive the router.
void add_agent_pages(Router& router, AgentContext& ctx, WebSessions& sessions, ExceptionActions& actions);

// The status document served at /api/status (also used by the command line).
Json agent_status(AgentContext& ctx);
// Its Clarus part: the API link, the downlink queue and held commands (clarus_status.cpp).
void add_clarus_status(AgentContext& ctx, Json& status);
void add_clarus_metrics(AgentContext& ctx, std::string& out);

}  // namespace sb::agent
