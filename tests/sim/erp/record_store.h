// What the simulated ERP holds: master data (items, locations, accounts,
// shipping items) and transaction records: the orders seeded as if people had
// entered them (sales and purchase orders, return authorisations) and what
// clients created (inventory adjustments, and the fulfilments, receipts and
// credit memos made by transforms).
//
// Every write stamps lastModifiedDate from one strictly increasing clock, so
// no two writes share a stamp and "changed after T" queries never miss one.
//
// Thread-safety: every method is safe to call from many server threads; one
// (recursive) mutex guards everything and is held only for in-memory work,
// never while a request sleeps. A read-check-write that must be atomic (a
// transform checks what remains open, creates a record and updates its
// source) holds hold() around its calls. Records are returned by value,
// bodies as JSON text.
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
inline constexpr const char* kShipItem = "shipItem";
}  // namespace master_kind

// One unit of an item's units type: quantities in it are `rate` base units.
struct ItemUnit {
  std::string id;            // "1", "2"... within the units type
  std::string name;          // "Each", "Case of 12"
  double rate = 1;           // base units per one of this unit; the base unit has 1
  std::string abbreviation;  // "EA", "CS", as printed on documents and labels
};

struct MasterRecord {
  std::string id;           // internal id
  std::string name;         // itemid for items and ship items, name for locations and accounts
  std::string external_id;  // "" when none
  bool inactive = false;
  std::string last_modified;  // set by the store on every upsert

  // Items: the units type and its units, base unit first. Empty = no units.
  std::string units_type;
  std::vector<ItemUnit> units;
  std::string stock_unit;  // id of the unit inventory is counted in; "" = the base unit
  // Ship items (the carrier master): the custom fields an integration bundle adds.
  std::string carrier;           // "ROYALMAIL"
  std::string service_code;      // "RM1CLS"
  std::string tracking_pattern;  // ECMAScript regex a tracking number of this service matches

  MasterRecord() = default;
  MasterRecord(std::string id_, std::string name_, std::string external_id_, bool inactive_)
      : id(std::move(id_)), name(std::move(name_)), external_id(std::move(external_id_)), inactive(inactive_) {}
};

struct StoredRecord {
  std::string type;         // "inventoryAdjustment"
  std::string id;           // internal id, increasing across all transaction types
  std::string external_id;  // "" when the client set none
  std::string tran_id;      // the document number NetSuite would show
  std::string created_at;   // ISO-8601 UTC
  std::string last_modified;  // ISO-8601 UTC, changes on every write
  // inventoryAdjustment: the request body as posted, each line's units and
  // unitConversionRate added. Other types: the record's own fields as the
  // simulator keeps them (lines, status...).
  std::string body;
};

// An item's opening quantity on hand at a location, as seeded (/_sim/seed
// "onHand"): what the account held before the simulator's transactions.
struct OpeningStock {
  std::string item;      // internal id
  std::string location;  // internal id
  double quantity = 0;   // in the item's base unit
  std::optional<double> average_cost;  // per base unit; none = the ERP gives no cost
  std::string last_modified;           // set by the store
};

struct CreateResult {
  std::optional<StoredRecord> record;  // set when created
  std::string duplicate_of;            // internal id holding the externalId when refused
};

class RecordStore {
 public:
  // Holds the store's lock; calls made while holding it are one atomic step.
  std::unique_lock<std::recursive_mutex> hold() const { return std::unique_lock(mutex_); }

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
  // Replaces a record's body and stamps lastModifiedDate. False when there is no such record.
  bool update(const std::string& type, const std::string& id, const std::string& body);
  std::optional<StoredRecord> find(const std::string& type, const std::string& id) const;
  // The oldest record with that externalId (there can be several only when
  // uniqueness is off).
  std::optional<StoredRecord> find_by_external_id(const std::string& type, const std::string& eid) const;
  // In creation order; type "" = all types; only ids greater than after_id (if given).
  std::vector<StoredRecord> ledger(const std::string& type, const std::string& after_id) const;

  // Adds or replaces the opening stock of (item, location).
  void set_opening_stock(OpeningStock opening);
  std::vector<OpeningStock> opening_stock() const;  // by item, then location

  // Forgets transaction records; master data and opening stock stay. Internal ids keep
  // increasing, as NetSuite never reuses one.
  void clear_transactions();

 private:
  using MasterTable = std::map<std::string, MasterRecord, IdLess>;

  std::string stamp();  // the next lastModifiedDate; caller holds mutex_

  mutable std::recursive_mutex mutex_;
  std::map<std::string, MasterTable> master_;
  std::map<std::pair<std::string, std::string>, OpeningStock> openings_;  // (item, location)
  std::vector<StoredRecord> records_;                        // creation order
  std::map<std::string, size_t> by_id_;                      // "type/id" -> index
  std::map<std::string, size_t> by_external_id_;             // "type/eid" -> first index
  std::map<std::string, uint64_t> tran_numbers_;             // type -> last document number
  uint64_t next_id_ = 100001;  // far above seeded item ids, so an item id never passes for a transaction id
  int64_t last_stamp_ms_ = 0;
};

}  // namespace sb::erpsim
