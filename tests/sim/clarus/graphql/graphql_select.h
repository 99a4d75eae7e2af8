// Node field selection, generic over record JSON: the simulator declares no node
// types, so whether a field is a scalar, an object or a list is read from the
// record itself, and a selection that does not fit the record is an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "graphql_syntax.h"
#include "platform/core/json.h"

namespace sb::clarus_sim::gql {

// The type name used in messages and __typename: "carrier_service" ->
// "CarrierService"; with singular, "goods_outs" -> "GoodsOut".
std::string type_name(std::string_view name, bool singular = false);

// Node fields take no arguments; checked before any record is read so an
// empty page reports the mistake too.
Status refuse_arguments(const std::vector<Field>& selection, const std::string& type);

// Selects from a record object: a missing member is null; a member with a
// sub-selection must be an object, a list of objects, or null.
Status select_object(const Json& object, const std::vector<Field>& selection, const std::string& type, Json* out);

}  // namespace sb::clarus_sim::gql
