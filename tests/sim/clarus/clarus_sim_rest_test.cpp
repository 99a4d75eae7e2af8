// The REST API as the agent's adapter uses it: creating and changing goods
// outs, receipts and products, and the 422 / 404 answers it must act on.
#include "clarus_test_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::clarus_sim;
using namespace sb::clarus_sim::test;

TEST_GROUP_BASE(ClarusSimRest, SimTest) {
  void expect_422(const std::string& body, const std::string& words) {
    Answer a = client->api("POST", "/goods_outs", body);
    LONGS_EQUAL(422, a.status);
    if (a.error().find(words) == std::string::npos) FAIL(("error '" + a.error() + "' lacks '" + words + "'").c_str());
  }
};

TEST(ClarusSimRest, GoodsOutIsCreatedWithLinesAddressAndCustomFields) {
  Answer a = client->api("POST", "/goods_outs",
                         goods_out_body("SO-100", {{1, 4}, {2, 1}},
                                        R"("carrier_id":1,"carrier_service_id":1,"external_system_reference1":"erp-so-100","string2":"gift","integer1":7)"));
  LONGS_EQUAL(201, a.status);
  const Json& g = *at(a.json, "data.attributes");
  STRCMP_EQUAL("SO-100", str_at(g, "reference").c_str());
  STRCMP_EQUAL("PENDING", str_at(g, "goods_out_status.code").c_str());
  STRCMP_EQUAL("RM1CLS", str_at(g, "carrier_service.code").c_str());
  STRCMP_EQUAL("erp-so-100", str_at(g, "external_system_reference1").c_str());
  STRCMP_EQUAL("gift", str_at(g, "string2").c_str());
  LONGS_EQUAL(7, int_at(g, "integer1"));
  STRCMP_EQUAL("GB", str_at(g, "address.country_code").c_str());
  LONGS_EQUAL(2, static_cast<long>(at(g, "lines")->items().size()));
  STRCMP_EQUAL("SKU-0001", str_at(g, "lines.0.product.code").c_str());
  LONGS_EQUAL(4, int_at(g, "lines.0.order_quantity"));

  int64_t id = int_at(a.json, "data.id");
  Answer read = client->api("GET", "/goods_outs/" + std::to_string(id));
  LONGS_EQUAL(200, read.status);
  STRCMP_EQUAL("erp-so-100", str_at(read.json, "data.attributes.external_system_reference1").c_str());
}

TEST(ClarusSimRest, InvalidGoodsOutsAre422WithClearText) {
  expect_422(R"({"data":{"attributes":{"account_id":1,"expected_date_of_dispatch":"2026-11-27","goods_out_type":"sales_order"}}})",
             "reference is required");
  expect_422(goods_out_body(std::string(51, 'R'), {{1, 1}}), "longer than 50");
  expect_422(goods_out_body("SO-1", {{999, 1}}), "product_id 999 does not exist");
  expect_422(goods_out_body("SO-1", {{1, 1}}, R"("carrier_id":77)"), "carrier_id 77 does not exist");
  expect_422(goods_out_body("SO-1", {{1, 1}}, R"("warehouse_id":9)"), "warehouse_id 9 does not exist");
  expect_422(goods_out_body("SO-1", {{1, 1}}, "", "UK"), "country_code 'UK'");
  expect_422(goods_out_body("SO-1", {{1, 0}}), "order_quantity must be greater than 0");
  LONGS_EQUAL(201, client->api("POST", "/goods_outs", goods_out_body("SO-1", {{1, 1}})).status);
  expect_422(goods_out_body("SO-1", {{1, 1}}), "reference has already been taken");
  // Nothing half-made: only the one valid order exists.
  LONGS_EQUAL(1, static_cast<long>(at(sim->state(), "goods_outs")->items().size()));
}

TEST(ClarusSimRest, StatusChangesFollowTheRules) {
  Answer a = client->api("POST", "/goods_outs", goods_out_body("SO-7", {{1, 2}}));
  std::string path = "/goods_outs/" + std::to_string(int_at(a.json, "data.id"));
  Answer completed = client->api("PATCH", path, R"({"data":{"attributes":{"goods_out_status_id":6}}})");
  LONGS_EQUAL(422, completed.status);
  CHECK(completed.error().find("COMPLETED") != std::string::npos);
  LONGS_EQUAL(422, client->api("PATCH", path, R"({"data":{"attributes":{"goods_out_status_id":9}}})").status);
  Answer cancelled = client->api("PATCH", path, R"({"data":{"attributes":{"goods_out_status_id":8}}})");
  LONGS_EQUAL(200, cancelled.status);
  STRCMP_EQUAL("CANCELLED", str_at(cancelled.json, "data.attributes.goods_out_status.code").c_str());
  Answer reopened = client->api("PATCH", path, R"({"data":{"attributes":{"goods_out_status_id":2}}})");
  LONGS_EQUAL(422, reopened.status);
  CHECK(reopened.error().find("cannot change a CANCELLED goods out") != std::string::npos);
}

