// Applying ERP commands to Clarus (docs/clarus-model.md), idempotently: every
// create is preceded by a lookup (by reference, or by the Clarus id learnt
// earlier), so applying a command twice -- after a timeout, or after a crash
// between applying and recording -- leaves one record in Clarus.
//
// Outcomes, as apply() reports them:
//   OK                  Clarus holds the record; clarus_id names it
//   kInvalidArgument    Clarus (or a check before calling it) refused the
//                       command; the message says why in words a person can act on
//   kUnavailable / kTimeout / kConnectionLost   try again later, in order
// Thread-safety: one applier is used by one thread.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/clarus/clarus_client.h"
#include "agent/downlink/command_journal.h"
#include "stockbridge/v1/wire.h"

namespace sb::agent {

struct Applied {
  std::string clarus_id;
  std::vector<std::pair<std::string, std::string>> mappings;  // learnt ERP/SKU key -> Clarus id
  std::string note;                                            // e.g. "already in Clarus"
};

class CommandApplier {
 public:
  virtual ~CommandApplier() = default;
  virtual Result<Applied> apply(const v1::Command& command) = 0;
};

struct ClarusAccount {
  int64_t account_id = 1;
  int64_t warehouse_id = 1;
};

class ClarusCommandApplier final : public CommandApplier {
 public:
  ClarusCommandApplier(ClarusClient& clarus, CommandJournal& journal, ClarusAccount site)
      : clarus_(clarus), journal_(journal), site_(site) {}
  Result<Applied> apply(const v1::Command& command) override;

 private:
  Result<Applied> item_upsert(const v1::ItemUpsert& c);
  Result<Applied> sales_order_release(const v1::SalesOrderRelease& c);
  Result<Applied> sales_order_cancel(const v1::SalesOrderCancel& c);
  Result<Applied> receipt(const std::string& type, const std::string& reference, const std::string& erp_id,
                          const std::string& party, const std::string& expected_date,
                          const google::protobuf::RepeatedPtrField<v1::OrderLine>& lines, const std::string& map_key);
  // The Clarus id of a product by code ("" when Clarus has none).
  Result<std::string> product_id(const std::string& sku);
  Result<std::string> stock_unit_type_id(const std::string& code);
  // Gives the product a case storage unit of units_per_case if it has none.
  Status ensure_case_unit(const std::string& product, int units_per_case, const std::string& unit);
  Result<std::string> carrier_id(const std::string& code);
  Result<std::string> carrier_service_id(const std::string& carrier, const std::string& code);
  // The first node of `resource` whose filter matches, or null.
  Result<Json> find_one(const std::string& resource, const Json& filter, const std::string& fields);

  ClarusClient& clarus_;
  CommandJournal& journal_;
  ClarusAccount site_;
  std::map<std::string, std::string> cache_;  // product / carrier / unit ids seen this run
};

}  // namespace sb::agent
