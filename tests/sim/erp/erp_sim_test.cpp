// The simulator's record and query API over real HTTP: what a relay posting
// inventory adjustments to "NetSuite" would see.
#include <csignal>
#include <memory>
#include <string>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "erp_simulator.h"
#include "sim_client.h"

#include <CppUTest/TestHarness.h>

using namespace sb::erpsim;
using namespace sb::erpsim::test;

namespace {

std::unique_ptr<ErpSimulator> start_sim(SimOptions options) {
  std::signal(SIGPIPE, SIG_IGN);  // a client hanging up must not kill the test process
  options.port = 0;
  if (options.seed_items == 500) options.seed_items = 20;
  auto sim = std::make_unique<ErpSimulator>(options);
  std::string error = sim->start();
  if (!error.empty()) FAIL(error.c_str());
  return sim;
}

// {"q": q}, with q's quotes and backslashes escaped (format models quote text: '"T"').
std::string suiteql_body(const std::string& q) {
  std::string escaped;
  for (char c : q) escaped += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  return R"({"q":")" + escaped + R"("})";
}

CallOptions transient() { return CallOptions{{{"Prefer", "transient"}}, 5000}; }

HttpResult suiteql(uint16_t port, const std::string& q) {
  return http_call(port, "POST", "/services/rest/query/v1/suiteql", suiteql_body(q), transient());
}

// The one row a query is expected to answer.
Poco::JSON::Object::Ptr only_row(const HttpResult& result) {
  if (result.status != 200) FAIL(("SuiteQL answered " + std::to_string(result.status) + " " + result.body).c_str());
  auto items = json_of(result.body)->getArray("items");
  if (items->size() != 1) FAIL(("expected one row, got " + result.body).c_str());
  return items->getObject(0);
}

// "2026-11-26T10:42:00.123Z" in M/D/YYYY: "11/26/2026".
std::string us_date(const std::string& iso) {
  return std::to_string(std::stoi(iso.substr(5, 2))) + "/" + std::to_string(std::stoi(iso.substr(8, 2))) + "/" +
         iso.substr(0, 4);
}

// An adjustment whose only line adjusts `item` at Main by `qty`, with `extra`
// fields appended to the line (e.g. R"(,"units":{"id":"2"})").
std::string adjustment_with(const std::string& external_id, const std::string& item, int qty,
                            const std::string& extra) {
  return R"({"externalId":")" + external_id + R"(","account":{"id":"1"},"inventory":{"items":[{"item":{"id":")" +
         item + R"("},"location":{"id":"6"},"adjustQtyBy":)" + std::to_string(qty) + extra + "}]}}";
}

Poco::JSON::Object::Ptr get_record(uint16_t port, const std::string& path) {
  HttpResult result = http_call(port, "GET", "/services/rest/record/v1/" + path);
  if (result.status != 200) FAIL(("GET " + path + " answered " + std::to_string(result.status)).c_str());
  return json_of(result.body);
}

// The first line of the adjustment with this externalId, as GET and as the ledger hold it.
Poco::JSON::Object::Ptr read_line(uint16_t port, const std::string& external_id) {
  return get_record(port, "inventoryAdjustment/eid:" + external_id)->getObject("inventory")->getArray("items")->getObject(0);
}
Poco::JSON::Object::Ptr ledger_line(uint16_t port, const std::string& external_id) {
  auto records = ledger(port)->getArray("records");
  for (unsigned i = 0; i < records->size(); ++i)
    if (records->getObject(i)->getValue<std::string>("externalId") == external_id)
      return records->getObject(i)->getObject("body")->getObject("inventory")->getArray("items")->getObject(0);
  FAIL(("no ledger record " + external_id).c_str());
  return nullptr;
}

}  // namespace

TEST_GROUP(ErpSimRecords) {
  std::unique_ptr<ErpSimulator> sim;
  uint16_t port = 0;
  void setup() override {
    sim = start_sim({});
    port = sim->port();
  }
  void teardown() override { sim.reset(); }
};

