// The relay's side of exception actions (platform/http/exception_routes.h):
// a held event is retried, corrected and resubmitted, or discarded through
// the poster, which records each action in the event's exception in the same
// commit as the ledger change.
// Thread-safety: called from HTTP handler threads; the poster is thread-safe.
#pragma once

#include "platform/http/exception_routes.h"
#include "relay/ledger.h"
#include "relay/poster.h"

namespace sb::relay {

class RelayExceptionActions : public ExceptionActions {
 public:
  RelayExceptionActions(Ledger& ledger, Poster& poster) : ledger_(ledger), poster_(poster) {}
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
};

}  // namespace sb::relay
