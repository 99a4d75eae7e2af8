// Watchlist: the small durable index the relay's monitors (relay/monitors.h)
// read instead of scanning all history.
//
// It is written by hooks inside other modules' commits, so it never disagrees
// with them after a crash:
//   - Ledger::accept (set_intake_hook): each Shipment and ReturnReceipt taken
//     is listed with the time the relay took it; a Shipment also forgets its
//     order (something shipped, so the order is not orphaned) and leaves a
//     "shipped" marker for it, because the release's APPLIED outcome comes on
//     another thread and may be recorded after the shipment (after an outage);
//   - CommandOutbox::enqueue: each SalesOrderRelease / SalesOrderCancel queued
//     is remembered by command id until the site reports its outcome;
//   - CommandOutbox::ack (with the outcomes, in the ack's commit): a release
//     APPLIED at the site lists the order (with when and the Clarus id) unless
//     a shipment of it was seen; a cancel APPLIED forgets it.
// The monitors forget a listed event once it left custody (posted or
// discarded). So the index holds: orders released and not shipped or
// cancelled, events taken in the last sweep interval plus those stuck, and
// commands awaiting their outcome, shipped markers of the last
// shipped_retention (forget_shipped_older_than). It also keeps which
// conditions a person acknowledged (a discard), until the condition clears
// once, and since when each site has been offline as the monitors first saw it
// (so a restart, which brings the retained "offline" state again with a fresh
// receive time, does not restart the clock).
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/status.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "stockbridge/v1/wire.h"

namespace sb::relay {

// An order the site applied (created in Clarus) and nothing has shipped of yet.
struct WatchedOrder {
  std::string site;
  std::string order;         // the ERP order number (the Clarus goods out reference)
  std::string erp_order_id;
  std::string clarus_id;     // the goods out in Clarus
  int64_t applied_at_ms = 0;
};

// A Shipment or ReturnReceipt the relay took, possibly posted since.
struct WatchedEvent {
  std::string key;           // its index key (for forget_events)
  std::string site;
  std::string event_id;
  std::string kind;          // "shipment" or "return"
  std::string what;          // e.g. "shipment 88 of order SO-1001"
  int64_t taken_at_ms = 0;
};

class Watchlist {
 public:
  // Opens (creating) the tables "mon_orders", "mon_commands", "mon_events",
  // "mon_acknowledged", "mon_shipped", "mon_offline".
  static Result<std::unique_ptr<Watchlist>> open(KvStore& store, GroupCommitter& committer, const Clock& clock);

  // The hooks, each inside the caller's transaction.
  Status on_event_taken(WriteTxn& txn, const v1::Event& e);
  Status on_command_queued(WriteTxn& txn, const v1::Command& c);
  Status on_command_outcome(WriteTxn& txn, const std::string& site, const v1::CommandOutcome& o);

  Status orders(const std::function<void(const WatchedOrder&)>& visit);
  Status events(const std::function<void(const WatchedEvent&)>& visit);
  Status forget_events(const std::vector<std::string>& keys);
  // Forgets commands whose outcome never came for longer than `age` (held at
  // the site for good, or sent by an outbox that was rebuilt).
  Result<uint64_t> forget_commands_older_than(Millis age);

  // Conditions acknowledged by a person: not raised again until they clear.
  Status acknowledge_in(WriteTxn& txn, const std::string& subject);
  Result<std::set<std::string>> acknowledged();
  Status clear_acknowledged(const std::vector<std::string>& subjects);

  // Forgets up to `max` shipped markers older than `age` (an APPLIED outcome
  // later than that is not of the order that shipped). Returns how many.
  Result<uint64_t> forget_shipped_older_than(Millis age, size_t max = 10'000);

  // Since when each site has been offline, as the monitors first saw it.
  Result<std::map<std::string, int64_t>> offline_since();
  // One commit: records `went_offline` (site -> since) and forgets `back_online`.
  Status note_offline(const std::map<std::string, int64_t>& went_offline, const std::vector<std::string>& back_online);

 private:
  Watchlist(KvStore& store, GroupCommitter& committer, const Clock& clock)
      : store_(store), committer_(committer), clock_(clock) {}
  KvStore& store_;
  GroupCommitter& committer_;
  const Clock& clock_;
  TableId orders_{}, commands_{}, events_{}, acknowledged_{}, shipped_{}, offline_{};
};

}  // namespace sb::relay
