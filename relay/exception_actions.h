// The relay's side of exception actions (platform/http/exception_routes.h):
// a held event is retried, corrected and resubmitted, or discarded through
// the poster, which records each action in the event's exception in the same
// commit as the ledger change.
// An exception about a condition a monitor watches (subject kind "condition")
// goes to the Monitors instead (INVENTORY_DRIFT to the Reconciler): retry
// checks it now, edit is refused (there is nothing to correct but the
// condition itself), discard acknowledges it.
// Thread-safety: called from HTTP handler threads; the poster and monitors are thread-safe.
#pragma once

#include "platform/http/exception_routes.h"
#include "relay/ledger.h"
#include "relay/monitors.h"
#include "relay/poster.h"
#include "relay/reconciliation.h"

namespace sb::relay {

class RelayExceptionActions : public ExceptionActions {
 public:
  RelayExceptionActions(Ledger& ledger, Poster& poster, Monitors* monitors = nullptr)
      : ledger_(ledger), poster_(poster), monitors_(monitors) {}
  std::vector<std::string> editable(const ExceptionRecord& r) const override;
  Json describe(const ExceptionRecord& r) override;
  Status retry(const ExceptionRecord& r, const std::string& who, const std::string& note) override;
  Status edit(const ExceptionRecord& r, const std::map<std::string, std::string>& patch, const std::string& who,
              const std::string& note) override;
  Status discard(const ExceptionRecord& r, const std::string& who, const std::string& reason) override;

 private:
  // The held event an exception stands for.
  Result<v1::Event> held_event(const ExceptionRecord& r) const;
  Ledger& ledger_;
  Poster& poster_;
  Monitors* monitors_;  // null: no monitors (conditions are then refused like any non-event)
 public:
  // INVENTORY_DRIFT's actions go to the reconciliation (set before the routes serve).
  void set_reconciler(Reconciler* reconciler) { reconciler_ = reconciler; }

 private:
  Reconciler* reconciler_ = nullptr;
};

}  // namespace sb::relay
