// Transforms: the only way fulfilments, receipts and credit memos come to be.
//   POST /salesOrder/{id}/!transform/itemFulfillment
//   POST /purchaseOrder/{id}/!transform/itemReceipt
//   POST /returnAuthorization/{id}/!transform/itemReceipt
//   POST /returnAuthorization/{id}/!transform/creditMemo
// Answer: 204 + Location naming the new record, as NetSuite's.
//
// Lines are matched to the order by orderLine. As in NetSuite, the transform
// starts from every open line at its remaining quantity: a request's lines
// change that ({"orderLine":1,"quantity":2,"location":6}) or drop a line
// ({"orderLine":4,"itemReceive":false}, which stays open: the backorder).
// A line the request does not mention is fulfilled/received in full.
// A request line's custom columns (custcol_sb_uom_conversion, record_links.h)
// are kept on the line made from it; a credit memo reads its request lines
// for nothing else.
//
// Refused, with NetSuite's error body, nothing written: more than remains on
// a line (USER_ERROR, path item.items[i].quantity); an unknown orderLine,
// location, ship method, item (INVALID_KEY_OR_REF with the path); an item
// that is now inactive, or a line's item or units that differ from the
// order's (the SKU or unit changed under the client); nothing to do; an order
// in a status that cannot be transformed; a reused externalId (DUP_RCRD
// unless --no-unique-external-id); a credit memo before anything was received.
// Check, create and update of the order happen under the store's lock, so two
// concurrent fulfilments can never together ship more than was ordered.
#pragma once

#include "record_store.h"
#include "route_table.h"
#include "sim_options.h"

namespace sb::erpsim {

void add_transform_routes(RouteTable& routes, RecordStore& store, const SimOptions& options);

}  // namespace sb::erpsim
