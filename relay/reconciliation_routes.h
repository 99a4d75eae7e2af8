// The reconciliation reports over HTTP, for the fleet page and finance:
//   GET /api/reports              JSON {"reports":[...]} newest first, without rows;
//                                 ?site= filters, ?limit= (default 100, at most 1000)
//   GET /api/reports/{id}         the report as JSON, with its rows
//   GET /api/reports/{id}.csv     the report as CSV (report_csv), as an attachment
// Reading only, open like /api/status.
#pragma once

#include "platform/http/http.h"
#include "relay/reconciliation.h"

namespace sb::relay {

void add_report_routes(Router& router, Reconciler& reconciler);

}  // namespace sb::relay
