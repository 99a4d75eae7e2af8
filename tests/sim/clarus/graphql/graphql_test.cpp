// The simulator's GraphQL as the Clarus adapter meets it: sweeps that page
// through every record exactly once, each documented filter operator, variables,
// nested selections, and the mistakes a client can make, each answered with a
// message that says what and where.
#include <string>
#include <vector>

#include "graphql.h"
#include "graphql_cursor.h"
#include "graphql_filter.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::clarus_sim;

namespace {

constexpr int kShipments = 23;

std::string two(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

Json parse(const std::string& text) {
  Result<Json> j = Json::parse(text);
  if (!j.ok()) FAIL(("test JSON does not parse: " + text).c_str());
  return j.value();
}

// Shipment i: dispatched on 2026-11-<i> at 10:00Z, carrier ROYALMAIL when odd
// and DPD when even, every fifth without a tracking number, one line of SKU-<i%3>.
Json shipment(int i) {
  Json carrier = i % 2 ? parse(R"({"id":1,"code":"ROYALMAIL","name":"Royal Mail"})")
                       : parse(R"({"id":2,"code":"DPD","name":"DPD UK"})");
  Json r = Json::object();
  r.set("id", Json::number(static_cast<int64_t>(i)));
  r.set("reference", Json::string("SHP-" + two(i)));
  r.set("status", Json::string(i % 3 == 0 ? "pending" : "dispatched"));
  r.set("packages_count", i % 4 == 0 ? Json::string(std::to_string(i % 7)) : Json::number(static_cast<int64_t>(i % 7)));
  r.set("collection_datetime", Json::string("2026-11-" + two(i) + "T10:00:00Z"));
  r.set("tracking_number", i % 5 == 0 ? Json() : Json::string("TRK" + std::to_string(i)));
  r.set("carrier", std::move(carrier));
  Json goods_out = Json::object();
  goods_out.set("id", Json::number(static_cast<int64_t>(100 + i)));
  goods_out.set("reference", Json::string("SO-" + std::to_string(i)));
  r.set("goods_out", std::move(goods_out));
  Json line = Json::object();
  line.set("goods_out_line_id", Json::number(static_cast<int64_t>(1000 + i)));
  Json product = Json::object();
  product.set("code", Json::string("SKU-" + std::to_string(i % 3)));
  line.set("product", std::move(product));
  line.set("quantity", Json::number(static_cast<int64_t>(i)));
  Json lines = Json::array();
  lines.push(std::move(line));
  r.set("lines", std::move(lines));
  r.set("tags", parse(R"(["fragile","boxed"])"));
  return r;
}

GraphqlSchema make_schema() {
  GraphqlSchema schema;
  GraphqlResource shipments;
  shipments.name = "shipments";
  shipments.filters = {
      {"reference", "reference", FilterField::Kind::kString},
      {"status", "status", FilterField::Kind::kString},
      {"carrier_code", "carrier.code", FilterField::Kind::kString},
      {"product_code", "lines.product.code", FilterField::Kind::kString},
      {"packages_count", "packages_count", FilterField::Kind::kInteger},
      {"goods_out_id", "goods_out.id", FilterField::Kind::kInteger},
      {"collection_datetime", "collection_datetime", FilterField::Kind::kDatetime},
      {"tracking_number", "tracking_number", FilterField::Kind::kId},
  };
  shipments.records = [] {
    std::vector<Json> out;
    for (int i = 1; i <= kShipments; ++i) out.push_back(shipment(i));
    return out;
  };
  schema.add(shipments);

  // String ids that are integers: "10" must sort after "9".
  GraphqlResource goods_outs;
  goods_outs.name = "goods_outs";
  goods_outs.records = [] {
    std::vector<Json> out;
    for (int i = 1; i <= 12; ++i) {
      Json r = Json::object();
      r.set("id", Json::string(std::to_string(i)));
      r.set("reference", Json::string("SO-" + std::to_string(i)));
      out.push_back(std::move(r));
    }
    return out;
  };
  schema.add(goods_outs);

  GraphqlResource unit_types;
  unit_types.name = "stock_unit_types";
  unit_types.records = [] {
    return std::vector<Json>{parse(R"({"id":"CASE","code":"CASE"})"), parse(R"({"id":"EACH","code":"EACH"})"),
                             parse(R"({"id":"PALLET","code":"PALLET"})")};
  };
  schema.add(unit_types);
  return schema;
}

std::string request(const std::string& query, const std::string& variables = "{}") {
  Json body = Json::object();
  body.set("query", Json::string(query));
  body.set("variables", parse(variables));
  return body.dump();
}

// The "data" of a successful answer.
Json data_of(const GraphqlSchema& schema, const std::string& query, const std::string& variables = "{}") {
  GraphqlAnswer a = execute_graphql(schema, request(query, variables));
  LONGS_EQUAL(200, a.status);
  Json body = parse(a.body);
  const Json* data = body.find("data");
  if (data == nullptr) FAIL(("expected data, got " + a.body).c_str());
  return *data;
}

// The message of a GraphQL error (answered 200, with no data).
std::string error_of(const GraphqlSchema& schema, const std::string& query, const std::string& variables = "{}") {
  GraphqlAnswer a = execute_graphql(schema, request(query, variables));
  LONGS_EQUAL(200, a.status);
  Json body = parse(a.body);
  CHECK(body.find("data") == nullptr);
  const Json* errors = body.find("errors");
  if (errors == nullptr || !errors->is_array() || errors->items().empty())
    FAIL(("expected errors, got " + a.body).c_str());
  return errors->items()[0].get_string("message");
}

#define CHECK_CONTAINS(needle, haystack)                                                              \
  do {                                                                                                \
    const std::string hay_ = (haystack);                                                              \
    if (hay_.find(needle) == std::string::npos) FAIL(("\"" + hay_ + "\" lacks \"" + (needle) + "\"").c_str()); \
  } while (0)

std::vector<int64_t> ids_of(const Json& nodes) {
  std::vector<int64_t> out;
  for (const Json& n : nodes.items()) {
    int64_t id = 0;
    const Json* v = n.find("id");
    if (v && v->is_string()) id = std::stoll(v->as_string());
    else if (v) v->as_int64(&id);
    out.push_back(id);
  }
  return out;
}

// The ids of shipments matching a filter literal, all on one page.
std::vector<int64_t> shipments_where(const GraphqlSchema& schema, const std::string& filter) {
  Json data = data_of(schema, "{ shipments { all(filter: " + filter + ", first: 500) { nodes { id } } } }");
  return ids_of(*data.find("shipments")->find("all")->find("nodes"));
}

std::vector<int64_t> ids_from(std::initializer_list<int64_t> ids) { return ids; }

std::string show(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (int64_t id : ids) out += (out.size() > 1 ? "," : "") + std::to_string(id);
  return out + "]";
}

#define CHECK_IDS(expected, actual) STRCMP_EQUAL(show(expected).c_str(), show(actual).c_str())

}  // namespace

TEST_GROUP(ClarusGraphqlPaging) {
  GraphqlSchema schema = make_schema();
};

TEST(ClarusGraphqlPaging, SweepVisitsEveryRecordOnceInIdOrder) {
  const std::string query = R"(query Sweep($after: String, $first: Int) {
    shipments { all(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { id reference } } } } })";
  std::vector<int64_t> seen;
  std::string vars = R"({"first": 5, "after": null})";
  int pages = 0;
  for (;;) {
    Json all = *data_of(schema, query, vars).find("shipments")->find("all");
    ++pages;
    LONGS_EQUAL(kShipments, all.find("totalCount")->as_double());
    CHECK_EQUAL(pages > 1, all.find("pageInfo")->find("hasPreviousPage")->as_bool());
    const Json& edges = *all.find("edges");
    for (const Json& e : edges.items()) {
      int64_t id = 0;
      e.find("node")->find("id")->as_int64(&id);
      seen.push_back(id);
      // Each edge's cursor continues after exactly that record.
      STRCMP_EQUAL(gql::encode_cursor(std::to_string(id)).c_str(), e.get_string("cursor").c_str());
    }
    const Json& info = *all.find("pageInfo");
    STRCMP_EQUAL(edges.items().back().get_string("cursor").c_str(), info.get_string("endCursor").c_str());
    if (!info.find("hasNextPage")->as_bool()) break;
    vars = R"({"first": 5, "after": ")" + info.get_string("endCursor") + "\"}";
    CHECK(pages < 10);
  }
  LONGS_EQUAL(5, pages);
  LONGS_EQUAL(kShipments, seen.size());
  for (int i = 0; i < kShipments; ++i) LONGS_EQUAL(i + 1, seen[i]);
}