TEST(ClarusSimRest, PickWithoutStockIsNotEnoughStocksForPicking) {
  Answer a = client->api("POST", "/goods_outs", goods_out_body("SO-8", {{1, 100000}}));
  std::string path = "/goods_outs/" + std::to_string(int_at(a.json, "data.id"));
  Answer pick = client->api("PATCH", path, R"({"data":{"attributes":{"goods_out_status_id":3}}})");
  LONGS_EQUAL(422, pick.status);
  STRCMP_EQUAL("not_enough_stocks_for_picking", pick.error().c_str());
  LONGS_EQUAL(39, int_at(pick.json, "code"));
}

TEST(ClarusSimRest, LinesChangesAddUpdateAndDestroy) {
  Answer a = client->api("POST", "/goods_outs", goods_out_body("SO-9", {{1, 2}, {2, 2}}));
  std::string path = "/goods_outs/" + std::to_string(int_at(a.json, "data.id"));
  int64_t first = int_at(a.json, "data.attributes.lines.0.id");
  int64_t second = int_at(a.json, "data.attributes.lines.1.id");
  std::string body = R"({"data":{"attributes":{"lines_changes":[)"
                     R"({"type":"UPDATE","id":)" + std::to_string(first) + R"(,"attributes":{"order_quantity":5,"string1":"x"}},)"
                     R"({"type":"DESTROY","id":)" + std::to_string(second) + R"(},)"
                     R"({"type":"ADD","attributes":{"product_id":3,"order_quantity":1}}]}}})";
  Answer changed = client->api("PATCH", path, body);
  LONGS_EQUAL(200, changed.status);
  const Json& lines = *at(changed.json, "data.attributes.lines");
  LONGS_EQUAL(2, static_cast<long>(lines.items().size()));
  LONGS_EQUAL(5, int_at(lines, "0.order_quantity"));
  STRCMP_EQUAL("x", str_at(lines, "0.string1").c_str());
  STRCMP_EQUAL("SKU-0003", str_at(lines, "1.product.code").c_str());
}

TEST(ClarusSimRest, UnknownIdsAre404) {
  LONGS_EQUAL(404, client->api("GET", "/goods_outs/999").status);
  LONGS_EQUAL(404, client->api("PATCH", "/goods_outs/999", "{}").status);
  LONGS_EQUAL(404, client->api("GET", "/shipments/999").status);
  LONGS_EQUAL(404, client->api("GET", "/goods_in_receipts/999").status);
  LONGS_EQUAL(404, client->api("PATCH", "/products/999", "{}").status);
  LONGS_EQUAL(404, client->api("GET", "/stock_unit_types/nope").status);
}

TEST(ClarusSimRest, ProductsAreCreatedAndPatched) {
  Answer unit = client->api("POST", "/stock_unit_types", R"({"data":{"type":"stock_unit_types","attributes":{"code":"BOX","name":"Box"}}})");
  LONGS_EQUAL(201, unit.status);
  std::string unit_id = str_at(unit.json, "data.id");
  CHECK(at(unit.json, "data.id")->is_string());
  Answer missing = client->api("POST", "/products", R"({"data":{"attributes":{"code":"NEW-1"}}})");
  LONGS_EQUAL(422, missing.status);
  Answer created = client->api("POST", "/products",
                               R"({"data":{"attributes":{"code":"NEW-1","description":"New","stock_unit_type_id":")" + unit_id +
                                   R"(","barcode":"123","external_system_reference1":"item-9"}}})");
  LONGS_EQUAL(201, created.status);
  STRCMP_EQUAL("BOX", str_at(created.json, "data.attributes.stock_unit_type.code").c_str());
  std::string path = "/products/" + str_at(created.json, "data.id");
  Answer patched = client->api("PATCH", path, R"({"data":{"attributes":{"description":"Renamed","obsolete":true}}})");
  LONGS_EQUAL(200, patched.status);
  STRCMP_EQUAL("Renamed", str_at(patched.json, "data.attributes.description").c_str());
  STRCMP_EQUAL("item-9", str_at(patched.json, "data.attributes.external_system_reference1").c_str());
  Answer storage = client->api("POST", "/product_storage_units",
                               R"({"data":{"attributes":{"product_id":)" + str_at(created.json, "data.id") +
                                   R"(,"stock_configuration":"case","per_layer":6,"number_of_layers":4}}})");
  LONGS_EQUAL(201, storage.status);
  LONGS_EQUAL(24, int_at(storage.json, "data.attributes.total"));
}

