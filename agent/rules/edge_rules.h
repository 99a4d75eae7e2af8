// EdgeRules: validation at the site, before an event is forwarded.
//
// Every new event passes the journal's gate (JournalGate) in the commit that
// accepts it. What the site can tell for certain from the master data it keeps
// (MasterData) and its own settings is checked:
//   INACTIVE_SKU        an item the ERP marked inactive
//   UNKNOWN_CARRIER     a carrier/service not in the ERP's carrier master
//                       (checked once any carrier is known; aliases applied)
//   BAD_TRACKING        a tracking number missing or not in the carrier's format
//   UNMAPPED_LOCATION   a warehouse not in rules.location_map (when it is set)
//   INVALID_EVENT       a negative quantity, or a shipment that moved nothing
// An event that fails is held at the site as an exception (the ExceptionBook
// shared with the relay's model) and is not forwarded; events of the same
// business key that arrive after it wait behind it, so order per key holds
// and other keys flow. An SKU the site has never heard of is not held here:
// the site may know only part of the item master; the relay holds it
// (UNKNOWN_SKU) against the ERP itself.
//
// A held event goes on when it passes the checks again: by itself when master
// data arrives (revalidate()), or by a person's retry or edit. Released events
// are journaled in the commit that ends their hold, so nothing is lost or sent
// twice across a kill -9. A discard ends the hold without forwarding. Held
// events count toward the journal's hard cap (journal.max_events).
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/journal.h"
#include "agent/rules/master_data.h"
#include "platform/store/exception_book.h"

namespace sb::agent {

struct EdgeRulesOptions {
  std::map<std::string, std::string> location_map;     // Clarus warehouse -> ERP location; empty = not checked here
  std::map<std::string, std::string> carrier_aliases;  // as the relay's erp.carrier_aliases
};

struct EdgeRulesStats {
  uint64_t held_events = 0;  // held at the site (heads and those waiting behind them)
  uint64_t released = 0;     // forwarded after a hold (this run)
  uint64_t discarded = 0;    // discarded by a person (this run)
};

class EdgeRules final : public JournalGate {
 public:
  struct Problem {
    std::string cls;
    std::string reason;
  };

  static Result<std::unique_ptr<EdgeRules>> open(KvStore& store, GroupCommitter& committer, Journal& journal,
                                                 MasterData& master, ExceptionBook& book, EdgeRulesOptions options);

  Result<bool> hold_in(WriteTxn& txn, const v1::Event& event) override;
  Result<uint64_t> held_count(ReadTxn& txn) override { return txn.count(held_); }
  // What is wrong with the event as the site sees it; nullopt when it may go on.
  std::optional<Problem> check(ReadTxn& txn, const v1::Event& event) const;

  // A person's actions on the held event at the head of its key. Retry and
  // edit check it again: when it passes it is forwarded (with those waiting
  // behind it that pass too); when not, the exception is held again with the
  // new reason. NotFound: not held here; FailedPrecondition: waiting behind another.
  Status retry(const std::string& event_id, ExceptionAction action);
  Status edit(const v1::Event& corrected, ExceptionAction action);
  Status discard(const std::string& event_id, ExceptionAction action);
  // Checks every held head again (master data arrived); returns how many events went on.
  size_t revalidate(const std::string& why);

  Result<v1::Event> held_event(const std::string& event_id);
  size_t waiting_behind(const std::string& event_id);
  EdgeRulesStats stats() const;

 private:
  EdgeRules(KvStore& store, GroupCommitter& committer, Journal& journal, MasterData& master, ExceptionBook& book,
            EdgeRulesOptions options)
      : store_(store), committer_(committer), journal_(journal), master_(master), book_(book), options_(std::move(options)) {}
  enum class Act { kRetry, kEdit, kDiscard, kRevalidate };
  // Ends or renews the hold of the key whose head is `event_id`, in one commit.
  Result<size_t> settle(const std::string& event_id, Act act, const v1::Event* corrected, ExceptionAction action);
  Status hold_head_in(WriteTxn& txn, const v1::Event& e, const Problem& p);

  KvStore& store_;
  GroupCommitter& committer_;
  Journal& journal_;
  MasterData& master_;
  ExceptionBook& book_;
  EdgeRulesOptions options_;
  TableId held_{}, held_ids_{}, meta_{};
  std::atomic<uint64_t> released_{0}, discarded_{0};
};

}  // namespace sb::agent