TEST(ClarusGraphqlPaging, DefaultPageIsFiftyAndAnExactLastPageHasNoNext) {
  Json all = *data_of(schema, "{ shipments { all { pageInfo { hasNextPage endCursor } nodes { id } } } }")
                  .find("shipments")->find("all");
  LONGS_EQUAL(kShipments, all.find("nodes")->items().size());
  CHECK_FALSE(all.find("pageInfo")->find("hasNextPage")->as_bool());

  all = *data_of(schema, R"({ shipments { all(first: 23) { pageInfo { hasNextPage } } } })")
             .find("shipments")
             ->find("all");
  CHECK_FALSE(all.find("pageInfo")->find("hasNextPage")->as_bool());
  all = *data_of(schema, R"({ shipments { all(first: 22) { pageInfo { hasNextPage } } } })")
             .find("shipments")
             ->find("all");
  CHECK_TRUE(all.find("pageInfo")->find("hasNextPage")->as_bool());
}

TEST(ClarusGraphqlPaging, EmptyPageHasNullCursorsAndFilterAppliesBeforePaging) {
  Json all = *data_of(schema, R"({ shipments { all(filter: {status: {eq: "pending"}}, first: 3) {
      totalCount pageInfo { hasNextPage startCursor endCursor } nodes { id } } } })")
                  .find("shipments")->find("all");
  CHECK_IDS(ids_from({3, 6, 9}), ids_of(*all.find("nodes")));
  LONGS_EQUAL(7, all.find("totalCount")->as_double());
  CHECK_TRUE(all.find("pageInfo")->find("hasNextPage")->as_bool());
  STRCMP_EQUAL(gql::encode_cursor("3").c_str(), all.find("pageInfo")->get_string("startCursor").c_str());

  all = *data_of(schema, R"({ shipments { all(first: 0) { pageInfo { hasNextPage endCursor } nodes { id } } } })")
             .find("shipments")->find("all");
  LONGS_EQUAL(0, all.find("nodes")->items().size());
  CHECK(all.find("pageInfo")->find("endCursor")->is_null());
  CHECK_TRUE(all.find("pageInfo")->find("hasNextPage")->as_bool());
}

