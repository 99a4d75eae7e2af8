// ShippedLedger: what this relay has sent to the ERP against each sales order
// line, and which event fulfilled each Clarus shipment.
//
// The ERP's own counters (quantityFulfilled) are read before every
// fulfilment, but they are the ERP's: a fulfilment deleted or edited there, or
// a shipment that reaches the relay a second time under another event id,
// would pass that check. This running ledger is the relay's own record, so an
// over-shipment or a second fulfilment of one shipment is held as an
// exception, never posted. Quantities are in the order line's units.
//
// Entries are written before the ERP post (a retry after a crash finds its
// own entries and does not count them against itself) and forgotten when the
// ERP refuses the posting for good. An order with no shipment recorded for
// `prune()`'s retention is forgotten (its later shipments, if any, rely on
// the ERP's counters alone), so the tables stay bounded.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "platform/core/clock.h"
#include "platform/core/status.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

namespace sb::relay {

class ShippedLedger {
 public:
  static Result<std::unique_ptr<ShippedLedger>> open(KvStore& store, GroupCommitter& committer, const Clock& clock);

  struct OrderView {
    std::map<std::string, int64_t> sent;  // order line -> quantity sent by other events
    std::string shipment_owner;           // the event that fulfilled this shipment already ("" = none, or this one)
  };
  // What other events than `event_id` sent for `order`, and who fulfilled `shipment`.
  Result<OrderView> view(const std::string& order, const std::string& shipment, const std::string& event_id);
  // `event_id` fulfils `shipment` of `order` with these quantities by order line. Idempotent.
  Status record(const std::string& order, const std::string& shipment, const std::string& event_id,
                const std::map<std::string, int64_t>& lines);
  // The ERP refused the posting of `event_id`: it sent nothing.
  Status forget(const std::string& order, const std::string& shipment, const std::string& event_id);
  // Forgets orders with nothing recorded for `retention` (at most `max` a call). Returns how many.
  Result<uint64_t> prune(Millis retention, size_t max = 1'000);

 private:
  ShippedLedger(KvStore& store, GroupCommitter& committer, const Clock& clock)
      : store_(store), committer_(committer), clock_(clock) {}
  // Deletes every entry of `order` (lines and shipments) in txn.
  Status erase_order(WriteTxn& txn, const std::string& order);

  KvStore& store_;
  GroupCommitter& committer_;
  const Clock& clock_;
  TableId lines_{}, shipments_{}, orders_{}, log_{};
};

}  // namespace sb::relay
