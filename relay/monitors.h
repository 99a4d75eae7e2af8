// Monitors: the relay watches for work that went quiet and says so as an
// exception with an owner, which resolves itself when the condition clears.
//
//   ORPHANED_ORDER         an order the site applied in Clarus longer than
//                          orphaned_order_after ago, with no Shipment of it at
//                          the relay and no cancel applied since (Watchlist);
//   UNPOSTED_SHIPMENT      a Shipment in custody (pending or held) longer than
//                          unposted_shipment_after after the relay took it;
//   RETURN_WITHOUT_CREDIT  a ReturnReceipt in custody longer than
//                          return_without_credit_after (its posting ends with
//                          the credit memo, so "in custody" = no credit memo);
//   BACKLOG                an online site reporting more than backlog_events
//                          unsent, or its oldest unsent older than backlog_age;
//   SITE_OFFLINE           a site whose retained state (its MQTT last will)
//                          says offline for longer than offline_after, counted
//                          from when a sweep first saw it offline (kept in the
//                          Watchlist, so a restart does not restart the count).
//
// sweep() works out which conditions hold now and reconciles them with the
// exception book: a condition holding with no unclosed exception is raised
// (once: an open one is left as it is, so attempts do not grow per sweep);
// an unclosed one whose condition no longer holds is resolved. Each condition
// is an exception with subject kind "condition" and subject id
// "<CLASS>/<site>[/<order or event id>]". Unknown is not clear: a subject the
// pass could not judge is neither raised nor resolved, and its acknowledgement
// is kept. That is a site the relay has had no state from since it started
// (its BACKLOG and SITE_OFFLINE); an offline site's BACKLOG (its numbers are
// stale); an offline site's SITE_OFFLINE before the threshold (it resolves only
// when the site is seen online); every subject of a class whose finder failed
// to read (a read error is not an empty list); and an event whose custody
// state could not be read.
//
// People's actions (through RelayExceptionActions): retry checks the
// condition now (resolving it if it cleared); edit is refused; discard
// acknowledges it: the Watchlist remembers the subject, durably, so it is not
// raised again until the condition has cleared once.
// Thread-safety: all methods may be called from any thread (one at a time inside).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/core/status.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "relay/ledger.h"
#include "relay/uplink.h"
#include "relay/watchlist.h"

namespace sb::relay {

struct MonitorOptions {
  Millis orphaned_order_after{48LL * 3600 * 1000};
  Millis unposted_shipment_after{30LL * 60 * 1000};
  Millis return_without_credit_after{3LL * 24 * 3600 * 1000};
  uint64_t backlog_events = 100'000;
  Millis backlog_age{30LL * 60 * 1000};
  Millis offline_after{15LL * 60 * 1000};
};

// The subject kind of every monitor exception.
inline constexpr char kConditionSubject[] = "condition";

class Monitors {
 public:
  using SiteStates = std::function<std::map<std::string, SiteState>()>;
  Monitors(ExceptionBook& book, Ledger& ledger, Watchlist& watchlist, GroupCommitter& committer, SiteStates sites,
           const Clock& clock, MonitorOptions options);

  // One pass over every monitor; the first error is returned (the pass goes on).
  Status sweep();

  // Retry: checks r's condition now. Resolved when it cleared, else it stays
  // open with a trail entry saying what was found.
  Status check(const ExceptionRecord& r, const std::string& who, const std::string& note);
  // Discard: closes r and keeps it from being raised again until the condition clears.
  Status acknowledge(const ExceptionRecord& r, const std::string& who, const std::string& reason);
  // What the condition is now, for GET /api/exceptions/{id}.
  Json describe(const ExceptionRecord& r);

  // {"last_sweep_at", "sweeps", "open": {class: n}, "last_error"}
  Json status() const;
  uint64_t open_conditions() const;

 private:
  struct Condition {
    std::string cls;
    std::string site;
    std::string reason;
    Json detail;
  };
  struct Findings {
    std::map<std::string, Condition> holding;  // by subject id
    std::set<std::string> known_sites;          // sites with a state since the relay started
    std::vector<std::string> gone_events;       // watchlist keys of events out of custody
    std::map<std::string, std::string> undecided;  // subject id -> why it cannot be told now
    std::map<std::string, std::string> blind;      // class -> why its finder could not read
  };
  Status find(Findings* out);
  Status find_sites(Findings* out, int64_t now);
  Status find_events(Findings* out, int64_t now);
  Status find_orders(Findings* out, int64_t now);
  // Why r's condition cannot be told now, or "" when it can (see the top).
  static std::string undecided(const std::string& cls, const std::string& site, const std::string& subject_id,
                               const Findings& f);

  ExceptionBook& book_;
  Ledger& ledger_;
  Watchlist& watchlist_;
  GroupCommitter& committer_;
  SiteStates sites_;
  const Clock& clock_;
  MonitorOptions options_;

  std::mutex sweep_mu_;  // one sweep or action at a time
  mutable std::mutex mu_;
  int64_t last_sweep_ms_ = 0;
  uint64_t sweeps_ = 0;
  std::map<std::string, uint64_t> open_;  // by class, after the last sweep
  std::string last_error_;
};

// The monitor classes (those of proto/stockbridge/v1/exceptions.h this relay raises).
bool is_monitor_class(const std::string& cls);

// "45 seconds", "12 minutes", "5 hours", "3 days": how long, in words.
std::string spoken_duration(int64_t ms);

}  // namespace sb::relay
