// The JSON form of an Event at the agent's intake (POST /v1/events).
//
//   {"event_id": "clarus:WH1:adj:88123",           required, 1..200 printable characters
//    "occurred_at": "2026-11-26T10:42:00Z",         required, ISO-8601 with a zone
//    "site_id": "site-1",                           optional; must be this agent's site
//    "business_key": "...",                         optional; derived from the body when absent
//    "stock_adjustment": {"sku": "SKU-0001", "warehouse": "WH1", "location": "A-01-01",
//                         "quantity_delta": -3, "unit": "EA", "reason_code": "DAMAGED",
//                         "clarus_reference": "stock-88123"}}
//
// A batch is {"events": [ ... ]}. Unknown fields are refused, so a typo is an
// error a person sees rather than a value silently lost. Every error names the
// field: "events[3].stock_adjustment.quantity_delta: must be a non-zero integer".
#pragma once

#include <string>
#include <vector>

#include "platform/core/json.h"
#include "platform/core/status.h"
#include "stockbridge/v1/wire.h"

namespace sb::agent {

struct IntakeLimits {
  size_t max_batch_events = 10'000;
};

// Parses a request body into events for `site_id`. *is_batch tells which form it was.
Status parse_events(std::string_view body, const std::string& site_id, const IntakeLimits& limits,
                    std::vector<v1::Event>* out, bool* is_batch);

// Validates one event object (already parsed) and fills *out. `where` prefixes error messages.
Status event_from_json(const Json& j, const std::string& site_id, const std::string& where, v1::Event* out);

// The business key events of one ordering stream share: stock moves of one SKU at one warehouse.
std::string default_business_key(const v1::Event& e);

// Event -> JSON (for status pages and logs).
Json event_to_json(const v1::Event& e);

}  // namespace sb::agent
