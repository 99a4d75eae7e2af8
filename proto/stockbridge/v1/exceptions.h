// The exception vocabulary shared by the agent and the relay: every class of
// held work, the team that owns it, what it means in plain words, which fields
// a person may correct before resubmitting, and whether it clears by itself
// when master data arrives. docs/exceptions.md is the guide for people.
//
// Owners: "warehouse" (the floor: what was picked, packed, keyed in),
// "finance" (the ERP's books and item master), "IT" (mappings, settings,
// connections).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace stockbridge::v1 {

struct ExceptionClassInfo {
  std::string_view name;
  std::string_view owner;
  std::string_view meaning;       // one sentence for the person who acts
  std::string_view fix;           // what they do about it
  std::array<std::string_view, 3> editable;  // fields an edit may patch ("" = unused slot)
  bool master_data;               // re-validated by itself when master data changes
  bool monitor = false;           // raised by a relay monitor about a condition, not a held
                                  // subject: it resolves itself when the condition clears; a
                                  // retry checks again now; a discard acknowledges it
};

inline constexpr std::array<ExceptionClassInfo, 20> kExceptionClasses{{
    {"UNKNOWN_SKU", "finance", "The warehouse moved a product the ERP has no item for.",
     "Create the item in the ERP (it then flows on by itself), or correct a mistyped SKU, or discard.",
     {"sku", "", ""}, true},
    {"INACTIVE_SKU", "finance", "The ERP item for this product is inactive.",
     "Reactivate the item in the ERP (it then flows on by itself), or discard with a reason.", {"", "", ""}, true},
    {"UOM_NOT_CONVERTIBLE", "finance",
     "The warehouse counted in a unit the ERP cannot convert to a whole number of its own units.",
     "Add the unit or fix its conversion rate on the ERP item (it then flows on by itself), or correct the unit.",
     {"unit", "", ""}, true},
    {"UNKNOWN_CARRIER", "IT", "The carrier or service on the shipment is not in the ERP's carrier master.",
     "Add the ship item in the ERP, or an alias (erp.carrier_aliases at the relay, rules.carrier_aliases at the site), or correct the carrier on the shipment.",
     {"carrier", "carrier_service", ""}, true},
    {"BAD_TRACKING", "warehouse", "The shipment's tracking number is missing or is not in the carrier's format.",
     "Enter the tracking number from the label.", {"tracking_number", "carrier", "carrier_service"}, false},
    {"UNMAPPED_LOCATION", "IT", "The Clarus warehouse has no ERP location mapped to it.",
     "Map it in erp.location_map (it then flows on after a retry), or correct the warehouse.", {"warehouse", "", ""},
     false},
    {"OVER_SHIPMENT", "warehouse", "More was shipped than remains open on the order line.",
     "Check the shipment against the order; ask finance to raise the order quantity, then retry, or discard.",
     {"", "", ""}, false},
    {"OVER_RECEIPT", "finance", "More was received than the purchase order allows.",
     "Raise the PO quantity in the ERP and retry, or discard and return the surplus.", {"", "", ""}, false},
    {"DUPLICATE_SHIPMENT", "warehouse", "This Clarus shipment was already posted by another event.",
     "Usually nothing: discard with a reason after checking the first posting.", {"", "", ""}, false},
    {"ERP_REJECTED", "finance", "The ERP refused the record; its reason is quoted.",
     "Fix what the ERP names, then retry; or discard with a reason.", {"", "", ""}, false},
    {"CLARUS_REJECTED", "warehouse", "Clarus refused a command from the ERP; its reason is quoted.",
     "Fix what Clarus names, then retry.", {"", "", ""}, false},
    {"INVALID_EVENT", "IT", "The event is malformed (no id, no key, a site mix-up).",
     "Report it: the agent or Clarus sent something that cannot be right. Discard with a reason.", {"", "", ""},
     false},
    {"SKU_DIVERGENCE", "finance", "The product in Clarus differs from the ERP item (unit, case quantity, barcode, active).",
     "Push the ERP's values to Clarus, or correct the ERP item.", {"", "", ""}, false},
    {"CHECK_FAILED", "IT", "A check could not run (a link or a setting failed).", "See the reason; fix the link.",
     {"", "", ""}, false},
    // Conditions the relay's monitors watch (relay/monitors.h); each clears itself.
    {"ORPHANED_ORDER", "warehouse", "An order was released to the warehouse long ago and nothing has shipped.",
     "Find the order on the floor: ship it, or have it cancelled in the ERP. Clears itself when a shipment arrives.",
     {"", "", ""}, false, true},
    {"UNPOSTED_SHIPMENT", "IT", "A shipment reached the relay but is not in the ERP yet.",
     "Look at why it waits (a held event ahead of it, the ERP link); clears itself once it posts.", {"", "", ""},
     false, true},
    {"RETURN_WITHOUT_CREDIT", "finance", "A return was received and inspected but no credit memo is in the ERP.",
     "Find what holds the return's posting; clears itself when the credit memo is made.", {"", "", ""}, false,
     true},
    {"INVENTORY_DRIFT", "finance",
     "Clarus and the ERP disagree on stock beyond the threshold on two sweeps in a row, after netting what is in flight.",
     "Count the SKU at the location; adjust whichever side is wrong. Clears itself when a sweep agrees.",
     {"", "", ""}, false, true},
    {"BACKLOG", "IT", "A site's backlog or the age of its oldest unsent event is beyond its threshold.",
     "Check the site's links (broker, relay, ERP) on its status page; clears itself when the backlog drains.",
     {"", "", ""}, false, true},
    {"SITE_OFFLINE", "IT", "A site's agent has not been online for longer than its threshold.",
     "Check the gateway and its internet link; nothing is lost meanwhile. Clears itself when the site is back.",
     {"", "", ""}, false, true},
}};

// The class named `name`, or nullptr.
inline const ExceptionClassInfo* exception_class(std::string_view name) {
  for (const ExceptionClassInfo& c : kExceptionClasses)
    if (c.name == name) return &c;
  return nullptr;
}

// The fields an edit may patch on an event held under class `name`.
inline std::vector<std::string> editable_fields(std::string_view name) {
  std::vector<std::string> out;
  if (const ExceptionClassInfo* c = exception_class(name))
    for (std::string_view f : c->editable)
      if (!f.empty()) out.emplace_back(f);
  return out;
}

// The owner of a class ("IT" for one this build does not know).
inline std::string_view exception_owner(std::string_view cls) {
  const ExceptionClassInfo* c = exception_class(cls);
  return c ? c->owner : std::string_view("IT");
}

}  // namespace stockbridge::v1