TEST(ErpSimRecords, CreatedAdjustmentAnswers204WithLocationAndCanBeReadBack) {
  HttpResult created = post_adjustment(port, adjustment("SITE1-ADJ-1"));
  LONGS_EQUAL(204, created.status);
  const std::string location = created.header("location");
  const std::string prefix = "/services/rest/record/v1/inventoryAdjustment/";
  CHECK(location.rfind("http://", 0) == 0);
  const auto at = location.find(prefix);
  CHECK(at != std::string::npos);
  const std::string id = location.substr(at + prefix.size());
  CHECK(!id.empty());

  auto ledger_json = ledger(port);
  LONGS_EQUAL(1, ledger_json->getValue<int>("count"));
  auto entry = ledger_json->getArray("records")->getObject(0);
  STRCMP_EQUAL("inventoryAdjustment", entry->getValue<std::string>("type").c_str());
  STRCMP_EQUAL(id.c_str(), entry->getValue<std::string>("id").c_str());
  STRCMP_EQUAL("SITE1-ADJ-1", entry->getValue<std::string>("externalId").c_str());
  STRCMP_EQUAL("cycle count", entry->getObject("body")->getValue<std::string>("memo").c_str());

  HttpResult by_id = http_call(port, "GET", prefix + id);
  LONGS_EQUAL(200, by_id.status);
  auto record = json_of(by_id.body);
  STRCMP_EQUAL(id.c_str(), record->getValue<std::string>("id").c_str());
  STRCMP_EQUAL("SITE1-ADJ-1", record->getValue<std::string>("externalId").c_str());
  CHECK(!record->getValue<std::string>("tranId").empty());
  STRCMP_EQUAL("Inventory Adjustment", record->getObject("account")->getValue<std::string>("refName").c_str());
  auto line = record->getObject("inventory")->getArray("items")->getObject(0);
  STRCMP_EQUAL("1001", line->getObject("item")->getValue<std::string>("id").c_str());
  STRCMP_EQUAL("SKU-0001", line->getObject("item")->getValue<std::string>("refName").c_str());
  LONGS_EQUAL(-3, line->getValue<int>("adjustQtyBy"));

  HttpResult by_eid = http_call(port, "GET", prefix + "eid:SITE1-ADJ-1");
  LONGS_EQUAL(200, by_eid.status);
  STRCMP_EQUAL(id.c_str(), json_of(by_eid.body)->getValue<std::string>("id").c_str());
}

TEST(ErpSimRecords, ReusedExternalIdIsRefusedWithDupRcrdAndCreatesNothing) {
  LONGS_EQUAL(204, post_adjustment(port, adjustment("E1")).status);
  HttpResult again = post_adjustment(port, adjustment("E1", "1002", 5));
  LONGS_EQUAL(400, again.status);
  STRCMP_EQUAL("DUP_RCRD", error_field(again, "o:errorCode").c_str());
  auto body = json_of(again.body);
  LONGS_EQUAL(400, body->getValue<int>("status"));
  STRCMP_EQUAL("Bad Request", body->getValue<std::string>("title").c_str());
  STRCMP_EQUAL("https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1", body->getValue<std::string>("type").c_str());
  LONGS_EQUAL(1, ledger(port)->getValue<int>("count"));
}

TEST(ErpSimRecords, ExternalIdsWithReservedCharactersAreFoundWhenPercentEncoded) {
  LONGS_EQUAL(204, post_adjustment(port, adjustment("SITE1/ADJ:7")).status);
  HttpResult found = http_call(port, "GET", std::string(kAdjustments) + "/eid:SITE1%2FADJ%3A7");
  LONGS_EQUAL(200, found.status);
  STRCMP_EQUAL("SITE1/ADJ:7", json_of(found.body)->getValue<std::string>("externalId").c_str());
}

TEST(ErpSimRecords, WithoutUniqueExternalIdsTheSameIdIsAcceptedTwice) {
  SimOptions options;
  options.unique_external_id = false;
  auto lax = start_sim(options);
  LONGS_EQUAL(204, post_adjustment(lax->port(), adjustment("E1")).status);
  LONGS_EQUAL(204, post_adjustment(lax->port(), adjustment("E1")).status);
  LONGS_EQUAL(2, ledger(lax->port())->getValue<int>("count"));
}

