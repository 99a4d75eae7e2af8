// The agent's side of exception actions (platform/http/exception_routes.h):
// an event held at the site is retried, corrected or discarded through the
// EdgeRules, which record each action in the same commit as the hold's end;
// an SKU divergence (subject "item") is retried by pushing the ERP's values
// to Clarus (SkuAudit), or discarded; a command Clarus refused (subject
// "command") goes back to the downlink's queue, or is discarded.
// Thread-safety: called from HTTP handler threads; EdgeRules is thread-safe.
#pragma once

#include "agent/downlink/command_journal.h"
#include "agent/rules/edge_rules.h"
#include "agent/rules/sku_audit.h"
#include "platform/http/exception_routes.h"

namespace sb::agent {

class AgentExceptionActions final : public ExceptionActions {
 public:
  AgentExceptionActions(EdgeRules& rules, ExceptionBook& book, SkuAudit* audit, CommandJournal* commands)
      : rules_(rules), book_(book), audit_(audit), commands_(commands) {}
  std::vector<std::string> editable(const ExceptionRecord& r) const override;
  Json describe(const ExceptionRecord& r) override;
  Status retry(const ExceptionRecord& r, const std::string& who, const std::string& note) override;
  Status edit(const ExceptionRecord& r, const std::map<std::string, std::string>& patch, const std::string& who,
              const std::string& note) override;
  Status discard(const ExceptionRecord& r, const std::string& who, const std::string& reason) override;

 private:
  EdgeRules& rules_;
  ExceptionBook& book_;
  SkuAudit* audit_;            // null without a Clarus adapter
  CommandJournal* commands_;   // likewise
};

}  // namespace sb::agent
