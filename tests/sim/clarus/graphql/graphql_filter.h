// The `filter:` argument of `all`, compiled once per query and then matched
// against each record: {key: {operator: operand, ...}, ...}, every condition ANDed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graphql.h"
#include "graphql_syntax.h"
#include "platform/core/json.h"

namespace sb::clarus_sim::gql {

// An id as Clarus orders them: integer ids (JSON numbers or digit strings, so
// "42" and 42 are the same id) by value, any other id as text.
struct IdKey {
  bool integer = false;
  int64_t number = 0;
  std::string text;
};
bool id_key(const Json& v, IdKey* out);  // false when v is neither a string nor a number
int compare_ids(const IdKey& a, const IdKey& b);

// A datetime operand as the closed interval of microseconds since the epoch it
// names: a date alone ("2026-11-26") is that whole UTC day, so `to: <date>` and
// `eq: <date>` include the day's records; a full timestamp is one instant.
struct TimeSpan {
  int64_t from_us = 0;
  int64_t to_us = 0;
};
// ISO-8601 "YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][Z|±HH[:]MM]"; no zone means UTC.
bool parse_datetime(const std::string& text, TimeSpan* out);

class RecordFilter {
 public:
  // filter: the resolved argument (an input object, or null for none); where: the
  // argument's location, for messages. A null operand drops that condition, as
  // Clarus's Rails filters ignore blank values, so `{id: {gt: $after}}` with
  // $after unset matches everything.
  static Result<RecordFilter> compile(const GraphqlResource& resource, const Json& filter, Location where);

  bool matches(const Json& record) const;

 private:
  // In the order of the operator table in graphql_filter.cpp, which indexes it.
  enum class Op { kEq, kIlike, kLike, kIn, kBetween, kGt, kGteq, kLt, kLteq, kFrom, kTo, kFilled };
  struct Condition {
    std::vector<std::string> path;
    FilterField::Kind kind = FilterField::Kind::kString;
    Op op = Op::kEq;
    std::vector<std::string> strings;  // kString operands
    std::vector<int64_t> integers;     // kInteger operands
    std::vector<TimeSpan> times;       // kDatetime operands
    std::vector<IdKey> ids;            // kId operands
    bool filled = false;               // kFilled operand
  };

  static Status add_condition(const FilterField& field, const std::string& op_name, const Json& operand,
                              Location where, RecordFilter* out);
  static bool holds(const Condition& c, const Json& value);

  std::vector<Condition> conditions_;
};

}  // namespace sb::clarus_sim::gql
