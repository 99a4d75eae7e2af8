#include "relay/monitors.h"

#include <algorithm>
#include <vector>

#include "platform/core/log.h"
#include "stockbridge/v1/exceptions.h"

namespace sb::relay {
namespace {

constexpr char kLog[] = "monitors";
// New exceptions per sweep at most, so one sweep never holds the book for long.
constexpr size_t kMaxRaisesPerSweep = 1000;
constexpr const char* kClasses[] = {"ORPHANED_ORDER", "UNPOSTED_SHIPMENT", "RETURN_WITHOUT_CREDIT", "BACKLOG",
                                    "SITE_OFFLINE"};

std::string subject(const std::string& cls, const std::string& site, const std::string& what = "") {
  return cls + "/" + site + (what.empty() ? "" : "/" + what);
}

std::string with_thousands(uint64_t n) {
  std::string s = std::to_string(n);
  for (int at = static_cast<int>(s.size()) - 3; at > 0; at -= 3) s.insert(static_cast<size_t>(at), ",");
  return s;
}

// "2026-11-26 17:37 UTC": when, for a person reading an alert.
std::string spoken_time(int64_t ms) {
  std::string iso = format_iso8601(ms);  // 2026-11-26T17:37:10.123Z
  return iso.size() >= 16 ? iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC" : iso;
}

}  // namespace

bool is_monitor_class(const std::string& cls) {
  return std::find(std::begin(kClasses), std::end(kClasses), cls) != std::end(kClasses);
}

std::string spoken_duration(int64_t ms) {
  auto say = [](int64_t n, const char* unit) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s"); };
  const int64_t s = std::max<int64_t>(0, ms) / 1000;
  if (s < 120) return say(s, "second");
  if (s < 120 * 60) return say(s / 60, "minute");
  if (s < 72 * 3600) return say(s / 3600, "hour");
  return say(s / 86400, "day");
}

Monitors::Monitors(ExceptionBook& book, Ledger& ledger, Watchlist& watchlist, GroupCommitter& committer,
                   SiteStates sites, const Clock& clock, MonitorOptions options)
    : book_(book), ledger_(ledger), watchlist_(watchlist), committer_(committer), sites_(std::move(sites)),
      clock_(clock), options_(options) {}

void Monitors::find_sites(Findings* out, int64_t now) {
  if (!sites_) return;
  for (const auto& [site, st] : sites_()) {
    out->known_sites.insert(site);
    const v1::AgentState& a = st.state;
    if (!a.online()) {
      // The will (or the retained state) arrived when the site went away, or when this relay started.
      const int64_t away = now - st.received_at_ms;
      if (away <= options_.offline_after.count()) continue;
      Condition c{"SITE_OFFLINE", site,
                  "Site " + site + " has been offline for " + spoken_duration(away) + " (since " +
                      spoken_time(st.received_at_ms) + "); its events wait safely at the gateway.",
                  Json::object()};
      c.detail.set("offline_since", Json::string(format_iso8601(st.received_at_ms)));
      c.detail.set("offline_ms", Json::number(away));
      out->holding.emplace(subject("SITE_OFFLINE", site), std::move(c));
      continue;
    }
    // Only an online site's numbers are current; an offline one is SITE_OFFLINE's.
    const int64_t age = a.oldest_unacked_ms() > 0 ? now - a.oldest_unacked_ms() : 0;
    const bool deep = a.backlog_events() > options_.backlog_events;
    const bool old = a.oldest_unacked_ms() > 0 && age > options_.backlog_age.count();
    if (!deep && !old) continue;
    std::string reason = "Site " + site + " has " + with_thousands(a.backlog_events()) + " events waiting to be sent";
    reason += deep ? " (more than " + with_thousands(options_.backlog_events) + ")" : "";
    if (a.oldest_unacked_ms() > 0) reason += "; the oldest has waited " + spoken_duration(age);
    reason += old ? " (more than " + spoken_duration(options_.backlog_age.count()) + ")." : ".";
    Condition c{"BACKLOG", site, reason, Json::object()};
    c.detail.set("backlog_events", Json::number(static_cast<int64_t>(a.backlog_events())));
    c.detail.set("oldest_unsent_ms", Json::number(age));
    out->holding.emplace(subject("BACKLOG", site), std::move(c));
  }
}

Status Monitors::find_events(Findings* out, int64_t now) {
  std::vector<WatchedEvent> stuck;
  Status s = watchlist_.events([&](const WatchedEvent& e) {
    std::string erp_id;
    Result<std::string> state = ledger_.state_of(e.event_id, &erp_id);
    if (!state.ok()) return;  // judged next sweep
    if (*state != "pending" && *state != "held") {
      out->gone_events.push_back(e.key);  // posted or discarded: nothing to watch
      return;
    }
    const Millis after = e.kind == "return" ? options_.return_without_credit_after : options_.unposted_shipment_after;
    if (now - e.taken_at_ms > after.count()) stuck.push_back(e);
  });
  for (const WatchedEvent& e : stuck) {
    const bool ret = e.kind == "return";
    const int64_t age = now - e.taken_at_ms;
    // Why it waits, in the relay's words, when it is held.
    std::string why = "it is waiting its turn to post";
    Result<uint64_t> seq = ledger_.seq_of(e.event_id);
    if (seq.ok() && *seq > 0) {
      Result<LedgerRecord> rec = ledger_.load(*seq);
      if (rec.ok() && rec->held) why = "it is held: " + rec->held_reason;
      else if (rec.ok() && rec->attempted) why = "the ERP has not accepted it yet; the relay keeps trying";
    }
    const std::string cls = ret ? "RETURN_WITHOUT_CREDIT" : "UNPOSTED_SHIPMENT";
    const std::string reason =
        ret ? "The " + e.what + " was received at " + e.site + " " + spoken_duration(age) +
                  " ago and no credit memo is in the ERP yet (" + why + ")."
            : "The " + e.what + " reached the relay " + spoken_duration(age) + " ago and is not in the ERP yet (" +
                  why + ").";
    Condition c{cls, e.site, reason, Json::object()};
    c.detail.set("event_id", Json::string(e.event_id));
    c.detail.set("taken_at", Json::string(format_iso8601(e.taken_at_ms)));
    c.detail.set("waiting_ms", Json::number(age));
    out->holding.emplace(subject(cls, e.site, e.event_id), std::move(c));
  }
  return s;
}

Status Monitors::find_orders(Findings* out, int64_t now) {
  return watchlist_.orders([&](const WatchedOrder& o) {
    const int64_t age = now - o.applied_at_ms;
    if (age <= options_.orphaned_order_after.count()) return;
    Condition c{"ORPHANED_ORDER", o.site,
                "Order " + o.order + " was released to " + o.site + " " + spoken_duration(age) + " ago (goods out " +
                    o.clarus_id + " in Clarus) and nothing of it has shipped.",
                Json::object()};
    c.detail.set("order", Json::string(o.order));
    c.detail.set("erp_order_id", Json::string(o.erp_order_id));
    c.detail.set("clarus_goods_out", Json::string(o.clarus_id));
    c.detail.set("applied_at", Json::string(format_iso8601(o.applied_at_ms)));
    out->holding.emplace(subject("ORPHANED_ORDER", o.site, o.order), std::move(c));
  });
}

Status Monitors::find(Findings* out) {
  const int64_t now = clock_.wall_ms();
  find_sites(out, now);
  Status first = find_events(out, now);
  Status orders = find_orders(out, now);
  return first.ok() ? orders : first;
}

bool Monitors::undecided(const ExceptionRecord& r, const Findings& f) {
  if (r.cls != "SITE_OFFLINE" && r.cls != "BACKLOG") return false;
  return f.known_sites.count(r.site) == 0;
}

Status Monitors::sweep() {
  std::lock_guard sweep_lock(sweep_mu_);
  Findings f;
  Status first = find(&f);
  auto note = [&first](const Status& s) {
    if (!s.ok() && first.ok()) first = s;
  };

  std::map<std::string, ExceptionRecord> unclosed;  // monitor conditions, by subject
  note(book_.scan_unclosed([&](const ExceptionRecord& r) {
    if (r.subject_kind == kConditionSubject && is_monitor_class(r.cls)) unclosed.emplace(r.subject_id, r);
    return true;
  }));
  Result<std::set<std::string>> acknowledged = watchlist_.acknowledged();
  note(acknowledged.status());
  const std::set<std::string> acked = acknowledged.ok() ? *acknowledged : std::set<std::string>{};

  size_t raised = 0;
  for (const auto& [subject_id, c] : f.holding) {
    if (unclosed.count(subject_id) || acked.count(subject_id)) continue;  // raised once; or acknowledged
    if (++raised > kMaxRaisesPerSweep) break;  // a storm (an ERP down for hours) is raised over a few sweeps
    ExceptionRaise x;
    x.cls = c.cls;
    x.owner = std::string(v1::exception_owner(c.cls));
    x.subject_kind = kConditionSubject;
    x.subject_id = subject_id;
    x.site = c.site;
    x.reason = c.reason;
    x.detail = c.detail.dump();
    x.note = "monitor";
    Result<ExceptionRecord> r = book_.raise(x);
    note(r.status());
    if (r.ok()) log::warn(kLog, "condition raised", {{"id", r->id}, {"class", c.cls}, {"site", c.site}, {"reason", c.reason}});
  }
  for (const auto& [subject_id, r] : unclosed) {
    if (f.holding.count(subject_id) || undecided(r, f)) continue;
    Result<ExceptionRecord> done = book_.resolve_subject(kConditionSubject, subject_id, "system", "the condition cleared");
    if (!done.ok() && done.status().code() != Code::kNotFound) note(done.status());
    if (done.ok()) log::info(kLog, "condition cleared", {{"id", r.id}, {"class", r.cls}, {"site", r.site}});
  }
  // An acknowledged condition that cleared starts a new episode next time.
  std::vector<std::string> cleared;
  for (const std::string& s : acked) {
    const bool site_condition = s.rfind("SITE_OFFLINE/", 0) == 0 || s.rfind("BACKLOG/", 0) == 0;
    const std::string site = site_condition ? s.substr(s.find('/') + 1) : "";
    if (!f.holding.count(s) && (!site_condition || f.known_sites.count(site))) cleared.push_back(s);
  }
  note(watchlist_.clear_acknowledged(cleared));
  note(watchlist_.forget_events(f.gone_events));
  Result<uint64_t> forgotten = watchlist_.forget_commands_older_than(Millis(30LL * 24 * 3600 * 1000));
  note(forgotten.status());

  std::map<std::string, uint64_t> open;
  note(book_.scan_unclosed([&](const ExceptionRecord& r) {
    if (r.subject_kind == kConditionSubject && is_monitor_class(r.cls)) ++open[r.cls];
    return true;
  }));
  std::lock_guard lock(mu_);
  last_sweep_ms_ = clock_.wall_ms();
  ++sweeps_;
  open_ = std::move(open);
  if (!first.ok()) {
    if (first.to_string() != last_error_) log::error(kLog, "a sweep failed in part", {{"error", first.to_string()}});
    last_error_ = first.to_string();
  } else {
    last_error_.clear();
  }
  return first;
}

Status Monitors::check(const ExceptionRecord& r, const std::string& who, const std::string& note) {
  std::lock_guard sweep_lock(sweep_mu_);
  Findings f;
  SB_RETURN_IF_ERROR(find(&f));
  const std::string said = note.empty() ? "" : note + "; ";
  if (undecided(r, f)) {
    return book_.act(r.id, r.state, ExceptionAction::by(who, "retry", said + "checked now: no state from site " + r.site +
                                                                           " since the relay started; still open"))
        .status();
  }
  auto it = f.holding.find(r.subject_id);
  if (it == f.holding.end()) {
    return book_.act(r.id, ExceptionState::kResolved, ExceptionAction::by(who, "retry", said + "checked now: the condition has cleared"))
        .status();
  }
  const std::string detail = it->second.detail.dump();
  return book_.act(r.id, ExceptionState::kOpen, ExceptionAction::by(who, "retry", said + "checked now: " + it->second.reason), &detail)
      .status();
}

Status Monitors::acknowledge(const ExceptionRecord& r, const std::string& who, const std::string& reason) {
  std::lock_guard sweep_lock(sweep_mu_);
  // Closed and remembered in one commit: a restart cannot raise it again in between.
  return committer_.run([&](WriteTxn& txn) -> Status {
    SB_RETURN_IF_ERROR(book_.act_in(txn, r.id, ExceptionState::kDiscarded, ExceptionAction::by(who, "discard", reason)));
    return watchlist_.acknowledge_in(txn, r.subject_id);
  });
}

Json Monitors::describe(const ExceptionRecord& r) {
  Json j = Json::object();
  if (const v1::ExceptionClassInfo* c = v1::exception_class(r.cls)) j.set("fix", Json::string(std::string(c->fix)));
  j.set("monitor", Json::boolean(true));
  return j;
}

Json Monitors::status() const {
  std::lock_guard lock(mu_);
  Json j = Json::object();
  j.set("last_sweep_at", last_sweep_ms_ ? Json::string(format_iso8601(last_sweep_ms_)) : Json());
  j.set("sweeps", Json::number(static_cast<int64_t>(sweeps_)));
  Json& open = j.set("open", Json::object());
  for (const char* cls : kClasses) {
    auto it = open_.find(cls);
    open.set(cls, Json::number(static_cast<int64_t>(it == open_.end() ? 0 : it->second)));
  }
  if (!last_error_.empty()) j.set("last_error", Json::string(last_error_));
  return j;
}

uint64_t Monitors::open_conditions() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& [cls, count] : open_) n += count;
  return n;
}

}  // namespace sb::relay
