// The parsed form of a GraphQL query document (internal to the GraphQL library).
// Only the subset the simulator serves is representable; the parser rejects the
// rest with a located message, so the executor never meets it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/core/status.h"

namespace sb::clarus_sim::gql {

inline constexpr size_t kMaxQueryBytes = 64 * 1024;
inline constexpr int kMaxDepth = 20;

struct Location {
  int line = 1;
  int col = 1;
};

// "line 3 col 7: <what>": every error a client sees says where.
std::string at(Location where, std::string_view what);

struct Value {
  enum class Kind { kNull, kBool, kInt, kFloat, kString, kEnum, kList, kObject, kVariable };
  Kind kind = Kind::kNull;
  // kBool: "true"/"false"; kInt/kFloat: source text (valid JSON number text);
  // kString: decoded contents; kEnum: the bare word; kVariable: name without '$'.
  std::string text;
  std::vector<Value> items;                          // kList
  std::vector<std::pair<std::string, Value>> fields;  // kObject, in source order
  Location where;
};

struct Argument {
  std::string name;
  Value value;
  Location where;
};

struct Field {
  std::string alias;  // the response key: the alias, or the name when none was given
  std::string name;
  std::vector<Argument> arguments;
  bool has_selection = false;
  std::vector<Field> selection;
  Location where;
};

// Only what variable checking needs: `[T]` nesting is reduced to "a list".
struct TypeRef {
  std::string name;  // innermost named type
  bool list = false;
  bool non_null = false;  // outermost `!`
  std::string text;       // as written, for messages: "[String!]!"
};

struct VariableDefinition {
  std::string name;
  TypeRef type;
  bool has_default = false;
  Value default_value;
  Location where;
};

struct Operation {
  std::string name;  // "" when anonymous
  std::vector<VariableDefinition> variables;
  std::vector<Field> selection;
  Location where;
};

struct Document {
  std::vector<Operation> operations;
};

// Parses a query document. Errors are InvalidArgument with a located message.
Result<Document> parse_document(std::string_view text);

}  // namespace sb::clarus_sim::gql
