// Units of measure: matching a warehouse unit to the ERP's, and conversions
// that are exact or refused.
#include <string>

#include "platform/core/json.h"
#include "relay/units.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;

namespace {

// As NetSuite's inventoryItem gives them (the simulator inlines the units type's lines).
ItemUnits widget(const char* stock_unit = "Each") {
  Result<Json> j = Json::parse(std::string(R"({"id":"20","stockUnit":{"id":"1","refName":")") + stock_unit +
                               R"("},"units":{"items":[)"
                               R"({"id":"1","unitName":"Each","abbreviation":"EA","conversionRate":1},)"
                               R"({"id":"2","unitName":"Case of 12","abbreviation":"cs","conversionRate":12},)"
                               R"({"id":"3","unitName":"Pack of 5","conversionRate":"5"}]}})");
  CHECK(j.ok());
  return parse_item_units(*j);
}

}  // namespace

TEST_GROUP(Units) {};

TEST(Units, ParsesTheItemsUnitsAndStockUnit) {
  ItemUnits u = widget("Case of 12");
  LONGS_EQUAL(3, u.units.size());
  STRCMP_EQUAL("Each", u.base()->name.c_str());
  STRCMP_EQUAL("Case of 12", u.stock()->name.c_str());
  DOUBLES_EQUAL(5.0, u.units[2].rate, 1e-12);  // a rate given as text is still read
  STRCMP_EQUAL("CS", clarus_unit_code(u).c_str());
  STRCMP_EQUAL("EA", clarus_unit_code(widget()).c_str());
  STRCMP_EQUAL("EA", clarus_unit_code(ItemUnits{}).c_str());
}

TEST(Units, AWarehouseCodeMatchesTheAbbreviationThenTheNameIgnoringCase) {
  ItemUnits u = widget();
  STRCMP_EQUAL("Case of 12", u.find("CS")->name.c_str());
  STRCMP_EQUAL("Each", u.find("ea")->name.c_str());
  STRCMP_EQUAL("Pack of 5", u.find("pack of 5")->name.c_str());
  CHECK(u.find("PALLET") == nullptr);
}

TEST(Units, CasesBecomeEachWithTheFactorWritten) {
  Result<Conversion> c = convert(widget(), "WIDGET", "CS", 10, "Each", 1);
  CHECK(c.ok());
  LONGLONGS_EQUAL(120, c->quantity);
  STRCMP_EQUAL("10 cs (Case of 12 = 12) = 120 Each (= 1)", c->note.c_str());  // the ERP's own abbreviation
}

TEST(Units, EachBecomeCasesOnlyWhenTheyMakeWholeCases) {
  Result<Conversion> whole = convert(widget(), "WIDGET", "EA", 36, "Case of 12", 12);
  CHECK(whole.ok());
  LONGLONGS_EQUAL(3, whole->quantity);
  Result<Conversion> part = convert(widget(), "WIDGET", "EA", 30, "Case of 12", 12);
  CHECK(!part.ok());
  STRCMP_CONTAINS("30 EA of WIDGET is 2.5 Case of 12, not a whole number (UOM_NOT_CONVERTIBLE)", part.status().message().c_str());
}

TEST(Units, NoWarehouseUnitMeansTheItemsStockUnit) {
  Result<Conversion> c = convert(widget("Case of 12"), "WIDGET", "", 4, "Each", 1);
  CHECK(c.ok());
  LONGLONGS_EQUAL(48, c->quantity);
  Result<Conversion> each = convert(widget(), "WIDGET", "", 4, "Each", 1);
  LONGLONGS_EQUAL(4, each->quantity);
}

TEST(Units, AnUnknownUnitIsRefusedNamingTheOnesTheErpHas) {
  Result<Conversion> c = convert(widget(), "WIDGET", "PALLET", 1, "Each", 1);
  CHECK(!c.ok());
  STRCMP_CONTAINS("unit PALLET is not a unit of item WIDGET in the ERP (it has EA, cs, Pack of 5)", c.status().message().c_str());
}

TEST(Units, AnItemWithoutUnitsTakesQuantitiesAsTheyAre) {
  Result<Conversion> c = convert(ItemUnits{}, "SERVICE-1", "EA", 7, "", 1);
  CHECK(c.ok());
  LONGLONGS_EQUAL(7, c->quantity);
  STRCMP_EQUAL("", c->note.c_str());
}

TEST(Units, NegativeQuantitiesConvertToo) {
  Result<Conversion> c = convert(widget(), "WIDGET", "CS", -2, "", 1);
  CHECK(c.ok());
  LONGLONGS_EQUAL(-24, c->quantity);
}

TEST(Units, ACaseOfAnItemWithoutUnitsIsHeldNotTakenAsOne) {
  Result<Conversion> c = convert(ItemUnits{}, "SERVICE-1", "CS", 2, "", 1);
  CHECK(!c.ok());
  STRCMP_CONTAINS("UOM_NOT_CONVERTIBLE", c.status().message().c_str());
  CHECK(convert(ItemUnits{}, "SERVICE-1", "each", 2, "", 1).ok());
}

TEST(Units, RatesStoredRoundedStillMakeWholeUnits) {
  // The base unit is a case; an each is 1/12 of it, as the ERP stores it rounded.
  Result<Json> j = Json::parse(R"({"units":{"items":[{"id":"1","unitName":"Case","abbreviation":"CS","conversionRate":1},)"
                               R"({"id":"2","unitName":"Each","abbreviation":"EA","conversionRate":0.0833333}]}})");
  CHECK(j.ok());
  Result<Conversion> c = convert(parse_item_units(*j), "WIDGET", "EA", 12, "Case", 1);
  CHECK_TEXT(c.ok(), c.status().to_string().c_str());
  LONGLONGS_EQUAL(1, c->quantity);
}
