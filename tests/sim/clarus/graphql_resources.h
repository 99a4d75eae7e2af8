// The GraphQL resources the simulator serves (docs/clarus-model.md): every
// record type with its reference filters, the [assumed] ones (code on
// products, reference and receipt_type on goods_in_receipts, goods_out_id on
// shipments) and id on all. Nodes are the same JSON as the REST attributes.
//
// records() reads the model directly: call execute_graphql with the model lock held.
#pragma once

#include "graphql.h"
#include "model.h"

namespace sb::clarus_sim {

GraphqlSchema clarus_schema(const ClarusModel* model);

}  // namespace sb::clarus_sim
