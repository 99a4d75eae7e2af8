// SkuAudit: compares the products Clarus holds (GraphQL) with the ERP's item
// master as the site last heard it (MasterData), on a schedule and on demand.
// Each difference is an SKU_DIVERGENCE exception for finance, subject "item"
// (the SKU):
//   - an ERP item missing in Clarus;
//   - a Clarus product with no ERP item (created on the floor; only reported
//     once the site has heard of any item, as the master may be partial before);
//   - a different stock unit, case quantity, barcode or active flag.
// A difference already open (or discarded) with the same words is not raised
// again; one the audit no longer finds resolves by itself. The exception's
// retry pushes the ERP's values down to Clarus (the item's ItemUpsert applied
// again) and checks the product afterwards.
// Thread-safety: run() and push() may be called from any thread; one runs at a time.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "agent/clarus/clarus_client.h"
#include "agent/downlink/clarus_commands.h"
#include "agent/rules/master_data.h"
#include "platform/store/exception_book.h"

namespace sb::agent {

struct SkuAuditReport {
  int64_t at_ms = 0;
  uint64_t items = 0;      // ERP items compared
  uint64_t products = 0;   // Clarus products read
  uint64_t divergent = 0;  // differences found
  uint64_t raised = 0;     // new exceptions
  uint64_t resolved = 0;   // exceptions the audit no longer finds
  std::string error;       // "" when the audit ran to the end
};

class SkuAudit {
 public:
  SkuAudit(ClarusClient& clarus, MasterData& master, ExceptionBook& book, CommandApplier& applier, std::string site)
      : clarus_(clarus), master_(master), book_(book), applier_(applier), site_(std::move(site)) {}

  SkuAuditReport run();
  // The ERP's values for `sku` pushed to Clarus, then checked. InvalidArgument
  // when the ERP has no such item (created on the floor: create it in the ERP).
  Status push(const std::string& sku, const ExceptionAction& action);
  SkuAuditReport last() const;

 private:
  // What differs between the ERP item and the Clarus product ("" when nothing).
  static std::string difference(const v1::ItemUpsert& item, const Json& product);
  Result<Json> product(const std::string& sku);

  ClarusClient& clarus_;
  MasterData& master_;
  ExceptionBook& book_;
  CommandApplier& applier_;
  std::string site_;
  std::mutex run_mu_;
  mutable std::mutex mu_;
  SkuAuditReport last_;
};

}  // namespace sb::agent