TEST(ErpSimRecords, UnknownOrInactiveItemIsInvalidKeyOrRefWithItsPath) {
  const std::string two_lines =
      R"({"externalId":"E2","account":{"id":"1"},"inventory":{"items":[)"
      R"({"item":{"id":"1001"},"location":{"id":"6"},"adjustQtyBy":1},)"
      R"({"item":{"id":"99999"},"location":{"id":"6"},"adjustQtyBy":1}]}})";
  HttpResult unknown = post_adjustment(port, two_lines);
  LONGS_EQUAL(400, unknown.status);
  STRCMP_EQUAL("INVALID_KEY_OR_REF", error_field(unknown, "o:errorCode").c_str());
  STRCMP_EQUAL("inventory.items[1].item", error_field(unknown, "o:errorPath").c_str());

  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed",
                             R"({"items":[{"id":"1002","itemid":"SKU-0002","isinactive":true}]})").status);
  HttpResult inactive = post_adjustment(port, adjustment("E3", "1002"));
  STRCMP_EQUAL("INVALID_KEY_OR_REF", error_field(inactive, "o:errorCode").c_str());
  HttpResult bad_location = post_adjustment(
      port, R"({"account":{"id":"1"},"inventory":{"items":[{"item":{"id":"1001"},"location":{"id":"77"},"adjustQtyBy":1}]}})");
  STRCMP_EQUAL("inventory.items[0].location", error_field(bad_location, "o:errorPath").c_str());
  LONGS_EQUAL(0, ledger(port)->getValue<int>("count"));
}

TEST(ErpSimRecords, MissingFieldsBadQuantitiesAndBadJsonAreRefusedAsNetSuiteDoes) {
  HttpResult no_account = post_adjustment(
      port, R"({"externalId":"E4","inventory":{"items":[{"item":{"id":"1001"},"location":{"id":"6"},"adjustQtyBy":1}]}})");
  LONGS_EQUAL(400, no_account.status);
  STRCMP_EQUAL("USER_ERROR", error_field(no_account, "o:errorCode").c_str());
  CHECK(error_field(no_account, "detail").rfind("Please enter value(s) for:", 0) == 0);

  HttpResult no_items = post_adjustment(port, R"({"account":{"id":"1"},"adjLocation":{"id":"6"}})");
  STRCMP_EQUAL("USER_ERROR", error_field(no_items, "o:errorCode").c_str());

  HttpResult zero = post_adjustment(port, adjustment("E5", "1001", 0));
  STRCMP_EQUAL("USER_ERROR", error_field(zero, "o:errorCode").c_str());
  STRCMP_EQUAL("inventory.items[0].adjustQtyBy", error_field(zero, "o:errorPath").c_str());
  HttpResult text_qty = post_adjustment(
      port, R"({"account":{"id":"1"},"inventory":{"items":[{"item":{"id":"1001"},"location":{"id":"6"},"adjustQtyBy":"3"}]}})");
  STRCMP_EQUAL("USER_ERROR", error_field(text_qty, "o:errorCode").c_str());

  HttpResult malformed = post_adjustment(port, R"({"account": {"id": "1"},)");
  LONGS_EQUAL(400, malformed.status);
  STRCMP_EQUAL("INVALID_CONTENT", error_field(malformed, "o:errorCode").c_str());
  LONGS_EQUAL(0, ledger(port)->getValue<int>("count"));
  LONGS_EQUAL(5, stats(port)->getValue<int>("rejected"));
}

