// Argument values: the request's variables checked against the operation's
// definitions, and literals with variables substituted, as JSON.
#pragma once

#include <map>
#include <set>
#include <string>

#include "graphql_syntax.h"
#include "platform/core/json.h"

namespace sb::clarus_sim::gql {

// The operation's variables after coercion. A declared variable that the request
// omits (and that has no default) is absent: it resolves to null, which callers
// treat as "argument not given", as GraphQL does for an omitted nullable variable.
class Variables {
 public:
  // Checks `provided` (the request's "variables" object) against the definitions:
  // a required (`T!`) variable must be present and non-null, and a value of a
  // built-in scalar type (Int, Float, String, Boolean, ID) must be of that type.
  static Result<Variables> coerce(const Operation& op, const Json& provided);

  // The value, with variables substituted. Enum words become strings.
  Result<Json> resolve(const Value& v) const;

 private:
  std::map<std::string, Json> values_;
  std::set<std::string> declared_;
};

}  // namespace sb::clarus_sim::gql