TEST(ClarusGraphqlPaging, StringIdsThatAreIntegersPageNumerically) {
  std::string after = gql::encode_cursor("9");
  Json nodes = *data_of(schema, "{ goods_outs { all(after: \"" + after + "\") { nodes { id } } } }")
                    .find("goods_outs")->find("all")->find("nodes");
  CHECK_IDS(ids_from({10, 11, 12}), ids_of(nodes));
  nodes = *data_of(schema, R"({ goods_outs { all(filter: {id: {gt: 9}}) { nodes { id } } } })")
               .find("goods_outs")->find("all")->find("nodes");
  CHECK_IDS(ids_from({10, 11, 12}), ids_of(nodes));
}

TEST(ClarusGraphqlPaging, TextIdsPageInTheirOrder) {
  std::vector<std::string> seen;
  std::string after = "null";
  for (int page = 0; page < 5; ++page) {
    Json all = *data_of(schema, R"(query($a: String) { stock_unit_types { all(first: 1, after: $a) {
        pageInfo { hasNextPage endCursor } nodes { code } } } })", "{\"a\": " + after + "}")
                    .find("stock_unit_types")->find("all");
    for (const Json& n : all.find("nodes")->items()) seen.push_back(n.get_string("code"));
    if (!all.find("pageInfo")->find("hasNextPage")->as_bool()) break;
    after = json_quote(all.find("pageInfo")->get_string("endCursor"));
  }
  LONGS_EQUAL(3, seen.size());
  STRCMP_EQUAL("CASE", seen[0].c_str());
  STRCMP_EQUAL("EACH", seen[1].c_str());
  STRCMP_EQUAL("PALLET", seen[2].c_str());
}

TEST(ClarusGraphqlPaging, CursorIsBase64OfTheId) {
  STRCMP_EQUAL("Y3Vyc29yOjU=", gql::encode_cursor("5").c_str());
  std::string id;
  CHECK_TRUE(gql::decode_cursor("Y3Vyc29yOjU=", &id));
  STRCMP_EQUAL("5", id.c_str());
  CHECK_TRUE(gql::decode_cursor("Y3Vyc29yOjU", &id));  // padding optional
  CHECK_FALSE(gql::decode_cursor("NQ==", &id));        // base64 of "5": no prefix
  CHECK_FALSE(gql::decode_cursor("not a cursor!", &id));
  CHECK_FALSE(gql::decode_cursor("", &id));
}

TEST_GROUP(ClarusGraphqlFilter) {
  GraphqlSchema schema = make_schema();
};

