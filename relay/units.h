// Units of measure: the ERP's units and conversion rates are the truth.
//
// A warehouse quantity is counted in a Clarus stock unit type (EA, CS, ...);
// the ERP holds each item's units (NetSuite's units type: name, abbreviation,
// conversion rate to the base unit) and the unit its stock is counted in.
// Matching rule for a Clarus unit code, case-insensitive: the ERP unit whose
// abbreviation is that code, else the one whose name is. An empty code means
// the item's stock unit (the unit the item master gave the warehouse).
// A quantity that does not come to a whole number in the target unit is not
// rounded: it is refused (UOM_NOT_CONVERTIBLE).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/core/json.h"
#include "platform/core/status.h"

namespace sb::relay {

struct ErpUnit {
  std::string id;
  std::string name;          // "Case of 12"
  std::string abbreviation;  // "CS"
  double rate = 1;           // base units per one of this unit
};

struct ItemUnits {
  std::vector<ErpUnit> units;  // empty: the item has no units type (quantities taken as they are)
  std::string stock_unit;      // name of the unit stock is counted in ("" = base)

  bool known() const { return !units.empty(); }
  const ErpUnit* find(const std::string& code) const;  // by abbreviation, then name
  const ErpUnit* base() const;
  const ErpUnit* stock() const;  // the stock unit, else the base unit
};

// From a NetSuite inventoryItem record: units.items[] {id, unitName, abbreviation, conversionRate} and stockUnit.
ItemUnits parse_item_units(const Json& item);

struct Conversion {
  int64_t quantity = 0;  // in the target unit
  std::string note;      // "10 CS (Case of 12 = 12) = 120 Each": recorded on the ERP line
};

// `quantity` counted in `from_code` (empty: the stock unit) into `to` units
// (the transaction line's units: name and rate; an empty name means base).
Result<Conversion> convert(const ItemUnits& units, const std::string& sku, const std::string& from_code, int64_t quantity,
                           const std::string& to_name, double to_rate);

// The Clarus stock unit type code for an item: its stock unit's abbreviation, "EA" without units.
std::string clarus_unit_code(const ItemUnits& units);

}  // namespace sb::relay
