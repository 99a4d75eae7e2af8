// The scripted warehouse: what it does to orders, receipts and stock, as the
// agent would later read it back.
#include <map>

#include "clarus_test_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::clarus_sim;
using namespace sb::clarus_sim::test;

namespace {

const Json* goods_out_in(const Json& state, int64_t id) {
  for (const Json& g : at(state, "goods_outs")->items()) {
    if (int_at(g, "id") == id) return &g;
  }
  return nullptr;
}

}  // namespace

TEST_GROUP_BASE(ClarusSimWarehouse, SimTest) {
  void setup() override {
    SimOptions options;
    options.seed = 7;
    open(options);
  }
  int64_t create_order(const std::string& ref, const std::vector<std::pair<int64_t, int64_t>>& lines) {
    Answer a = client->api("POST", "/goods_outs", goods_out_body(ref, lines, R"("carrier_id":2)"));
    LONGS_EQUAL(201, a.status);
    return int_at(a.json, "data.id");
  }
};

TEST(ClarusSimWarehouse, PartialDispatchesMakeSeveralShipmentsThatSumToWhatLeft) {
  int64_t id = create_order("SO-P1", {{1, 12}, {2, 9}});
  LONGS_EQUAL(200, client->admin("POST", "/warehouse", R"({"partial_dispatch_rate":1.0})").status);
  Answer step = client->admin("POST", "/warehouse/step", R"({"steps":50,"only":["dispatch"]})");
  LONGS_EQUAL(200, step.status);

  Json state = sim->state();
  const Json* g = goods_out_in(state, id);
  STRCMP_EQUAL("COMPLETED", str_at(*g, "goods_out_status.code").c_str());
  std::map<int64_t, int64_t> shipped;  // goods out line id -> units over all shipments
  int shipments = 0;
  for (const Json& s : at(state, "shipments")->items()) {
    if (int_at(s, "goods_out.id") != id) continue;
    ++shipments;
    STRCMP_EQUAL("DPD", str_at(s, "carrier.code").c_str());
    STRCMP_EQUAL("DPDNEXT", str_at(s, "carrier_service.code").c_str());
    std::string tracking = str_at(s, "tracking_number");
    LONGS_EQUAL(14, static_cast<long>(tracking.size()));
    CHECK(tracking.rfind("15501", 0) == 0);
    CHECK(int_at(s, "packages_count") >= 1);
    LONGS_EQUAL(int_at(s, "packages_count"), static_cast<long>(at(s, "packages")->items().size()));
    for (const Json& l : at(s, "lines")->items()) {
      CHECK(!str_at(l, "product.code").empty());
      CHECK(!str_at(l, "alt_line_reference").empty());
      shipped[int_at(l, "goods_out_line_id")] += int_at(l, "quantity");
    }
  }
  CHECK(shipments >= 2);
  for (const Json& line : at(*g, "lines")->items()) {
    LONGS_EQUAL(int_at(line, "dispatch_quantity"), shipped[int_at(line, "id")]);
    LONGS_EQUAL(int_at(line, "order_quantity"), int_at(line, "dispatch_quantity"));
  }
}

TEST(ClarusSimWarehouse, WhenStockRunsOutLinesAreShortedAndTheOrderCompletes) {
  Json state = sim->state();
  int64_t available = int_at(state, "stock_balances.0.available");  // SKU-0001
  int64_t id = create_order("SO-SHORT", {{1, available + 5}});
  LONGS_EQUAL(200, client->admin("POST", "/warehouse", R"({"partial_dispatch_rate":0})").status);
  client->admin("POST", "/warehouse/step", R"({"steps":1,"only":["dispatch"]})");
  state = sim->state();
  const Json* g = goods_out_in(state, id);
  STRCMP_EQUAL("COMPLETED", str_at(*g, "goods_out_status.code").c_str());
  LONGS_EQUAL(available, int_at(*g, "lines.0.dispatch_quantity"));
  LONGS_EQUAL(5, int_at(*g, "lines.0.short_quantity"));
  STRCMP_EQUAL("short", str_at(*g, "lines.0.short_status").c_str());
  LONGS_EQUAL(0, int_at(state, "stock_balances.0.available"));
}

TEST(ClarusSimWarehouse, PurchaseOrdersAndReturnsAreReceivedAndCompleted) {
  client->api("POST", "/goods_in_receipts",
              R"({"data":{"attributes":{"account_id":1,"warehouse_id":1,"reference":"PO-9",)"
              R"("lines_changes":[{"type":"ADD","attributes":{"product_id":1,"expected_quantity":40}}]}}})");
  client->api("POST", "/goods_in_receipts",
              R"({"data":{"attributes":{"account_id":1,"warehouse_id":1,"reference":"RMA-9","receipt_type":"return",)"
              R"("external_system_reference1":"ret-9","lines_changes":[)"
              R"({"type":"ADD","attributes":{"product_id":2,"expected_quantity":2,"alt_line_reference":"r1"}},)"
              R"({"type":"ADD","attributes":{"product_id":3,"expected_quantity":1,"alt_line_reference":"r2"}}]}}})");
  Answer step = client->admin("POST", "/warehouse/step", R"({"steps":5,"only":["receive","return"]})");
  LONGS_EQUAL(2, static_cast<long>(at(step.json, "actions")->items().size()));
  Json state = sim->state();
  for (const Json& r : at(state, "goods_in_receipts")->items()) {
    STRCMP_EQUAL("completed", str_at(r, "status").c_str());
    CHECK(!str_at(r, "actual_date_of_receipt").empty());
    for (const Json& l : at(r, "lines")->items()) {
      CHECK(int_at(l, "received_quantity") >= 0);
      if (str_at(r, "receipt_type") == "return") {
        std::string disposition = str_at(l, "string1");
        CHECK(disposition == "restock" || disposition == "quarantine" || disposition == "scrap");
      }
    }
  }
}

TEST(ClarusSimWarehouse, AdjustmentsAndMovesChangeStock) {
  Answer step = client->admin("POST", "/warehouse/step", R"({"steps":6,"only":["adjust","move"]})");
  LONGS_EQUAL(6, static_cast<long>(at(step.json, "actions")->items().size()));
  Json state = sim->state();
  for (const Json& a : at(state, "stock_adjustments")->items()) {
    std::string type = str_at(a, "adjustment_type");
    CHECK(type == (int_at(a, "quantity") > 0 ? "positive" : "negative"));
    CHECK(!str_at(a, "reason_code.code").empty());
    CHECK(!str_at(a, "product.code").empty());
    STRCMP_EQUAL("WH1", str_at(a, "warehouse.code").c_str());
  }
}

TEST(ClarusSimWarehouse, SameSeedAndInputsGiveTheSameActions) {
  auto run = [](uint64_t seed) {
    SimOptions options;
    options.seed = seed;
    auto other = start_sim(options);
    ClarusClient c(other->url());
    c.token();
    c.api("POST", "/goods_outs", goods_out_body("SO-D1", {{1, 5}, {4, 3}}));
    c.api("POST", "/goods_outs", goods_out_body("SO-D2", {{2, 30}}));
    Json actions = other->step_warehouse(40);
    Json state = other->state();
    // Timestamps differ between runs; what was done and what stock is left must not.
    std::string stock;
    for (const Json& st : at(state, "stocks")->items()) {
      stock += str_at(st, "id") + ":" + str_at(st, "location.code") + ":" + str_at(st, "quantity") + " ";
    }
    return actions.dump() + stock;
  };
  std::string first = run(11), second = run(11), third = run(12);
  STRCMP_EQUAL(first.c_str(), second.c_str());
  CHECK(first != third);
}
