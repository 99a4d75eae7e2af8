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
// How long the watchlist remembers a command with no outcome, and that an
// order shipped (an outcome that late is not coming, or not of that order).
constexpr Millis kWatchlistRetention{30LL * 24 * 3600 * 1000};
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

Status Monitors::find_sites(Findings* out, int64_t now) {
  if (!sites_) return Status::Ok();
  // Since when each site has been offline, as first seen: a restart (or a
  // broker reconnect) brings the retained "offline" state again with a fresh
  // receive time, which must not restart the count. (The price: a site back
  // for less than one sweep interval and gone again counts as one stretch.)
  Result<std::map<std::string, int64_t>> recorded = watchlist_.offline_since();
  std::map<std::string, int64_t> went_offline;
  std::vector<std::string> back_online;
  for (const auto& [site, st] : sites_()) {
    out->known_sites.insert(site);
    const v1::AgentState& a = st.state;
    if (!a.online()) {
      // Its numbers are those of its last state: the backlog may be growing.
      out->undecided.emplace(subject("BACKLOG", site), "site " + site + " is offline, so its backlog is not known");
      int64_t since = st.received_at_ms;
      if (recorded.ok()) {
        auto it = recorded->find(site);
        if (it != recorded->end()) since = std::min(since, it->second);
        else went_offline.emplace(site, since);
      }
      const int64_t away = now - since;
      if (away <= options_.offline_after.count()) {
        // Not yet past the threshold, but not clear either: only "online" clears it.
        out->undecided.emplace(subject("SITE_OFFLINE", site), "site " + site + " is still offline");
        continue;
      }
      Condition c{"SITE_OFFLINE", site,
                  "Site " + site + " has been offline for " + spoken_duration(away) + " (since " +
                      spoken_time(since) + "); its events wait safely at the gateway.",
                  Json::object()};
      c.detail.set("offline_since", Json::string(format_iso8601(since)));
      c.detail.set("offline_ms", Json::number(away));
      out->holding.emplace(subject("SITE_OFFLINE", site), std::move(c));
      continue;
    }
    if (recorded.ok() && recorded->count(site)) back_online.push_back(site);
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
  // Without the record nothing is written: a first sighting must not replace an older one.
  if (!recorded.ok()) return recorded.status();
  return watchlist_.note_offline(went_offline, back_online);
}

Status Monitors::find_events(Findings* out, int64_t now) {
  std::vector<WatchedEvent> stuck;
  Status unread;  // the first custody state that could not be read
  Status s = watchlist_.events([&](const WatchedEvent& e) {
    const std::string cls = e.kind == "return" ? "RETURN_WITHOUT_CREDIT" : "UNPOSTED_SHIPMENT";
    std::string erp_id;
    Result<std::string> state = ledger_.state_of(e.event_id, &erp_id);
    if (!state.ok()) {
      if (unread.ok()) unread = state.status();
      // Judged next sweep; until then an open exception of it stays open.
      out->undecided.emplace(subject(cls, e.site, e.event_id),
                             "the relay could not read its custody state (" + state.status().to_string() + ")");
      return;
    }
    if (*state != "pending" && *state != "held") {
      out->gone_events.push_back(e.key);  // posted or discarded: nothing to watch
      return;
    }
    const Millis after = e.kind == "return" ? options_.return_without_credit_after : options_.unposted_shipment_after;
    if (now - e.taken_at_ms > after.count()) stuck.push_back(e);
  });
  if (!s.ok()) {
    // A failed read is not an empty list: an event not visited is not out of custody.
    const std::string why = "the relay could not read the events it watches (" + s.to_string() + ")";
    out->blind.emplace("UNPOSTED_SHIPMENT", why);
    out->blind.emplace("RETURN_WITHOUT_CREDIT", why);
  }
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
  return s.ok() ? unread : s;
}

Status Monitors::find_orders(Findings* out, int64_t now) {
  Status s = watchlist_.orders([&](const WatchedOrder& o) {
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
  if (!s.ok()) out->blind.emplace("ORPHANED_ORDER", "the relay could not read the orders it watches (" + s.to_string() + ")");
  return s;
}

Status Monitors::find(Findings* out) {
  const int64_t now = clock_.wall_ms();
  Status first = find_sites(out, now);
  Status events = find_events(out, now);
  Status orders = find_orders(out, now);
  if (first.ok()) first = events;
  return first.ok() ? orders : first;
}

std::string Monitors::undecided(const std::string& cls, const std::string& site, const std::string& subject_id,
                                const Findings& f) {
  if ((cls == "SITE_OFFLINE" || cls == "BACKLOG") && f.known_sites.count(site) == 0)
    return "no state from site " + site + " since the relay started";
  if (auto b = f.blind.find(cls); b != f.blind.end()) return b->second;
  if (auto u = f.undecided.find(subject_id); u != f.undecided.end()) return u->second;
  return "";
}

Status Monitors::sweep() {
  std::lock_guard sweep_lock(sweep_mu_);
  Findings f;
  Status first = find(&f);
  auto note = [&first](const Status& s) {
    if (!s.ok() && first.ok()) first = s;
  };

  std::map<std::string, ExceptionRecord> unclosed;  // monitor conditions, by subject
  const Status scanned = book_.scan_unclosed([&](const ExceptionRecord& r) {
    if (r.subject_kind == kConditionSubject && is_monitor_class(r.cls)) unclosed.emplace(r.subject_id, r);
    return true;
  });
  note(scanned);
  Result<std::set<std::string>> acknowledged = watchlist_.acknowledged();
  note(acknowledged.status());
  const std::set<std::string> acked = acknowledged.ok() ? *acknowledged : std::set<std::string>{};

  // Without the book's open conditions or the acknowledgements, a raise could
  // repeat an open one or an acknowledged one: none this pass.
  size_t raised = 0;
  for (const auto& [subject_id, c] : f.holding) {
    if (!scanned.ok() || !acknowledged.ok()) break;
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
    if (f.holding.count(subject_id) || !undecided(r.cls, r.site, subject_id, f).empty()) continue;
    Result<ExceptionRecord> done = book_.resolve_subject(kConditionSubject, subject_id, "system", "the condition cleared");
    if (!done.ok() && done.status().code() != Code::kNotFound) note(done.status());
    if (done.ok()) log::info(kLog, "condition cleared", {{"id", r.id}, {"class", r.cls}, {"site", r.site}});
  }
  // An acknowledged condition that cleared starts a new episode next time;
  // one that could not be told this pass stays acknowledged.
  std::vector<std::string> cleared;
  for (const std::string& s : acked) {
    const size_t slash = s.find('/');
    const size_t end = slash == std::string::npos ? std::string::npos : s.find('/', slash + 1);
    const std::string cls = s.substr(0, slash);
    const std::string site = slash == std::string::npos ? "" : s.substr(slash + 1, end == std::string::npos ? end : end - slash - 1);
    if (!f.holding.count(s) && undecided(cls, site, s, f).empty()) cleared.push_back(s);
  }
  note(watchlist_.clear_acknowledged(cleared));
  note(watchlist_.forget_events(f.gone_events));
  Result<uint64_t> forgotten = watchlist_.forget_commands_older_than(kWatchlistRetention);
  note(forgotten.status());
  Result<uint64_t> unmarked = watchlist_.forget_shipped_older_than(kWatchlistRetention);
  note(unmarked.status());

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
  // A failed read leaves its classes undecided (said below), not cleared.
  Status found = find(&f);
  if (!found.ok()) log::warn(kLog, "a check read in part", {{"id", r.id}, {"error", found.to_string()}});
  const std::string said = note.empty() ? "" : note + "; ";
  auto it = f.holding.find(r.subject_id);
  const std::string why = it == f.holding.end() ? undecided(r.cls, r.site, r.subject_id, f) : "";
  if (!why.empty()) {
    return book_.act(r.id, r.state, ExceptionAction::by(who, "retry", said + "checked now: " + why + "; still open"))
        .status();
  }
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
