// How each record reads: the REST attributes, the GraphQL node and the webhook
// body all come from these functions, so the three never disagree
// (docs/clarus-model.md: "REST attributes = GraphQL fields").
//
// Each function returns a flat object with "id" first, nested references as
// small objects (`carrier{id code name}`) next to the plain `carrier_id`, and
// every custom field (null when unset).
#pragma once

#include <cstdint>
#include <string>

#include "model.h"

namespace sb::clarus_sim {

inline Json num(int64_t v) { return Json::number(v); }
inline Json text(std::string s) { return Json::string(std::move(s)); }
inline Json opt_num(const std::optional<int64_t>& v) { return v ? Json::number(*v) : Json(); }

Json product_json(const ClarusModel& m, const Product& p);
Json stock_unit_type_json(const StockUnitType& t);
Json storage_unit_json(const ClarusModel& m, const ProductStorageUnit& u);
Json carrier_json(const Carrier& c);
Json carrier_service_json(const ClarusModel& m, const CarrierService& s);
Json location_json(const ClarusModel& m, const Location& l);
Json warehouse_json(const Warehouse& w);
Json account_json(const Account& a);
Json reason_code_json(const ReasonCode& r);
Json goods_out_json(const ClarusModel& m, const GoodsOut& g);
Json goods_out_line_json(const ClarusModel& m, const GoodsOut& g, const GoodsOutLine& l);
Json shipment_json(const ClarusModel& m, const Shipment& s);
Json receipt_json(const ClarusModel& m, const GoodsInReceipt& r);
Json receive_task_json(const ClarusModel& m, const ReceiveTask& t);
Json stock_json(const ClarusModel& m, const Stock& s);
Json stock_adjustment_json(const ClarusModel& m, const StockAdjustment& a);
Json automation_json(const Automation& a);
// One row per product and warehouse; id = product id * 1000 + warehouse id [assumed].
std::vector<Json> stock_balances_json(const ClarusModel& m);

// {"data":{"id":..,"type":..,"attributes":{..}}}: REST answers and webhook bodies.
Json envelope(const std::string& type, const Json& record);

}  // namespace sb::clarus_sim
