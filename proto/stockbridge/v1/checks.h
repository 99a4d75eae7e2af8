// Checks on warehouse facts that the agent (before forwarding, from the master
// data it keeps) and the relay (at posting, from the ERP) both make, so a
// rule means the same at either end.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "stockbridge/v1/wire.h"

namespace stockbridge::v1 {

// The carrier and service the ERP knows a Clarus carrier by: `aliases` maps
// "CARRIER/SERVICE" or "CARRIER" (Clarus) to "ERP_CARRIER[/ERP_SERVICE]".
// Exact codes stand unless an alias names them: CARRIER/SERVICE first, then CARRIER (service kept).
std::pair<std::string, std::string> erp_carrier(const std::map<std::string, std::string>& aliases,
                                                const std::string& carrier, const std::string& service);

// Why the shipment's tracking numbers do not fit `pattern` (ECMAScript; "" =
// no tracking needed), or "" when they do. Each package's number counts (the
// shipment's own when a package has none). A pattern that does not compile is
// no rule ("": the ERP is the judge then).
std::string tracking_problem(const Shipment& s, const std::string& pattern);

}  // namespace stockbridge::v1
