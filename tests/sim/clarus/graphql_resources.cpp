#include "graphql_resources.h"

#include <algorithm>

#include "record_json.h"

namespace sb::clarus_sim {
namespace {

using K = FilterField::Kind;

// Records of a map, in key order (= id order: integer keys, or zero-padded string ids).
template <typename Map, typename Render>
std::function<std::vector<Json>()> all_of(const ClarusModel* m, Map ClarusModel::*map, Render render) {
  return [m, map, render] {
    std::vector<Json> out;
    for (const auto& [id, record] : m->*map) out.push_back(render(*m, record));
    return out;
  };
}

}  // namespace

GraphqlSchema clarus_schema(const ClarusModel* m) {
  GraphqlSchema s;
  s.add({"products",
         {{"code", "code", K::kString}, {"barcode", "barcode", K::kString}},
         all_of(m, &ClarusModel::products, [](const ClarusModel& mm, const Product& p) { return product_json(mm, p); })});
  s.add({"stock_unit_types", {{"code", "code", K::kString}},
         all_of(m, &ClarusModel::stock_unit_types, [](const ClarusModel&, const StockUnitType& t) { return stock_unit_type_json(t); })});
  s.add({"product_storage_units", {{"product_id", "product.id", K::kId}},
         all_of(m, &ClarusModel::product_storage_units,
                [](const ClarusModel& mm, const ProductStorageUnit& u) { return storage_unit_json(mm, u); })});
  s.add({"carriers", {{"code", "code", K::kString}},
         all_of(m, &ClarusModel::carriers, [](const ClarusModel&, const Carrier& c) { return carrier_json(c); })});
  s.add({"carrier_services", {{"code", "code", K::kString}, {"carrier_id", "carrier.id", K::kId}},
         all_of(m, &ClarusModel::carrier_services,
                [](const ClarusModel& mm, const CarrierService& c) { return carrier_service_json(mm, c); })});
  s.add({"locations", {{"code", "code", K::kString}, {"warehouse_id", "warehouse.id", K::kId}},
         all_of(m, &ClarusModel::locations, [](const ClarusModel& mm, const Location& l) { return location_json(mm, l); })});
  s.add({"warehouses", {{"code", "code", K::kString}},
         all_of(m, &ClarusModel::warehouses, [](const ClarusModel&, const Warehouse& w) { return warehouse_json(w); })});
  s.add({"accounts", {{"code", "code", K::kString}},
         all_of(m, &ClarusModel::accounts, [](const ClarusModel&, const Account& a) { return account_json(a); })});
  s.add({"reason_codes", {{"reason_type", "reason_type", K::kString}},
         all_of(m, &ClarusModel::reason_codes, [](const ClarusModel&, const ReasonCode& r) { return reason_code_json(r); })});
  s.add({"goods_outs",
         {{"reference", "reference", K::kString},
          {"goods_out_status_code", "goods_out_status.code", K::kString},
          {"account_id", "account.id", K::kId},
          {"warehouse_id", "warehouse.id", K::kId},
          {"carrier_id", "carrier.id", K::kId},
          {"expected_date_of_dispatch", "expected_date_of_dispatch", K::kDatetime},
          {"external_system_reference1", "external_system_reference1", K::kString}},
         all_of(m, &ClarusModel::goods_outs, [](const ClarusModel& mm, const GoodsOut& g) { return goods_out_json(mm, g); })});
  s.add({"goods_out_lines", {{"goods_out_id", "goods_out.id", K::kId}, {"product_id", "product.id", K::kId}},
         [m] {
           std::vector<std::pair<int64_t, Json>> rows;
           for (const auto& [gid, g] : m->goods_outs) {
             for (const auto& l : g.lines) rows.emplace_back(l.id, goods_out_line_json(*m, g, l));
           }
           // Line ids come from one sequence across orders; order by line id, not by order.
           std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
           std::vector<Json> out;
           for (auto& r : rows) out.push_back(std::move(r.second));
           return out;
         }});
  s.add({"shipments",
         {{"goods_out_id", "goods_out.id", K::kId},
          {"reference", "reference", K::kString},
          {"status", "status", K::kString},
          {"tracking_number", "tracking_number", K::kString},
          {"collection_datetime", "collection_datetime", K::kDatetime}},
         all_of(m, &ClarusModel::shipments, [](const ClarusModel& mm, const Shipment& sh) { return shipment_json(mm, sh); })});
  s.add({"goods_in_receipts",
         {{"reference", "reference", K::kString},
          {"receipt_type", "receipt_type", K::kString},
          {"status", "status", K::kString},
          {"account_id", "account.id", K::kId},
          {"warehouse_id", "warehouse.id", K::kId},
          {"external_system_reference1", "external_system_reference1", K::kString}},
         all_of(m, &ClarusModel::goods_in_receipts,
                [](const ClarusModel& mm, const GoodsInReceipt& r) { return receipt_json(mm, r); })});
  s.add({"receive_tasks", {{"goods_in_receipt_id", "goods_in_receipt_id", K::kId}},
         all_of(m, &ClarusModel::receive_tasks, [](const ClarusModel& mm, const ReceiveTask& t) { return receive_task_json(mm, t); })});
  s.add({"stocks",
         {{"product_id", "product.id", K::kId},
          {"product_code", "product.code", K::kString},
          {"account_id", "account.id", K::kId},
          {"warehouse_id", "warehouse.id", K::kId},
          {"location_id", "location.id", K::kId},
          {"location_code", "location.code", K::kString},
          {"status", "status", K::kString}},
         all_of(m, &ClarusModel::stocks, [](const ClarusModel& mm, const Stock& st) { return stock_json(mm, st); })});
  s.add({"stock_balances",
         {{"product_id", "product.id", K::kId},
          {"product_code", "product.code", K::kString},
          {"account_id", "account.id", K::kId},
          {"warehouse_id", "warehouse.id", K::kId}},
         [m] { return stock_balances_json(*m); }});
  s.add({"stock_adjustments",
         {{"adjustment_type", "adjustment_type", K::kString},
          {"product_code", "product.code", K::kString},
          {"warehouse_id", "warehouse.id", K::kId},
          {"created_at", "created_at", K::kDatetime}},
         all_of(m, &ClarusModel::stock_adjustments,
                [](const ClarusModel& mm, const StockAdjustment& a) { return stock_adjustment_json(mm, a); })});
  return s;
}

}  // namespace sb::clarus_sim
