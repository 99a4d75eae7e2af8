// A small SuiteQL subset over the master data, answered the way NetSuite's
// POST /services/rest/query/v1/suiteql answers (all values as strings,
// lower-case column names, paged by limit/offset).
//
// Understood:  SELECT (* | col, ...) FROM (item | location)
//              [WHERE cond [AND cond ...]]   cond: col = 'v' | col IN ('v', ...)
// Keywords and column names are case-insensitive; literals are '...' ('' for
// a quote) or numbers. Anything else is refused with 400 INVALID_PARAMETER
// "Invalid search query", so a client that grows beyond the subset finds out.
#pragma once

#include <string>
#include <vector>

#include "record_store.h"
#include "route_table.h"

namespace sb::erpsim {

struct SuiteQlCondition {
  std::string column;
  std::vector<std::string> values;  // = is a one-value IN
};

struct SuiteQlQuery {
  std::string table;                 // lower-case
  std::vector<std::string> columns;  // lower-case; empty = *
  std::vector<SuiteQlCondition> conditions;
};

struct ParsedSuiteQl {
  SuiteQlQuery query;
  std::string error;  // "" when parsed
};

ParsedSuiteQl parse_suiteql(const std::string& text);

// POST /services/rest/query/v1/suiteql
void add_suiteql_routes(RouteTable& routes, RecordStore& store);

}  // namespace sb::erpsim