TEST(ClarusSimRest, ReceiptIsReceivedThroughReceiveTasks) {
  Answer r = client->api("POST", "/goods_in_receipts",
                         R"({"data":{"attributes":{"account_id":1,"warehouse_id":1,"reference":"PO-1","external_system_reference1":"po-erp-1",)"
                         R"("lines_changes":[{"type":"ADD","attributes":{"product_id":1,"expected_quantity":10,"alt_line_reference":"1"}}]}}})");
  LONGS_EQUAL(201, r.status);
  STRCMP_EQUAL("pending", str_at(r.json, "data.attributes.status").c_str());
  std::string id = str_at(r.json, "data.id");
  Answer receiving = client->api("POST", "/goods_in_receipts/" + id + "/receive");
  LONGS_EQUAL(200, receiving.status);
  STRCMP_EQUAL("receiving", str_at(receiving.json, "data.attributes.status").c_str());
  std::string task = str_at(receiving.json, "data.attributes.receive_task_ids.0");
  Answer done = client->api("POST", "/receive_tasks/" + task + "/receive", R"({"location_to_id":10,"confirmed_quantity":9})");
  LONGS_EQUAL(200, done.status);
  Answer after = client->api("GET", "/goods_in_receipts/" + id);
  STRCMP_EQUAL("completed", str_at(after.json, "data.attributes.status").c_str());
  LONGS_EQUAL(9, int_at(after.json, "data.attributes.lines.0.received_quantity"));
  STRCMP_EQUAL("A-01-01", str_at(after.json, "data.attributes.lines.0.location.code").c_str());
  LONGS_EQUAL(422, client->api("POST", "/goods_in_receipts/" + id + "/receive").status);
}

TEST(ClarusSimRest, ShortOrderLinesListsNumericCodes) {
  Answer empty = client->api("POST", "/goods_out_processes/short_order_lines", R"({"ids":[]})");
  LONGS_EQUAL(422, empty.status);
  LONGS_EQUAL(36, int_at(empty.json, "code"));
  Answer invalid = client->api("POST", "/goods_out_processes/short_order_lines", R"({"ids":[424242]})");
  LONGS_EQUAL(37, int_at(invalid.json, "code"));
  Answer g = client->api("POST", "/goods_outs", goods_out_body("SO-11", {{1, 3}}));
  std::string line = str_at(g.json, "data.attributes.lines.0.id");
  Answer shorted = client->api("POST", "/goods_out_processes/short_order_lines", R"({"ids":[)" + line + "]}");
  LONGS_EQUAL(200, shorted.status);
  Answer after = client->api("GET", "/goods_outs/" + str_at(g.json, "data.id"));
  STRCMP_EQUAL("COMPLETED", str_at(after.json, "data.attributes.goods_out_status.code").c_str());
  STRCMP_EQUAL("short", str_at(after.json, "data.attributes.lines.0.short_status").c_str());
}

TEST(ClarusSimRest, StockIsMovedAndHeld) {
  Json state = sim->state();
  std::string stock = str_at(state, "stocks.0.id");
  Answer moved = client->api("POST", "/stocks/" + stock + "/move", R"({"quantity":2,"to_location_id":29})");
  LONGS_EQUAL(200, moved.status);
  STRCMP_EQUAL("B-02-05", str_at(moved.json, "data.attributes.location.code").c_str());
  Answer held = client->api("POST", "/stocks/hold", R"({"ids":[)" + str_at(moved.json, "data.id") + "]}");
  LONGS_EQUAL(200, held.status);
  STRCMP_EQUAL("held", str_at(held.json, "data.0.attributes.status").c_str());
  LONGS_EQUAL(422, client->api("POST", "/stocks/hold", R"({"ids":[])").status);
}
