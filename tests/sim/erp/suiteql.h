// A small SuiteQL subset, answered the way NetSuite's
// POST /services/rest/query/v1/suiteql answers (all values as strings,
// lower-case column names, paged by limit/offset). Enough for lookups by SKU
// and for the downlink's change queries:
//   SELECT id, externalid, lastmodifieddate FROM transaction
//    WHERE type = 'SalesOrd' AND lastmodifieddate > '2026-11-26T10:00:00.000Z'
//    ORDER BY lastmodifieddate, id
//
// Understood:  SELECT (* | col, ...) FROM (item | location | shipitem | transaction)
//              [WHERE cond [AND cond ...]] [ORDER BY col [ASC|DESC], ...]
//   cond: col = 'v' | col IN ('v', ...) | col (> | >= | < | <= | <> | !=) 'v'
// Comparisons are numeric when both sides are digits, else as text (ISO-8601
// timestamps compare correctly as text). Keywords and column names are
// case-insensitive; literals are '...' ('' for a quote) or numbers. Anything
// else (OR, joins, functions, GROUP BY) is refused with 400 INVALID_PARAMETER
// "Invalid search query", so a client that grows beyond the subset finds out.
// Columns of each table: suiteql.cpp, and the README.
#pragma once

#include <string>
#include <vector>

#include "record_store.h"
#include "route_table.h"

namespace sb::erpsim {

struct SuiteQlCondition {
  std::string column;
  std::string op = "=";             // "=", "in", ">", ">=", "<", "<=", "<>"
  std::vector<std::string> values;  // one value except for IN
};

struct SuiteQlOrder {
  std::string column;
  bool descending = false;
};

struct SuiteQlQuery {
  std::string table;                 // lower-case
  std::vector<std::string> columns;  // lower-case; empty = *
  std::vector<SuiteQlCondition> conditions;
  std::vector<SuiteQlOrder> order_by;
};

struct ParsedSuiteQl {
  SuiteQlQuery query;
  std::string error;  // "" when parsed
};

ParsedSuiteQl parse_suiteql(const std::string& text);

// POST /services/rest/query/v1/suiteql
void add_suiteql_routes(RouteTable& routes, RecordStore& store);

}  // namespace sb::erpsim
