// What the simulated ERP holds: master data (items, locations, accounts, and
// later customers, shipping items...) and the transaction records clients
// created (inventory adjustments now; sales-order transforms later).
//
// Thread-safety: every method is safe to call from many server threads; one
// mutex guards everything and is held only for in-memory work, never while a
// request sleeps. Records are returned by value, bodies as JSON text.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "json_body.h"

namespace sb::erpsim {

// Master-data kinds, as the record store names them.
namespace master_kind {
inline constexpr const char* kItem = "item";
inline constexpr const char* kLocation = "location";
inline constexpr const char* kAccount = "account";
}  // namespace master_kind

struct MasterRecord {
  std::string id;           // internal id
  std::string name;         // itemid for items, name for locations and accounts
  std::string external_id;  // "" when none
  bool inactive = false;
};

struct StoredRecord {
  std::string type;         // "inventoryAdjustment"
  std::string id;           // internal id, increasing across all transaction types
  std::string external_id;  // "" when the client set none
  std::string tran_id;      // the document number NetSuite would show
  std::string created_at;   // ISO-8601 UTC
  std::string body;         // the request body exactly as posted
};

struct CreateResult {
  std::optional<StoredRecord> record;  // set when created
  std::string duplicate_of;            // internal id holding the externalId when refused
};

class RecordStore {
 public:
  // Adds or replaces by internal id.
  void upsert_master(const std::string& kind, MasterRecord record);
  std::optional<MasterRecord> find_master(const std::string& kind, const std::string& id) const;
  std::optional<MasterRecord> find_master_by_external_id(const std::string& kind, const std::string& eid) const;
  std::vector<MasterRecord> list_master(const std::string& kind) const;  // by internal id
  size_t master_count(const std::string& kind) const;

  // Creates a transaction record. With unique_external_id, a non-empty
  // externalId already used for `type` is refused (CreateResult::duplicate_of).
  CreateResult create(const std::string& type, const std::string& external_id,
                      const std::string& tran_id_prefix, const std::string& body, bool unique_external_id);
  std::optional<StoredRecord> find(const std::string& type, const std::string& id) const;
  // The oldest record with that externalId (there can be several only when
  // uniqueness is off).
  std::optional<StoredRecord> find_by_external_id(const std::string& type, const std::string& eid) const;
  // In creation order; type "" = all types; only ids greater than after_id (if given).
  std::vector<StoredRecord> ledger(const std::string& type, const std::string& after_id) const;

  // Forgets transaction records; master data stays. Internal ids keep
  // increasing, as NetSuite never reuses one.
  void clear_transactions();

 private:
  using MasterTable = std::map<std::string, MasterRecord, IdLess>;

  mutable std::mutex mutex_;
  std::map<std::string, MasterTable> master_;
  std::vector<StoredRecord> records_;                        // creation order
  std::map<std::string, size_t> by_id_;                      // "type/id" -> index
  std::map<std::string, size_t> by_external_id_;             // "type/eid" -> first index
  std::map<std::string, uint64_t> tran_numbers_;             // type -> last document number
  uint64_t next_id_ = 100001;  // far above seeded item ids, so an item id never passes for a transaction id
};

}  // namespace sb::erpsim