TEST(ClarusGraphqlFilter, StringOperators) {
  CHECK_IDS(ids_from({7}), shipments_where(schema, R"({reference: {eq: "SHP-07"}})"));
  CHECK_IDS(ids_from({}), shipments_where(schema, R"({reference: {eq: "shp-07"}})"));
  CHECK_IDS(ids_from({10, 11, 12, 13, 14, 15, 16, 17, 18, 19}),
            shipments_where(schema, R"({reference: {like: "SHP-1%"}})"));
  CHECK_IDS(ids_from({}), shipments_where(schema, R"({reference: {like: "shp-1%"}})"));
  CHECK_IDS(ids_from({1, 11, 21}), shipments_where(schema, R"({reference: {ilike: "shp-_1"}})"));
  CHECK_IDS(ids_from({3, 13, 23}), shipments_where(schema, R"({reference: {ilike: "%3"}})"));
  CHECK_IDS(ids_from({2, 20}), shipments_where(schema, R"({reference: {in: ["SHP-02", "SHP-20", "SHP-99"]}})"));
  CHECK_IDS(ids_from({8, 9, 10}), shipments_where(schema, R"({reference: {between: ["SHP-08", "SHP-10"]}})"));
  // Through a nested object, and through an array of lines.
  CHECK_IDS(ids_from({2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22}),
            shipments_where(schema, R"({carrier_code: {eq: "DPD"}})"));
  CHECK_IDS(ids_from({3, 6, 9, 12, 15, 18, 21}), shipments_where(schema, R"({product_code: {eq: "SKU-0"}})"));
}

TEST(ClarusGraphqlFilter, IntegerOperatorsAcceptNumbersAndIntegerStrings) {
  // packages_count is i % 7, held as a string on every fourth record.
  CHECK_IDS(ids_from({4, 11, 18}), shipments_where(schema, R"({packages_count: {eq: 4}})"));
  CHECK_IDS(ids_from({4, 11, 18}), shipments_where(schema, R"({packages_count: {eq: "4"}})"));
  CHECK_IDS(ids_from({6, 13, 20}), shipments_where(schema, R"({packages_count: {gt: 5}})"));
  CHECK_IDS(ids_from({5, 6, 12, 13, 19, 20}), shipments_where(schema, R"({packages_count: {gteq: 5}})"));
  CHECK_IDS(ids_from({7, 14, 21}), shipments_where(schema, R"({packages_count: {lt: 1}})"));
  CHECK_IDS(ids_from({1, 7, 8, 14, 15, 21, 22}), shipments_where(schema, R"({packages_count: {lteq: 1}})"));
  CHECK_IDS(ids_from({2, 3, 9, 10, 16, 17, 23}), shipments_where(schema, R"({packages_count: {between: [2, 3]}})"));
  CHECK_IDS(ids_from({5}), shipments_where(schema, R"({goods_out_id: {eq: 105}})"));
}

TEST(ClarusGraphqlFilter, DatetimeOperatorsCompareInstants) {
  CHECK_IDS(ids_from({4}), shipments_where(schema, R"({collection_datetime: {eq: "2026-11-04T10:00:00Z"}})"));
  // The same instant written in another zone.
  CHECK_IDS(ids_from({4}), shipments_where(schema, R"({collection_datetime: {eq: "2026-11-04T11:00:00+01:00"}})"));
  // A date alone is the whole day.
  CHECK_IDS(ids_from({4}), shipments_where(schema, R"({collection_datetime: {eq: "2026-11-04"}})"));
  CHECK_IDS(ids_from({21, 22, 23}),
            shipments_where(schema, R"({collection_datetime: {from: "2026-11-21T10:00:00Z"}})"));
  CHECK_IDS(ids_from({22, 23}),
            shipments_where(schema, R"({collection_datetime: {from: "2026-11-21T10:00:00.001Z"}})"));
  CHECK_IDS(ids_from({1, 2}), shipments_where(schema, R"({collection_datetime: {to: "2026-11-02"}})"));
  CHECK_IDS(ids_from({1}), shipments_where(schema, R"({collection_datetime: {to: "2026-11-02T09:59:59Z"}})"));
  CHECK_IDS(ids_from({5, 6, 7}),
            shipments_where(schema, R"({collection_datetime: {between: ["2026-11-05", "2026-11-07"]}})"));
  CHECK_IDS(ids_from({6}),
            shipments_where(schema, R"({collection_datetime: {from: "2026-11-05T12:00:00Z", to: "2026-11-06"}})"));
}

