// Shared views of an Event for people: its JSON form on status pages and in
// exceptions, and the corrections an exception's edit may make to it. Both the
// agent and the relay use these, so an edit means the same thing at either end.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "platform/core/json.h"
#include "platform/core/status.h"
#include "stockbridge/v1/wire.h"

namespace stockbridge::v1 {

// The event's fields as JSON (times as ISO-8601), every body type.
sb::Json event_view(const Event& e);

// The SKUs an event moves (its adjustment's, or its lines'), in order, repeats kept.
std::vector<std::string> event_skus(const Event& e);

// Sets one correctable field of `e` (see exceptions.h `editable`):
//   sku, unit            a stock adjustment's SKU or unit
//   warehouse            the body's warehouse code
//   carrier, carrier_service, tracking_number   a shipment's; a new tracking
//                        number also goes on packages that had the old one or none
// *change says what changed, e.g. "tracking_number: '' -> '1Z...'".
// InvalidArgument naming the field when it does not apply to this event or the
// value is empty or longer than 200 characters.
sb::Status patch_event(Event* e, const std::string& field, const std::string& value, std::string* change);
// The fields of `fields` patch_event() can set on this event (e.g. `sku` only on a stock adjustment).
std::vector<std::string> patchable(const Event& e, const std::vector<std::string>& fields);

// Every field of `patch` in turn; *changes lists them "; "-separated. All or nothing for the caller's copy.
sb::Status patch_event(Event* e, const std::map<std::string, std::string>& patch, std::string* changes);

}  // namespace stockbridge::v1
