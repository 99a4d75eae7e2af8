// GraphQL tokens (spec section 2.1). Commas, whitespace, comments and a BOM are
// insignificant and dropped here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "graphql_syntax.h"

namespace sb::clarus_sim::gql {

struct Token {
  enum class Kind { kEnd, kPunct, kSpread, kName, kInt, kFloat, kString };
  Kind kind = Kind::kEnd;
  std::string text;  // punctuator character, name, number source text, or decoded string
  Location where;
};

// The tokens of text, ending with one kEnd token.
Result<std::vector<Token>> tokenize(std::string_view text);

// How a token reads in a message: "\"}\"", "name \"foo\"", "end of query".
std::string describe(const Token& t);

}  // namespace sb::clarus_sim::gql