TEST(ClarusGraphqlFilter, IdOperatorsAcceptNumbersAndStrings) {
  CHECK_IDS(ids_from({7}), shipments_where(schema, R"({id: {eq: 7}})"));
  CHECK_IDS(ids_from({7}), shipments_where(schema, R"({id: {eq: "7"}})"));
  CHECK_IDS(ids_from({21, 22, 23}), shipments_where(schema, R"({id: {gt: "20"}})"));
  CHECK_IDS(ids_from({20, 21, 22, 23}), shipments_where(schema, R"({id: {gteq: 20}})"));
  CHECK_IDS(ids_from({1, 2}), shipments_where(schema, R"({id: {lt: 3}})"));
  CHECK_IDS(ids_from({1, 2, 3}), shipments_where(schema, R"({id: {lteq: "3"}})"));
  CHECK_IDS(ids_from({2, 9, 17}), shipments_where(schema, R"({id: {in: [17, "2", 9, 99]}})"));
  CHECK_IDS(ids_from({5, 10, 15, 20}), shipments_where(schema, R"({tracking_number: {filled: false}})"));
  CHECK_EQUAL(19u, shipments_where(schema, R"({tracking_number: {filled: true}})").size());
}

TEST(ClarusGraphqlFilter, ConditionsAreAndedAndNullOperandsIgnored) {
  CHECK_IDS(ids_from({16, 18, 20}), shipments_where(schema, R"({carrier_code: {eq: "DPD"}, id: {gt: 15, lteq: 20}})"));
  CHECK_IDS(
      ids_from({16, 20}),
      shipments_where(schema, R"({carrier_code: {eq: "DPD"}, id: {gt: 15, lteq: 20}, status: {eq: "dispatched"}})"));
  CHECK_EQUAL(static_cast<size_t>(kShipments), shipments_where(schema, R"({id: {gt: null}})").size());
}

TEST(ClarusGraphqlFilter, StringEscapesReachTheFilter) {
  GraphqlSchema s;
  GraphqlResource r;
  r.name = "products";
  r.filters = {{"code", "code", FilterField::Kind::kString}};
  r.records = [] {
    return std::vector<Json>{parse(R"({"id":1,"code":"A\"B\\C\u00e9\ud83d\ude00"})"), parse(R"({"id":2,"code":"50%"})"),
                             parse(R"({"id":3,"code":"500"})")};
  };
  s.add(r);
  auto ids = [&](const std::string& filter) {
    Json data = data_of(s, "{ products { all(filter: " + filter + ") { nodes { id } } } }");
    return ids_of(*data.find("products")->find("all")->find("nodes"));
  };
  CHECK_IDS(ids_from({1}), ids(R"({code: {eq: "A\"B\\C\u00E9\uD83D\uDE00"}})"));
  CHECK_IDS(ids_from({2, 3}), ids(R"({code: {like: "50%"}})"));
  CHECK_IDS(ids_from({2}), ids(R"({code: {like: "50\\%"}})"));  // LIKE's own escape
}

TEST(ClarusGraphqlFilter, DatetimeParsing) {
  gql::TimeSpan t;
  CHECK_TRUE(gql::parse_datetime("1970-01-01T00:00:01Z", &t));
  LONGS_EQUAL(1000000, t.from_us);
  CHECK_TRUE(gql::parse_datetime("1970-01-01T01:00:00+0100", &t));
  LONGS_EQUAL(0, t.from_us);
  CHECK_TRUE(gql::parse_datetime("1970-01-01 00:00:00.25", &t));
  LONGS_EQUAL(250000, t.from_us);
  CHECK_TRUE(gql::parse_datetime("1970-01-02", &t));
  CHECK(t.from_us == 86400LL * 1000000 && t.to_us == 2 * 86400LL * 1000000 - 1);
  CHECK_FALSE(gql::parse_datetime("2026-13-01", &t));
  CHECK_FALSE(gql::parse_datetime("2026-11-26T10:42:00Zjunk", &t));
  CHECK_FALSE(gql::parse_datetime("yesterday", &t));
}

TEST_GROUP(ClarusGraphqlQuery) {
  GraphqlSchema schema = make_schema();
};

TEST(ClarusGraphqlQuery, VariablesFillArgumentsAndFilters) {
  const std::string query = R"(query Sweep($after: String, $first: Int = 2, $f: ShipmentFilter, $code: String!) {
    shipments { all(filter: $f, first: $first, after: $after) { nodes { id } } }
    dpd: shipments { all(filter: {carrier_code: {eq: $code}, id: {gt: $after}}) { totalCount } } })";
  Json data = data_of(schema, query, R"({"f": {"id": {"gt": 20}}, "code": "DPD"})");
  CHECK_IDS(ids_from({21, 22}), ids_of(*data.find("shipments")->find("all")->find("nodes")));
  LONGS_EQUAL(11, data.find("dpd")->find("all")->find("totalCount")->as_double());
}

