// Reconciliation reports: what one sweep found for one site and warehouse
// (reconciliation.h), kept durably in the relay's store for finance, and the
// monitor's memory between sweeps (which SKUs drifted last sweep, which drifts
// a person acknowledged).
//
// Reports are keyed by id "RC-<created_at ms, 13 digits>-<n>", so keys sort by
// creation: listed newest first, pruned oldest first. Stored as JSON text.
// A report holds a row per SKU (megabytes for a big warehouse), so each also
// has a summary (the report without rows), written in the same commit, twice:
// under its id and under its site and id. list() reads only summaries, a
// site's by its own keys; get() reads the full report; prune() forgets both.
// A report stored without a summary (before summaries existed) is not listed
// but can still be read and is pruned.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "platform/core/clock.h"
#include "platform/core/json.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

namespace sb::relay {

struct ReconciliationRow {
  std::string sku;
  std::string location;  // ERP location id; "" when the warehouse has none
  double clarus = 0;     // in the ERP item's base unit
  double erp = 0;
  double in_flight = 0;
  double drift = 0;      // clarus - erp - in_flight
  std::optional<double> unit_cost;  // the ERP's average cost at the location
  std::string note;      // why the row is incomplete ("" when it is not)

  std::optional<double> erp_value() const { return unit_cost ? std::optional(*unit_cost * erp) : std::nullopt; }
  std::optional<double> drift_value() const { return unit_cost ? std::optional(*unit_cost * drift) : std::nullopt; }
};

struct ReconciliationTotals {
  double clarus = 0, erp = 0, in_flight = 0, drift = 0;
  double erp_value = 0, drift_value = 0;  // over the rows with a cost
  uint64_t rows = 0, drifting = 0, noted = 0;
};

struct ReconciliationReport {
  std::string id;
  std::string site;
  std::string warehouse;
  std::string location;  // the warehouse's ERP location ("" = unmapped)
  int64_t taken_at_ms = 0;
  int64_t created_at_ms = 0;
  double threshold = 0;
  uint64_t erp_calls = 0;  // requests this reconciliation made to the ERP
  ReconciliationTotals totals;
  std::vector<ReconciliationRow> rows;  // by SKU

  void add_totals();  // totals from the rows (drifting = beyond threshold)
  Json to_json(bool with_rows) const;
  static Result<ReconciliationReport> from_json(const Json& j);
};

// RFC 4180: CRLF line ends, fields with , " CR or LF quoted, quotes doubled.
// Header, one row per SKU and location, then a TOTAL row. A text field (SKU,
// location, note) that starts with = + - @ tab or CR is prefixed with ' so a
// spreadsheet shows it instead of running it as a formula; numbers are not.
std::string report_csv(const ReconciliationReport& report);
// A quantity or value as written in reports: up to 6 decimals, no trailing zeros.
std::string report_number(double v);

class ReconciliationStore {
 public:
  static Result<std::unique_ptr<ReconciliationStore>> open(KvStore& store, GroupCommitter& committer);

  // Stores a new report (assigning its id) with the monitor's state for its
  // site and location: `drifting` = the SKUs beyond the threshold this sweep.
  Status add(ReconciliationReport* report, const std::set<std::string>& drifting);
  Result<ReconciliationReport> get(const std::string& id);
  // Newest first, without rows; site "" = every site.
  Result<std::vector<ReconciliationReport>> list(const std::string& site, size_t limit);
  // Forgets reports created before `before_ms`. Returns how many.
  Result<uint64_t> prune(int64_t before_ms);

  // The snapshot moment last reconciled for a site and warehouse (0 = none).
  Result<int64_t> reconciled_at(const std::string& site, const std::string& warehouse);
  Status set_reconciled_at(const std::string& site, const std::string& warehouse, int64_t taken_at_ms);
  // The SKUs that drifted on the previous sweep of a site and location.
  Result<std::set<std::string>> drifting(const std::string& site, const std::string& location);
  // A person acknowledged this drift (discarded the exception): the number.
  Result<std::optional<double>> acknowledged(const std::string& site, const std::string& location, const std::string& sku);
  Status acknowledge(const std::string& site, const std::string& location, const std::string& sku, double drift);
  Status forget_acknowledgement(const std::string& site, const std::string& location, const std::string& sku);

 private:
  ReconciliationStore(KvStore& store, GroupCommitter& committer) : store_(store), committer_(committer) {}
  Result<std::string> get_state(const std::string& key);

  KvStore& store_;
  GroupCommitter& committer_;
  TableId reports_{}, summaries_{}, state_{};
};

}  // namespace sb::relay