TEST(ErpSimRecords, MasterRecordsAreReadableAndMissingIdsAre404NonexistentId) {
  HttpResult item = http_call(port, "GET", "/services/rest/record/v1/inventoryItem/eid:SKU-0003");
  LONGS_EQUAL(200, item.status);
  STRCMP_EQUAL("1003", json_of(item.body)->getValue<std::string>("id").c_str());
  STRCMP_EQUAL("SKU-0003", json_of(http_call(port, "GET", "/services/rest/record/v1/inventoryItem/1003").body)
                               ->getValue<std::string>("itemId").c_str());
  HttpResult location = http_call(port, "GET", "/services/rest/record/v1/location/6");
  STRCMP_EQUAL("Main", json_of(location.body)->getValue<std::string>("name").c_str());

  HttpResult missing = http_call(port, "GET", std::string(kAdjustments) + "/424242");
  LONGS_EQUAL(404, missing.status);
  STRCMP_EQUAL("NONEXISTENT_ID", error_field(missing, "o:errorCode").c_str());
  LONGS_EQUAL(404, http_call(port, "GET", std::string(kAdjustments) + "/eid:NOPE").status);
  LONGS_EQUAL(404, http_call(port, "GET", "/services/rest/record/v1/inventoryItem/9").status);
}

TEST(ErpSimRecords, UnknownPathsAre404AndWrongMethodsAre405) {
  HttpResult unknown = http_call(port, "GET", "/services/rest/record/v1/noSuchRecord/1");
  LONGS_EQUAL(404, unknown.status);
  CHECK(!error_field(unknown, "o:errorCode").empty());
  HttpResult wrong = http_call(port, "DELETE", "/services/rest/query/v1/suiteql");
  LONGS_EQUAL(405, wrong.status);
  STRCMP_EQUAL("POST", wrong.header("allow").c_str());
}

TEST(ErpSimRecords, SuiteQlFindsItemsBySkuAndRefusesWhatItDoesNotSupport) {
  HttpResult in = http_call(port, "POST", "/services/rest/query/v1/suiteql",
                            suiteql_body("SELECT id, itemid, isinactive FROM item WHERE itemid IN ('SKU-0001', 'SKU-0003', 'NOPE')"),
                            transient());
  LONGS_EQUAL(200, in.status);
  auto result = json_of(in.body);
  LONGS_EQUAL(2, result->getValue<int>("count"));
  LONGS_EQUAL(2, result->getValue<int>("totalResults"));
  CHECK_FALSE(result->getValue<bool>("hasMore"));
  auto first = result->getArray("items")->getObject(0);
  STRCMP_EQUAL("1001", first->getValue<std::string>("id").c_str());
  STRCMP_EQUAL("SKU-0001", first->getValue<std::string>("itemid").c_str());
  STRCMP_EQUAL("F", first->getValue<std::string>("isinactive").c_str());
  STRCMP_EQUAL("1003", result->getArray("items")->getObject(1)->getValue<std::string>("id").c_str());

  HttpResult one = http_call(port, "POST", "/services/rest/query/v1/suiteql",
                             suiteql_body("select ID, ItemId from ITEM where ITEMID = 'SKU-0002'"), transient());
  STRCMP_EQUAL("1002", json_of(one.body)->getArray("items")->getObject(0)->getValue<std::string>("id").c_str());

  HttpResult page = http_call(port, "POST", "/services/rest/query/v1/suiteql?limit=5&offset=15",
                              suiteql_body("SELECT id FROM item"), transient());
  auto paged = json_of(page.body);
  LONGS_EQUAL(5, paged->getValue<int>("count"));
  LONGS_EQUAL(20, paged->getValue<int>("totalResults"));
  CHECK_FALSE(paged->getValue<bool>("hasMore"));

  HttpResult locations = http_call(port, "POST", "/services/rest/query/v1/suiteql",
                                   suiteql_body("SELECT id, name FROM location"), transient());
  LONGS_EQUAL(3, json_of(locations.body)->getValue<int>("count"));

  HttpResult unsupported = http_call(port, "POST", "/services/rest/query/v1/suiteql",
                                     suiteql_body("SELECT id FROM item WHERE itemid = 'SKU-0001' OR itemid = 'SKU-0002'"), transient());
  LONGS_EQUAL(400, unsupported.status);
  STRCMP_EQUAL("INVALID_PARAMETER", error_field(unsupported, "o:errorCode").c_str());
  CHECK(error_field(unsupported, "detail").rfind("Invalid search query", 0) == 0);
  HttpResult unknown_table = http_call(port, "POST", "/services/rest/query/v1/suiteql",
                                       suiteql_body("SELECT id FROM customer"), transient());
  STRCMP_EQUAL("INVALID_PARAMETER", error_field(unknown_table, "o:errorCode").c_str());

  HttpResult not_transient = http_call(port, "POST", "/services/rest/query/v1/suiteql", suiteql_body("SELECT id FROM item"));
  LONGS_EQUAL(400, not_transient.status);
}