TEST(ClarusGraphqlQuery, VariableMistakes) {
  CHECK_CONTAINS("line 1 col 7: variable $code of required type String! was not provided",
                 error_of(schema, R"(query($code: String!) { shipments { all { totalCount } } })"));
  CHECK_CONTAINS(
      "variable $code of required type String! must not be null",
      error_of(schema, R"(query($code: String!) { shipments { all { totalCount } } })", R"({"code": null})"));
  CHECK_CONTAINS("variable $first of type Int cannot take the value \"ten\"",
                 error_of(schema, R"(query($first: Int) { shipments { all(first: $first) { totalCount } } })",
                          R"({"first": "ten"})"));
  CHECK_CONTAINS("line 1 col 26: variable $nope is not defined",
                 error_of(schema, R"({ shipments { all(first: $nope) { totalCount } } })"));
}

TEST(ClarusGraphqlQuery, NestedSelectionsAliasesAndTypename) {
  Json data = data_of(schema, R"({
    __typename
    shipments { __typename recent: all(filter: {id: {eq: 5}}) {
      __typename
      edges { __typename node { __typename id ref: reference missing tracking_number
        carrier { code name } goods_out { reference } tags
        lines { goods_out_line_id product { code } } } } } } })");
  STRCMP_EQUAL("Query", data.get_string("__typename").c_str());
  const Json& shipments = *data.find("shipments");
  STRCMP_EQUAL("ShipmentQuery", shipments.get_string("__typename").c_str());
  const Json& all = *shipments.find("recent");
  STRCMP_EQUAL("ShipmentConnection", all.get_string("__typename").c_str());
  const Json& node = *all.find("edges")->items()[0].find("node");
  STRCMP_EQUAL(
      R"({"__typename":"Shipment","id":5,"ref":"SHP-05","missing":null,"tracking_number":null,)"
      R"("carrier":{"code":"ROYALMAIL","name":"Royal Mail"},"goods_out":{"reference":"SO-5"},"tags":["fragile","boxed"],)"
      R"("lines":[{"goods_out_line_id":1005,"product":{"code":"SKU-2"}}]})",
      node.dump().c_str());
}

TEST(ClarusGraphqlQuery, OperationNameChoosesTheOperation) {
  Json body = Json::object();
  body.set("query",
           Json::string("query A { shipments { all { totalCount } } } query B { goods_outs { all { totalCount } } }"));
  body.set("operationName", Json::string("B"));
  GraphqlAnswer a = execute_graphql(schema, body.dump());
  LONGS_EQUAL(200, a.status);
  STRCMP_EQUAL(R"({"data":{"goods_outs":{"all":{"totalCount":12}}}})", a.body.c_str());
  CHECK_CONTAINS(
      "say which to run with \"operationName\"",
      error_of(schema, "query A { shipments { all { totalCount } } } query B { shipments { all { totalCount } } }"));
}

TEST(ClarusGraphqlQuery, CommentsCommasAndAnonymousQueryKeyword) {
  Json data = data_of(
      schema,
      "# sweep\nquery {\n  shipments { all(first: 1,, filter: {id: {in: [3, 4,]}}) { nodes { id, } } } # done\n}");
  CHECK_IDS(ids_from({3}), ids_of(*data.find("shipments")->find("all")->find("nodes")));
}

TEST_GROUP(ClarusGraphqlRejects) {
  GraphqlSchema schema = make_schema();
};

