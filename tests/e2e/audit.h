// The audit every end-to-end and crash test ends with: the events the agent
// acknowledged to their producer against what the ERP's ledger holds.
//
//   lost        acknowledged, not in the ERP (and not expected to be held)
//   duplicated  more than one ERP record for one event
//   phantom     an ERP record for no event that was produced
//   mismatched  an ERP record whose item, location or quantity differs from the
//               event(s) it stands for
//
// The relay may coalesce stock adjustments of one SKU and warehouse into one
// net record listing every event it covers (custbody_sb_event_ids); each
// listed event counts as recorded once, and the record's quantity must be
// the sum of theirs.
//
// A clean run is lost = duplicated = phantom = mismatched = 0.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "platform/core/json.h"
#include "tests/e2e/producer.h"

namespace sb::e2e {

struct AuditReport {
  size_t produced = 0;
  size_t acknowledged = 0;
  size_t erp_records = 0;
  size_t events_recorded = 0;  // distinct events the ERP's records stand for
  size_t expected_held = 0;
  size_t lost = 0;
  size_t duplicated = 0;
  size_t phantom = 0;
  size_t mismatched = 0;
  size_t coalesced_records = 0;  // records standing for more than one event
  std::vector<std::string> examples;  // a few offending event ids, with what was wrong

  bool clean() const { return lost == 0 && duplicated == 0 && phantom == 0 && mismatched == 0; }
  std::string summary() const;
};

// `erp_ledger` is the ERP simulator's /_sim/ledger document. `held` lists event
// ids that are meant to end as exceptions rather than ERP records.
// Item ids follow the simulator's seeding: SKU-n is item 1000+n; WH1/WH2 are locations 1/2.
AuditReport audit(const std::map<std::string, ProducedEvent>& produced, const std::set<std::string>& acknowledged,
                  const Json& erp_ledger, const std::set<std::string>& held = {});

}  // namespace sb::e2e
