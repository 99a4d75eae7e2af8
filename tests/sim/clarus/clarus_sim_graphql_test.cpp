// GraphQL reads as the agent's sweeps make them: filters, id cursors, pages.
#include "clarus_test_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::clarus_sim;
using namespace sb::clarus_sim::test;

TEST_GROUP_BASE(ClarusSimGraphql, SimTest) {};

TEST(ClarusSimGraphql, ShipmentsOfOneGoodsOutWithLinesAndPackages) {
  client->api("POST", "/goods_outs", goods_out_body("SO-G1", {{1, 6}}, R"("carrier_id":1,"carrier_service_id":1)"));
  Answer other = client->api("POST", "/goods_outs", goods_out_body("SO-G2", {{2, 6}}));
  client->admin("POST", "/warehouse", R"({"partial_dispatch_rate":1.0})");
  sim->step_warehouse(40, {"dispatch"});
  Answer a = client->graphql(
      "{ shipments { all(filter: {goods_out_id: {eq: 1}}, first: 50) { pageInfo { hasNextPage endCursor } "
      "edges { cursor node { id reference status tracking_number packages_count "
      "carrier { id code name } carrier_service { code } goods_out { id reference external_system_reference1 } "
      "packages { reference tracking_number weight } lines { goods_out_line_id alt_line_reference product { code } quantity } } } } } }");
  LONGS_EQUAL(200, a.status);
  const Json* edges = at(a.json, "data.shipments.all.edges");
  if (!edges) FAIL(a.body.c_str());
  CHECK(edges->items().size() >= 2);
  int64_t total = 0;
  for (const Json& e : edges->items()) {
    const Json& n = *at(e, "node");
    LONGS_EQUAL(1, int_at(n, "goods_out.id"));
    STRCMP_EQUAL("SO-G1", str_at(n, "goods_out.reference").c_str());
    STRCMP_EQUAL("dispatched", str_at(n, "status").c_str());
    STRCMP_EQUAL("ROYALMAIL", str_at(n, "carrier.code").c_str());
    STRCMP_EQUAL("RM1CLS", str_at(n, "carrier_service.code").c_str());
    std::string tracking = str_at(n, "tracking_number");
    LONGS_EQUAL(13, static_cast<long>(tracking.size()));
    CHECK(tracking.substr(11) == "GB");
    STRCMP_EQUAL("SKU-0001", str_at(n, "lines.0.product.code").c_str());
    total += int_at(n, "lines.0.quantity");
  }
  LONGS_EQUAL(6, total);
  (void)other;
}

TEST(ClarusSimGraphql, GoodsOutsPageOnIdGreaterThan) {
  for (int i = 1; i <= 5; ++i) client->api("POST", "/goods_outs", goods_out_body("SO-PG" + std::to_string(i), {{1, 1}}));
  Answer page = client->graphql(
      "{ goods_outs { all(filter: {id: {gt: 1}}, first: 2) { pageInfo { hasNextPage endCursor } "
      "edges { node { id reference goods_out_status { code name } warehouse { id code } } } } } }");
  LONGS_EQUAL(200, page.status);
  const Json* edges = at(page.json, "data.goods_outs.all.edges");
  if (!edges) FAIL(page.body.c_str());
  LONGS_EQUAL(2, static_cast<long>(edges->items().size()));
  LONGS_EQUAL(2, int_at(*edges, "0.node.id"));
  LONGS_EQUAL(3, int_at(*edges, "1.node.id"));
  STRCMP_EQUAL("PENDING", str_at(*edges, "0.node.goods_out_status.code").c_str());
  STRCMP_EQUAL("WH1", str_at(*edges, "0.node.warehouse.code").c_str());
  CHECK(at(page.json, "data.goods_outs.all.pageInfo.hasNextPage")->as_bool());
  std::string cursor = str_at(page.json, "data.goods_outs.all.pageInfo.endCursor");
  Answer next = client->graphql("{ goods_outs { all(filter: {id: {gt: 1}}, first: 2, after: \"" + cursor +
                                "\") { pageInfo { hasNextPage } edges { node { id } } } } }");
  LONGS_EQUAL(4, int_at(next.json, "data.goods_outs.all.edges.0.node.id"));
  LONGS_EQUAL(5, int_at(next.json, "data.goods_outs.all.edges.1.node.id"));
  CHECK(!at(next.json, "data.goods_outs.all.pageInfo.hasNextPage")->as_bool());
}

TEST(ClarusSimGraphql, FiltersOnStatusCodeReferenceAndReceiptType) {
  client->api("POST", "/goods_outs", goods_out_body("SO-F1", {{1, 1}}));
  client->api("POST", "/goods_outs", goods_out_body("SO-F2", {{1, 1}}));
  sim->step_warehouse(1, {"dispatch"});
  Answer done = client->graphql(
      "{ goods_outs { all(filter: {goods_out_status_code: {eq: \"COMPLETED\"}}) { edges { node { reference } } } } }");
  LONGS_EQUAL(1, static_cast<long>(at(done.json, "data.goods_outs.all.edges")->items().size()));
  Answer by_ref = client->graphql("{ goods_outs { all(filter: {reference: {eq: \"SO-F2\"}}) { edges { node { id } } } } }");
  LONGS_EQUAL(1, static_cast<long>(at(by_ref.json, "data.goods_outs.all.edges")->items().size()));
  client->api("POST", "/goods_in_receipts",
              R"({"data":{"attributes":{"account_id":1,"warehouse_id":1,"reference":"RMA-G","receipt_type":"return",)"
              R"("lines_changes":[{"type":"ADD","attributes":{"product_id":1,"expected_quantity":1}}]}}})");
  Answer returns = client->graphql(
      "{ goods_in_receipts { all(filter: {receipt_type: {eq: \"return\"}}) { edges { node { reference status lines { expected_quantity product { code } } } } } } }");
  STRCMP_EQUAL("RMA-G", str_at(returns.json, "data.goods_in_receipts.all.edges.0.node.reference").c_str());
  STRCMP_EQUAL("SKU-0001", str_at(returns.json, "data.goods_in_receipts.all.edges.0.node.lines.0.product.code").c_str());
  Answer products = client->graphql("{ products { all(filter: {code: {eq: \"SKU-0003\"}}) { edges { node { id code } } } } }");
  LONGS_EQUAL(3, int_at(products.json, "data.products.all.edges.0.node.id"));
}