TEST(ClarusGraphqlRejects, UnsupportedLanguage) {
  CHECK_CONTAINS("line 1 col 32: fragments are not supported",
                 error_of(schema, "{ shipments { all { nodes { id ...F } } } } fragment F on Shipment { reference }"));
  CHECK_CONTAINS("line 1 col 1: fragments are not supported", error_of(schema, "fragment F on Shipment { id }"));
  CHECK_CONTAINS("line 1 col 29: fragments are not supported",
                 error_of(schema, "{ shipments { all { nodes { ... on Shipment { id } } } } }"));
  CHECK_CONTAINS("line 1 col 1: mutations are not supported", error_of(schema, "mutation { createShipment { id } }"));
  CHECK_CONTAINS("subscriptions are not supported", error_of(schema, "subscription { shipments { id } }"));
  CHECK_CONTAINS("line 1 col 13: directives are not supported",
                 error_of(schema, "{ shipments @include(if: true) { all { totalCount } } }"));
  CHECK_CONTAINS("block strings", error_of(schema, R"({ shipments { all(after: """x""") { totalCount } } })"));
}

TEST(ClarusGraphqlRejects, UnknownFieldsAndArguments) {
  CHECK_CONTAINS("line 1 col 3: Cannot query field \"widgets\" on type \"Query\"",
                 error_of(schema, "{ widgets { all { totalCount } } }"));
  CHECK_CONTAINS("Cannot query field \"list\" on type \"ShipmentQuery\"",
                 error_of(schema, "{ shipments { list { totalCount } } }"));
  CHECK_CONTAINS("Cannot query field \"count\" on type \"ShipmentConnection\"",
                 error_of(schema, "{ shipments { all { count } } }"));
  CHECK_CONTAINS("Cannot query field \"hasMore\" on type \"PageInfo\"",
                 error_of(schema, "{ shipments { all { pageInfo { hasMore } } } }"));
  CHECK_CONTAINS("Unknown argument \"last\" on field \"ShipmentQuery.all\"",
                 error_of(schema, "{ shipments { all(last: 5) { totalCount } } }"));
  // Node arguments are refused even when the page is empty.
  CHECK_CONTAINS("Unknown argument \"format\" on field \"Shipment.collection_datetime\"",
                 error_of(schema, "{ shipments { all(first: 0) { nodes { collection_datetime(format: \"x\") } } } }"));
}

TEST(ClarusGraphqlRejects, SelectionsThatDoNotFitTheRecord) {
  CHECK_CONTAINS("Field \"carrier\" of type \"Carrier\" must have a selection of subfields",
                 error_of(schema, "{ shipments { all { nodes { carrier } } } }"));
  CHECK_CONTAINS("Field \"lines\" of type \"[Lines]\" must have a selection of subfields",
                 error_of(schema, "{ shipments { all { nodes { lines } } } }"));
  CHECK_CONTAINS("line 1 col 29: Field \"reference\" must not have a selection since type \"String\" has no subfields",
                 error_of(schema, "{ shipments { all { nodes { reference { code } } } } }"));
  CHECK_CONTAINS("Field \"edges\" of type \"ShipmentEdge\" must have a selection of subfields",
                 error_of(schema, "{ shipments { all { edges } } }"));
  CHECK_CONTAINS("Field \"shipments\" of type \"ShipmentQuery\" must have a selection of subfields",
                 error_of(schema, "{ shipments }"));
}

TEST(ClarusGraphqlRejects, BadFilters) {
  CHECK_CONTAINS("line 1 col 19: unknown filter \"colour\" on shipments (filters: reference,",
                 error_of(schema, R"({ shipments { all(filter: {colour: {eq: "red"}}) { totalCount } } })"));
  CHECK_CONTAINS("unknown operator \"gt\" for string filter \"reference\" (operators: eq, ilike, like, in, between)",
                 error_of(schema, R"({ shipments { all(filter: {reference: {gt: "A"}}) { totalCount } } })"));
  CHECK_CONTAINS("unknown operator \"like\" for id filter \"id\"",
                 error_of(schema, R"({ shipments { all(filter: {id: {like: "1%"}}) { totalCount } } })"));
  CHECK_CONTAINS("filter \"packages_count\" operator \"eq\" needs an integer, got \"many\"",
                 error_of(schema, R"({ shipments { all(filter: {packages_count: {eq: "many"}}) { totalCount } } })"));
  CHECK_CONTAINS(
      "needs an ISO-8601 datetime",
      error_of(schema, R"({ shipments { all(filter: {collection_datetime: {from: "last week"}}) { totalCount } } })"));
  CHECK_CONTAINS(
      "operator \"between\" takes a list of two values",
      error_of(schema,
               R"({ shipments { all(filter: {id: {gt: 1}, packages_count: {between: [1]}}) { totalCount } } })"));
  CHECK_CONTAINS(
      "operator \"filled\" takes true or false",
      error_of(schema, R"({ shipments { all(filter: {tracking_number: {filled: "yes"}}) { totalCount } } })"));
  CHECK_CONTAINS("filter must be an input object",
                 error_of(schema, R"({ shipments { all(filter: "id > 3") { totalCount } } })"));
}

TEST(ClarusGraphqlRejects, BadPaging) {
  CHECK_CONTAINS("line 1 col 19: invalid cursor \"abc\"",
                 error_of(schema, R"({ shipments { all(after: "abc") { totalCount } } })"));
  CHECK_CONTAINS("invalid cursor \"NQ==\"", error_of(schema, R"({ shipments { all(after: "NQ==") { totalCount } } })"));
  CHECK_CONTAINS("invalid cursor 5", error_of(schema, R"({ shipments { all(after: 5) { totalCount } } })"));
  CHECK_CONTAINS("line 1 col 19: first must be at most 500, got 501",
                 error_of(schema, R"({ shipments { all(first: 501) { totalCount } } })"));
  CHECK_CONTAINS("first must be a non-negative integer, got -1",
                 error_of(schema, R"({ shipments { all(first: -1) { totalCount } } })"));
  CHECK_CONTAINS("first must be a non-negative integer, got 2.5",
                 error_of(schema, R"({ shipments { all(first: 2.5) { totalCount } } })"));
}

TEST(ClarusGraphqlRejects, SyntaxErrorsSayWhere) {
  CHECK_CONTAINS("line 1 col 26: unterminated string",
                 error_of(schema, R"({ shipments { all(after: "abc) { totalCount } } })"));
  CHECK_CONTAINS("line 2 col 1: expected a field name, found end of query",
                 error_of(schema, "{ shipments { all { totalCount } }\n"));
  CHECK_CONTAINS("line 1 col 15: expected a field name, found \"}\"", error_of(schema, "{ shipments { } }"));
  CHECK_CONTAINS("line 1 col 26: expected a value, found \")\"",
                 error_of(schema, "{ shipments { all(first: ) { totalCount } } }"));
  CHECK_CONTAINS("line 1 col 26: a number must not have a leading zero",
                 error_of(schema, "{ shipments { all(first: 01) { totalCount } } }"));
  CHECK_CONTAINS("invalid escape \"\\q\"", error_of(schema, R"({ shipments { all(after: "a\qb") { totalCount } } })"));
  CHECK_CONTAINS("unexpected character \"%\"", error_of(schema, "{ shipments % }"));
  CHECK_CONTAINS("argument \"first\" is given twice",
                 error_of(schema, "{ shipments { all(first: 1, first: 2) { totalCount } } }"));
  CHECK_CONTAINS("the query is empty", error_of(schema, "  # nothing\n"));
}

TEST(ClarusGraphqlRejects, Limits) {
  std::string deep = "{ shipments { all { nodes { a ";
  for (int i = 0; i < 17; ++i) deep += "{ a ";
  deep += std::string(17, '}') + "} } } }";
  CHECK_CONTAINS("nested deeper than 20 levels", error_of(schema, deep));
  std::string list_bomb = "{ shipments { all(filter: {id: {in: " + std::string(30, '[') + std::string(30, ']') +
                          "}}) { totalCount } } }";
  CHECK_CONTAINS("nested deeper than 20 levels", error_of(schema, list_bomb));
  // Twenty levels are allowed: 4 above the node plus 16 inside it.
  std::string ok = "{ shipments { all { nodes { a ";
  for (int i = 0; i < 15; ++i) ok += "{ a ";
  ok += std::string(15, '}') + "} } } }";
  data_of(schema, ok);

  std::string big = "{ shipments { all { totalCount } } }" + std::string(64 * 1024, ' ');
  CHECK_CONTAINS("the limit is 65536", error_of(schema, big));
}

TEST(ClarusGraphqlRejects, MalformedRequestsAnswer400) {
  GraphqlAnswer a = execute_graphql(schema, "query { shipments }");
  LONGS_EQUAL(400, a.status);
  CHECK_CONTAINS("not JSON", a.body);
  a = execute_graphql(schema, R"({"variables": {}})");
  LONGS_EQUAL(400, a.status);
  CHECK_CONTAINS("a JSON object with a \\\"query\\\" string", a.body);
  a = execute_graphql(schema, R"({"query": 5})");
  LONGS_EQUAL(400, a.status);
  a = execute_graphql(schema, R"({"query": "{ shipments { all { totalCount } } }", "variables": [1]})");
  LONGS_EQUAL(400, a.status);
  CHECK_CONTAINS("\\\"variables\\\" must be a JSON object", a.body);
  a = execute_graphql(schema, R"({"query": "{ shipments { all { totalCount } } }", "variables": null})");
  LONGS_EQUAL(200, a.status);
  STRCMP_EQUAL(R"({"data":{"shipments":{"all":{"totalCount":23}}}})", a.body.c_str());
}