TEST(ErpSimRecords, BearerTokenIsRequiredOnRecordsButNotOnAdmin) {
  SimOptions options;
  options.bearer = "s3cret";
  auto guarded = start_sim(options);
  const uint16_t p = guarded->port();
  HttpResult anonymous = post_adjustment(p, adjustment("E1"));
  LONGS_EQUAL(401, anonymous.status);
  STRCMP_EQUAL("INVALID_LOGIN", error_field(anonymous, "o:errorCode").c_str());
  HttpResult wrong = post_adjustment(p, adjustment("E1"), CallOptions{{{"Authorization", "Bearer nope"}}, 5000});
  LONGS_EQUAL(401, wrong.status);
  LONGS_EQUAL(401, http_call(p, "GET", "/services/rest/record/v1/inventoryItem/1001").status);
  LONGS_EQUAL(0, ledger(p)->getValue<int>("count"));

  HttpResult allowed = post_adjustment(p, adjustment("E1"), CallOptions{{{"Authorization", "Bearer s3cret"}}, 5000});
  LONGS_EQUAL(204, allowed.status);
  LONGS_EQUAL(200, http_call(p, "GET", "/_sim/stats").status);
}

TEST(ErpSimRecords, ItemUnitsHaveAbbreviationsAndTheItemItsStockUnit) {
  auto item = get_record(port, "inventoryItem/1001");
  auto units = item->getObject("units")->getArray("items");
  STRCMP_EQUAL("EA", units->getObject(0)->getValue<std::string>("abbreviation").c_str());
  STRCMP_EQUAL("CS", units->getObject(1)->getValue<std::string>("abbreviation").c_str());
  STRCMP_EQUAL("1", item->getObject("stockUnit")->getValue<std::string>("id").c_str());
  STRCMP_EQUAL("Each", item->getObject("stockUnit")->getValue<std::string>("refName").c_str());

  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed", R"({"items":[{"id":"20","itemid":"WIDGET","stockUnit":"Case of 6",)"
                             R"("units":[{"name":"Case of 6","rate":6},{"name":"Each","rate":1},)"
                             R"({"name":"Pallet","rate":480},{"name":"Inner","rate":3,"abbreviation":"INR"}]}]})").status);
  item = get_record(port, "inventoryItem/20");
  units = item->getObject("units")->getArray("items");
  std::string abbreviations;
  for (unsigned i = 0; i < units->size(); ++i) abbreviations += units->getObject(i)->getValue<std::string>("abbreviation") + " ";
  STRCMP_EQUAL("EA CS PALLET INR ", abbreviations.c_str());  // the base unit comes first
  STRCMP_EQUAL("2", item->getObject("stockUnit")->getValue<std::string>("id").c_str());
  STRCMP_EQUAL("Case of 6", item->getObject("stockUnit")->getValue<std::string>("refName").c_str());
}

TEST(ErpSimRecords, ASeedNamingAStockUnitTheItemDoesNotHaveIsRefusedAndAppliesNothing) {
  HttpResult unknown = http_call(port, "POST", "/_sim/seed",
                                 R"({"locations":[{"id":"8","name":"New"}],"items":[{"id":"20","itemid":"WIDGET","stockUnit":"Pallet",)"
                                 R"("units":[{"name":"Each","rate":1},{"name":"Case of 12","rate":12}]}]})");
  LONGS_EQUAL(400, unknown.status);
  CHECK(error_field(unknown, "detail").find("items[0].stockUnit") != std::string::npos);
  LONGS_EQUAL(404, http_call(port, "GET", "/services/rest/record/v1/inventoryItem/20").status);
  LONGS_EQUAL(404, http_call(port, "GET", "/services/rest/record/v1/location/8").status);
  HttpResult without_units = http_call(port, "POST", "/_sim/seed",
                                       R"({"items":[{"id":"21","itemid":"LOOSE","stockUnit":"Each"}]})");
  LONGS_EQUAL(400, without_units.status);
  CHECK(error_field(without_units, "detail").find("items[0].stockUnit") != std::string::npos);
}

TEST(ErpSimRecords, AnAdjustmentInCasesIsStoredWithItsUnitsAndTheRateUsed) {
  LONGS_EQUAL(204, post_adjustment(port, adjustment_with("CASES", "1001", 2, R"(,"units":{"id":"2"})")).status);
  auto stored = ledger_line(port, "CASES");
  LONGS_EQUAL(2, stored->getValue<int>("adjustQtyBy"));
  STRCMP_EQUAL("2", stored->getObject("units")->getValue<std::string>("id").c_str());
  STRCMP_EQUAL("Case of 12", stored->getObject("units")->getValue<std::string>("refName").c_str());
  LONGS_EQUAL(12, stored->getValue<int>("unitConversionRate"));
  auto read = read_line(port, "CASES");
  STRCMP_EQUAL("Case of 12", read->getObject("units")->getValue<std::string>("refName").c_str());
  LONGS_EQUAL(12, read->getValue<int>("unitConversionRate"));

  // By name, as transforms accept it; without units, in the item's stock unit.
  LONGS_EQUAL(204, post_adjustment(port, adjustment_with("BY-NAME", "1001", 1, R"(,"units":{"id":"Case of 12"})")).status);
  LONGS_EQUAL(12, ledger_line(port, "BY-NAME")->getValue<int>("unitConversionRate"));
  LONGS_EQUAL(204, post_adjustment(port, adjustment("EACHES")).status);
  STRCMP_EQUAL("Each", read_line(port, "EACHES")->getObject("units")->getValue<std::string>("refName").c_str());
  LONGS_EQUAL(1, read_line(port, "EACHES")->getValue<int>("unitConversionRate"));
  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed", R"({"items":[{"id":"1002","itemid":"SKU-0002","stockUnit":"Case of 12",)"
                             R"("units":[{"name":"Each","rate":1},{"name":"Case of 12","rate":12}]}]})").status);
  LONGS_EQUAL(204, post_adjustment(port, adjustment("STOCK-UNIT", "1002", 4)).status);
  LONGS_EQUAL(12, ledger_line(port, "STOCK-UNIT")->getValue<int>("unitConversionRate"));

  // The rate used is kept when the item's units change afterwards.
  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed", R"({"items":[{"id":"1001","itemid":"SKU-0001",)"
                             R"("units":[{"name":"Each","rate":1},{"name":"Case of 24","rate":24}]}]})").status);
  LONGS_EQUAL(12, read_line(port, "CASES")->getValue<int>("unitConversionRate"));
}

TEST(ErpSimRecords, AnAdjustmentInAUnitItsItemDoesNotHaveIsInvalidKeyOrRefAtTheUnitsPath) {
  const std::string two_lines =
      R"({"externalId":"U1","account":{"id":"1"},"inventory":{"items":[)"
      R"({"item":{"id":"1001"},"location":{"id":"6"},"adjustQtyBy":1,"units":{"id":"2"}},)"
      R"({"item":{"id":"1002"},"location":{"id":"6"},"adjustQtyBy":1,"units":{"id":"7"}}]}})";
  HttpResult refused = post_adjustment(port, two_lines);
  LONGS_EQUAL(400, refused.status);
  STRCMP_EQUAL("INVALID_KEY_OR_REF", error_field(refused, "o:errorCode").c_str());
  STRCMP_EQUAL("inventory.items[1].units", error_field(refused, "o:errorPath").c_str());

  LONGS_EQUAL(200, http_call(port, "POST", "/_sim/seed", R"({"items":[{"id":"30","itemid":"LOOSE"}]})").status);
  HttpResult no_units = post_adjustment(port, adjustment_with("U2", "30", 1, R"(,"units":"Each")"));
  STRCMP_EQUAL("inventory.items[0].units", error_field(no_units, "o:errorPath").c_str());
  LONGS_EQUAL(0, ledger(port)->getValue<int>("count"));
}

TEST(ErpSimRecords, TheUomConversionColumnIsKeptOnAdjustmentLinesAndMustBeText) {
  const std::string column = R"(,"custcol_sb_uom_conversion":"2 CS x 12 = 24 EA")";
  LONGS_EQUAL(204, post_adjustment(port, adjustment_with("COL", "1001", 2, R"(,"units":{"id":"2"})" + column)).status);
  STRCMP_EQUAL("2 CS x 12 = 24 EA", read_line(port, "COL")->getValue<std::string>("custcol_sb_uom_conversion").c_str());
  STRCMP_EQUAL("2 CS x 12 = 24 EA", ledger_line(port, "COL")->getValue<std::string>("custcol_sb_uom_conversion").c_str());

  HttpResult number = post_adjustment(port, adjustment_with("COL-2", "1001", 2, R"(,"custcol_sb_uom_conversion":12)"));
  LONGS_EQUAL(400, number.status);
  STRCMP_EQUAL("USER_ERROR", error_field(number, "o:errorCode").c_str());
  STRCMP_EQUAL("inventory.items[0].custcol_sb_uom_conversion", error_field(number, "o:errorPath").c_str());
  // Other fields the simulator does not know are still accepted, as before.
  LONGS_EQUAL(204, post_adjustment(port, adjustment_with("COL-3", "1001", 2, R"(,"custcol_other":7)")).status);
  LONGS_EQUAL(2, ledger(port)->getValue<int>("count"));
}

TEST(ErpSimRecords, SuiteQlReturnsDateColumnsInTheAccountsDateFormatAndReadsLiteralsInIt) {
  const std::string stamp = get_record(port, "inventoryItem/1001")->getValue<std::string>("lastModifiedDate");
  auto row = only_row(suiteql(port, "SELECT id, lastmodifieddate FROM item WHERE id = 1001"));
  STRCMP_EQUAL(us_date(stamp).c_str(), row->getValue<std::string>("lastmodifieddate").c_str());  // 11/26/2026: no zeros, no time
  STRCMP_EQUAL(us_date(stamp).c_str(), only_row(suiteql(port, "SELECT * FROM item WHERE id = 1001"))
                                           ->getValue<std::string>("lastmodifieddate").c_str());
  // A literal is a date in that format (midnight, UTC): every item was stamped today.
  HttpResult today = suiteql(port, "SELECT id FROM item WHERE lastmodifieddate >= '" + us_date(stamp) + "'");
  LONGS_EQUAL(20, json_of(today.body)->getValue<int>("totalResults"));

  SimOptions iso;
  iso.date_format = "YYYY-MM-DD";
  auto sim_iso = start_sim(iso);
  const std::string iso_stamp = get_record(sim_iso->port(), "inventoryItem/1001")->getValue<std::string>("lastModifiedDate");
  row = only_row(suiteql(sim_iso->port(), "SELECT id, lastmodifieddate AS changed FROM item WHERE id = 1001"));
  STRCMP_EQUAL(iso_stamp.substr(0, 10).c_str(), row->getValue<std::string>("changed").c_str());
  LONGS_EQUAL(20, json_of(suiteql(sim_iso->port(), "SELECT id FROM item WHERE lastmodifieddate >= '" +
                                                   iso_stamp.substr(0, 10) + "'").body)->getValue<int>("totalResults"));
  HttpResult us_literal = suiteql(sim_iso->port(), "SELECT id FROM item WHERE lastmodifieddate > '11/26/2026'");
  LONGS_EQUAL(400, us_literal.status);
  STRCMP_CONTAINS("account's date format YYYY-MM-DD", error_field(us_literal, "detail").c_str());

  // The flag: a preference from NetSuite's list, anything else refused at start.
  STRCMP_EQUAL("D/M/YYYY", parse_options({"--date-format", "D/M/YYYY"}).options.date_format.c_str());
  STRCMP_EQUAL("M/D/YYYY", parse_options({}).options.date_format.c_str());
  ParsedOptions bad = parse_options({"--date-format", "DD-Mon-YY"});
  STRCMP_CONTAINS("--date-format: unknown date format 'DD-Mon-YY' (one of: M/D/YYYY,", bad.error.c_str());
  STRCMP_CONTAINS("--date-format", usage().c_str());
}

TEST(ErpSimRecords, SuiteQlRefusesDateFormatsAndValuesNetSuiteWouldRefuseWith400) {
  // Each: the query, and what the detail must say.
  const std::pair<std::string, std::string> refused[] = {
      {R"(SELECT TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH:MI:SS') AS t FROM item)",
       R"(TO_CHAR: date format element 'HH' in 'YYYY-MM-DD HH:MI:SS' is not supported (supported: YYYY, MM, DD, HH24, MI, SS, FF3)"},
      {R"(SELECT id FROM item WHERE lastmodifieddate > TO_TIMESTAMP('2026-11-26 10:42:00', 'YYYY-MM-DD"T"HH24:MI:SS'))",
       R"(TO_TIMESTAMP('2026-11-26 10:42:00', 'YYYY-MM-DD"T"HH24:MI:SS'): the text does not match the format: expected 'T' at position 11)"},
      {R"(SELECT id FROM item WHERE lastmodifieddate > TO_TIMESTAMP('2026-13-01T00:00:00', 'YYYY-MM-DD"T"HH24:MI:SS'))",
       "month 13 is not 1..12"},
      {R"(SELECT id FROM item WHERE lastmodifieddate > '2026-11-26T10:42:00.000Z')",
       "Invalid date value '2026-11-26T10:42:00.000Z' for field lastmodifieddate: dates are read in the account's date "
       "format M/D/YYYY (e.g. 11/26/2026;"},
      {"SELECT id FROM item WHERE lastmodifieddate > 20261126", "Invalid date value '20261126'"},
      {R"(SELECT TO_CHAR(lastmodifieddate, 'YYYY-MM-DD') FROM item)",
       "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD') needs a column alias (TO_CHAR(...) AS name)"},
      {R"(SELECT TO_CHAR(itemid, 'YYYY') AS y FROM item)", "TO_CHAR(itemid, 'YYYY'): itemid is not a date column"},
      {R"(SELECT id FROM item WHERE id > TO_TIMESTAMP('2026-11-26', 'YYYY-MM-DD'))",
       "id is not a date column; it cannot be compared with TO_TIMESTAMP('2026-11-26', 'YYYY-MM-DD')"},
      {R"(SELECT id FROM item WHERE lastmodifieddate > TO_DATE('2026-11-26T10:42:00.5', 'YYYY-MM-DD"T"HH24:MI:SS.FF3'))",
       "a DATE has no fractional seconds (FF3); use TO_TIMESTAMP"},
      {R"(SELECT id FROM item WHERE lastmodifieddate > TO_TIMESTAMP('10:42', 'HH24:MI'))",
       "the format model must give YYYY, MM and DD"},
      {"SELECT UPPER(itemid) AS u FROM item", "function UPPER() is not supported here"},
  };
  for (const auto& [q, detail] : refused) {
    HttpResult r = suiteql(port, q);
    LONGS_EQUAL_TEXT(400, r.status, q.c_str());
    STRCMP_EQUAL_TEXT("INVALID_PARAMETER", error_field(r, "o:errorCode").c_str(), q.c_str());
    const std::string said = error_field(r, "detail");
    CHECK_TEXT(said.rfind("Invalid search query. Detailed unprocessed description follows. ", 0) == 0, q.c_str());
    STRCMP_CONTAINS_TEXT(detail.c_str(), said.c_str(), q.c_str());
  }
}
