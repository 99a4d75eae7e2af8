// A small SuiteQL subset, answered the way NetSuite's
// POST /services/rest/query/v1/suiteql answers (all values as strings,
// lower-case column names, paged by limit/offset). Enough for lookups by SKU
// and for the downlink's change queries:
//   SELECT id, itemid, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD"T"HH24:MI:SS') AS lastmodified
//     FROM item
//    WHERE lastmodifieddate > TO_TIMESTAMP('2026-11-26T10:42:00', 'YYYY-MM-DD"T"HH24:MI:SS')
//    ORDER BY lastmodifieddate, id
//
// Understood:  SELECT (* | item, ...) FROM (item | location | shipitem | transaction)
//              [WHERE cond [AND cond ...]] [ORDER BY col [ASC|DESC], ...]
//   item: col [[AS] alias] | TO_CHAR(datecol, 'model') [AS] alias
//   cond: col = v | col IN (v, ...) | col (> | >= | < | <= | <> | !=) v
//   v:    'text' | number | TO_TIMESTAMP('text', 'model') | TO_DATE('text', 'model')
// Keywords, column names and aliases are case-insensitive (answered in lower
// case); literals are '...' ('' for a quote) or numbers. Anything else (OR,
// joins, other functions, GROUP BY) is refused with 400 INVALID_PARAMETER
// "Invalid search query", so a client that grows beyond the subset finds out.
//
// Dates as NetSuite has them: date columns (lastmodifieddate, createddate,
// trandate) hold instants (the store's millisecond stamps; times in the
// account's time zone, which for the simulator is UTC). Selected plainly they
// come out in the account's date format (--date-format, default M/D/YYYY:
// "11/26/2026", no time); a 'text' compared with one is read in that format;
// TO_CHAR and TO_TIMESTAMP/TO_DATE take Oracle format models. Comparisons and
// ORDER BY on a date column compare instants. Digits compare as numbers, the
// rest as text. Columns of each table: suiteql.cpp, and the README.
//
// Thread-safety: DateFormat is immutable after construction; the route's
// handler runs on many server threads and reads the store through its lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "record_store.h"
#include "route_table.h"
#include "sim_options.h"

namespace sb::erpsim {

// A date/time format: an account date format (what NetSuite's "Date Format"
// preference offers, numeric ones: "M/D/YYYY", "YYYY-MM-DD", ...) or an Oracle
// format model as TO_CHAR and TO_TIMESTAMP take it ('YYYY-MM-DD"T"HH24:MI:SS').
// Instants are milliseconds since 1970-01-01T00:00:00 in the account's time
// zone (UTC in the simulator).
class DateFormat {
 public:
  // Oracle model elements: YYYY MM DD HH24 MI SS FF3 (case-insensitive),
  // "quoted text", and the separators - : / . and space. Returns "" or why
  // the model is refused (an unknown element names itself).
  static std::string from_model(const std::string& model, DateFormat* out);
  // One of kAccountDateFormats; returns "" or why not.
  static std::string from_account_preference(const std::string& name, DateFormat* out);

  std::string format(int64_t epoch_ms) const;
  // Reads text that follows the format exactly (1 or 2 digits for a two-digit
  // element, 4 for the year, 1 to 3 for FF3); fields the format lacks are 0.
  // Returns "" or why the text does not fit (what was expected, where).
  std::string parse(const std::string& text, int64_t* epoch_ms) const;

  const std::string& text() const { return text_; }   // as written
  bool has_date() const;         // gives YYYY, MM and DD: enough to name an instant
  bool has_fraction() const;     // FF3 (TO_DATE refuses it: an Oracle DATE has none)

 private:
  enum class Part { kYear, kMonth, kDay, kHour, kMinute, kSecond, kMillis, kText };
  struct Element {
    Part part;
    std::string text;  // kText: the literal; otherwise the element as written
    bool padded = true;  // two digits on output (the account formats' M and D are not)
  };
  std::vector<Element> elements_;
  std::string text_;
};

// The account date formats --date-format accepts; the first is NetSuite's
// default for a US account.
inline constexpr const char* kAccountDateFormats[] = {"M/D/YYYY",   "MM/DD/YYYY", "D/M/YYYY",   "DD/MM/YYYY",
                                                      "D.M.YYYY",   "DD.MM.YYYY", "YYYY/M/D",   "YYYY/MM/DD",
                                                      "YYYY-M-D",   "YYYY-MM-DD"};

// A value in WHERE: a literal, or TO_TIMESTAMP/TO_DATE already read.
struct SuiteQlValue {
  std::string text;              // the literal; for a function, its text as written (for messages)
  bool is_number = false;        // an unquoted number literal
  std::optional<int64_t> instant;  // TO_TIMESTAMP / TO_DATE
};

struct SuiteQlCondition {
  std::string column;
  std::string op = "=";              // "=", "in", ">", ">=", "<", "<=", "<>"
  std::vector<SuiteQlValue> values;  // one value except for IN
};

struct SuiteQlSelectItem {
  std::string column;                 // lower-case
  std::string alias;                  // lower-case; the answer's name for it ("" = the column's)
  std::optional<DateFormat> to_char;  // TO_CHAR(column, 'model')
  std::string name() const { return alias.empty() ? column : alias; }
};

struct SuiteQlOrder {
  std::string column;  // a column, or an alias of the select list
  bool descending = false;
};

struct SuiteQlQuery {
  std::string table;                     // lower-case
  std::vector<SuiteQlSelectItem> items;  // empty = *
  std::vector<SuiteQlCondition> conditions;
  std::vector<SuiteQlOrder> order_by;
};

struct ParsedSuiteQl {
  SuiteQlQuery query;
  std::string error;  // "" when parsed
};

// Checks syntax, format models and TO_TIMESTAMP texts; not tables or columns.
ParsedSuiteQl parse_suiteql(const std::string& text);

// POST /services/rest/query/v1/suiteql; dates in options.date_format.
void add_suiteql_routes(RouteTable& routes, RecordStore& store, const SimOptions& options);

}  // namespace sb::erpsim
