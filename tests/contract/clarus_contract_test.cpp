// The agent's Clarus adapter against the real Clarus simulator over loopback
// HTTP: ClarusClient's sorting of answers (tokens, faults, rejections) and
// ClarusCommandApplier's commands, asserted on what the simulator then holds.
#include <memory>
#include <string>

#include "agent/downlink/clarus_commands.h"
#include "agent/downlink/command_journal.h"
#include "clarus_contract_support.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;
using namespace sb::contract;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A goods-out body straight to REST, for the client's own sorting of answers.
Json goods_out_body(const std::string& reference) {
  Result<Json> j = Json::parse(
      R"({"data":{"type":"goods_outs","attributes":{"account_id":1,"warehouse_id":1,"reference":")" + reference +
      R"(","goods_out_type":"sales_order","expected_date_of_dispatch":"2026-11-27",)"
      R"("lines_changes":[{"type":"ADD","attributes":{"product_id":1,"order_quantity":1}}]},)"
      R"("relationships":{"address":{"data":{"type":"addresses","attributes":{"name":"Ann","country_code":"GB"}}}}}})");
  return j.ok() ? *j : Json();
}

// The agent's applier with its own command journal (its id mappings), as the
// downlink runs it: mappings learnt from an apply are recorded as finish() would.
struct AgentDownlink {
  SystemClock clock;
  std::unique_ptr<MemoryStore> store = MemoryStore::create();
  std::unique_ptr<GroupCommitter> committer = std::make_unique<GroupCommitter>(*store);
  std::unique_ptr<CommandJournal> journal;
  std::unique_ptr<ClarusCommandApplier> applier;

  explicit AgentDownlink(ClarusClient& clarus) {
    Result<std::unique_ptr<CommandJournal>> j = CommandJournal::open(*store, *committer, clock);
    check_ok(j.status(), "CommandJournal::open");
    journal = std::move(j).value();
    applier = std::make_unique<ClarusCommandApplier>(clarus, *journal, ClarusAccount{});
  }
  ~AgentDownlink() {
    applier.reset();
    journal.reset();
    committer.reset();
  }
  Result<Applied> apply(const v1::Command& c) {
    Result<Applied> a = applier->apply(c);
    if (a.ok())
      for (const auto& [key, id] : a->mappings) check_ok(journal->put_mapping(key, id), "put_mapping");
    return a;
  }
};

}  // namespace

// ---------------------------------------------------------------------------
// ClarusClient: how each Clarus answer is sorted.

TEST_GROUP(ClarusClientContract) {
  std::unique_ptr<SimTenant> tenant;
  void setup() override { tenant = std::make_unique<SimTenant>(); }
  void teardown() override { tenant.reset(); }
};

TEST(ClarusClientContract, ARevokedTokenIsReplacedAndTheCallStillSucceeds) {
  Result<Json> first = tenant->clarus().rest("GET", "/carriers/1", Json());
  check_ok(first.status(), "GET /carriers/1");
  STRCMP_EQUAL("ROYALMAIL", str_at(*first, "data.attributes.code").c_str());
  LONGS_EQUAL(1, tenant->clarus().counters().token_fetches);

  tenant->admin("POST", "/revoke_tokens");
  Result<Json> again = tenant->clarus().rest("GET", "/carriers/2", Json());
  check_ok(again.status(), "GET /carriers/2 after the token was revoked");
  STRCMP_EQUAL("DPD", str_at(*again, "data.attributes.code").c_str());
  LONGS_EQUAL(2, tenant->clarus().counters().token_fetches);

  // GraphQL takes the same path.
  tenant->admin("POST", "/revoke_tokens");
  int carriers = 0;
  check_ok(tenant->clarus().page_all("carriers", Json::object(), "id code", 2, [&](const Json&) {
    ++carriers;
    return true;
  }), "page carriers after a revoke");
  LONGS_EQUAL(static_cast<long>(count(tenant->state(), "carriers")), carriers);
  LONGS_EQUAL(3, tenant->clarus().counters().token_fetches);
}

TEST(ClarusClientContract, AWrongClientSecretIsUnavailableNotARejection) {
  ClarusOptions o = tenant->agent_options();
  o.client_secret = "not-the-secret";
  std::unique_ptr<ClarusClient> wrong = tenant->client(o);
  Result<Json> r = wrong->rest("POST", "/goods_outs", goods_out_body("SO-SECRET"));
  LONGS_EQUAL(static_cast<int>(Code::kUnavailable), static_cast<int>(r.status().code()));
  CHECK_TEXT(contains(r.status().message(), "credentials"), r.status().message().c_str());
  CHECK_TEXT(contains(r.status().message(), "invalid_client"), r.status().message().c_str());
  Result<Json> q = wrong->graphql("{ carriers { all(first: 1) { edges { node { id } } } } }", Json());
  LONGS_EQUAL(static_cast<int>(Code::kUnavailable), static_cast<int>(q.status().code()));
  LONGS_EQUAL(0, static_cast<long>(count(tenant->state(), "goods_outs")));
}

TEST(ClarusClientContract, ClarusDownIsUnavailableAndRecovers) {
  tenant->admin("POST", "/faults", R"({"down":true})");
  Result<Json> r = tenant->clarus().rest("GET", "/carriers/1", Json());
  LONGS_EQUAL(static_cast<int>(Code::kUnavailable), static_cast<int>(r.status().code()));
  Status paged = tenant->clarus().page_all("products", Json::object(), "id", 5, [](const Json&) { return true; });
  LONGS_EQUAL(static_cast<int>(Code::kUnavailable), static_cast<int>(paged.code()));
  CHECK(tenant->clarus().counters().unavailable >= 2);

  tenant->admin("DELETE", "/faults");
  check_ok(tenant->clarus().rest("GET", "/carriers/1", Json()).status(), "GET after Clarus is back");
}

TEST(ClarusClientContract, ClarusDownIsNotReportedAsRefusedCredentials) {
  tenant->admin("POST", "/faults", R"({"down":true})");
  Result<Json> r = tenant->clarus().rest("GET", "/carriers/1", Json());
  LONGS_EQUAL(static_cast<int>(Code::kUnavailable), static_cast<int>(r.status().code()));
  CHECK_TEXT(contains(r.status().message(), "503"), r.status().message().c_str());
  CHECK_TEXT(!contains(r.status().message(), "credentials"), r.status().message().c_str());
}

TEST(ClarusClientContract, ARejectedCreateIsInvalidArgumentWithClarusText) {
  tenant->admin("POST", "/faults", R"({"reject_creates_rate":1})");
  Result<Json> r = tenant->clarus().rest("POST", "/goods_outs", goods_out_body("SO-REJ"));
  LONGS_EQUAL(static_cast<int>(Code::kInvalidArgument), static_cast<int>(r.status().code()));
  CHECK_TEXT(contains(r.status().message(), "simulated rejection: the request was refused by the warehouse system"),
             r.status().message().c_str());
  LONGS_EQUAL(1, tenant->clarus().counters().rejected);
  LONGS_EQUAL(0, static_cast<long>(count(tenant->state(), "goods_outs")));

  // Through the applier the same text reaches the person who must act on it.
  AgentDownlink downlink(tenant->clarus());
  Result<Applied> a = downlink.apply(item_upsert("REJ-1", "Refused widget", "", 0));
  LONGS_EQUAL(static_cast<int>(Code::kInvalidArgument), static_cast<int>(a.status().code()));
  CHECK_TEXT(contains(a.status().message(), "simulated rejection"), a.status().message().c_str());
  CHECK(where(tenant->state(), "products", "code", "REJ-1").empty());
}

TEST(ClarusClientContract, AReferenceOverFiftyCharactersIsAnInvalidArgument) {
  const std::string reference(51, 'R');
  Result<Json> r = tenant->clarus().rest("POST", "/goods_outs", goods_out_body(reference));
  LONGS_EQUAL(static_cast<int>(Code::kInvalidArgument), static_cast<int>(r.status().code()));
  CHECK_TEXT(contains(r.status().message(), "422"), r.status().message().c_str());
  CHECK_TEXT(contains(r.status().message(), "reference is longer than 50 characters"), r.status().message().c_str());
  LONGS_EQUAL(0, static_cast<long>(count(tenant->state(), "goods_outs")));
  // Fifty is allowed.
  check_ok(tenant->clarus().rest("POST", "/goods_outs", goods_out_body(std::string(50, 'R'))).status(), "50 characters");
}

TEST(ClarusClientContract, AnUnknownIdIsNotFound) {
  Result<Json> r = tenant->clarus().rest("GET", "/goods_outs/9999", Json());
  LONGS_EQUAL(static_cast<int>(Code::kNotFound), static_cast<int>(r.status().code()));
}

// ---------------------------------------------------------------------------
// ClarusCommandApplier: ERP commands become Clarus records, once.

TEST_GROUP(ClarusApplierContract) {
  std::unique_ptr<SimTenant> tenant;
  std::unique_ptr<AgentDownlink> agent;
  void setup() override {
    tenant = std::make_unique<SimTenant>();
    agent = std::make_unique<AgentDownlink>(tenant->clarus());
  }
  void teardown() override {
    agent.reset();
    tenant.reset();
  }
  Applied applied(const v1::Command& c, const char* what) {
    Result<Applied> a = agent->apply(c);
    check_ok(a.status(), what);
    return *a;
  }
  void check_refused(const Result<Applied>& a, const std::string& names) {
    LONGS_EQUAL_TEXT(static_cast<int>(Code::kInvalidArgument), static_cast<int>(a.status().code()),
                     a.status().to_string().c_str());
    CHECK_TEXT(contains(a.status().message(), names), a.status().message().c_str());
  }
};

TEST(ClarusApplierContract, ItemUpsertCreatesAProductWithItsCaseUnitThenUpdatesIt) {
  Applied a = applied(item_upsert("WIDGET-1", "Blue widget", "5012345678900", 12), "ItemUpsert");
  Json state = tenant->state();
  std::vector<Json> products = where(state, "products", "code", "WIDGET-1");
  LONGS_EQUAL(1, static_cast<long>(products.size()));
  const Json& p = products[0];
  STRCMP_EQUAL(a.clarus_id.c_str(), str_at(p, "id").c_str());
  STRCMP_EQUAL("Blue widget", str_at(p, "description").c_str());
  STRCMP_EQUAL("5012345678900", str_at(p, "barcode").c_str());
  STRCMP_EQUAL("EA", str_at(p, "stock_unit_type.code").c_str());
  STRCMP_EQUAL("erp-WIDGET-1", str_at(p, "external_system_reference1").c_str());
  LONGS_EQUAL(12, int_at(p, "units_per_case"));
  std::vector<Json> units = where(state, "product_storage_units", "product_id", a.clarus_id);
  LONGS_EQUAL(1, static_cast<long>(units.size()));
  STRCMP_EQUAL("case", str_at(units[0], "stock_configuration").c_str());
  LONGS_EQUAL(12, int_at(units[0], "total"));
  STRCMP_EQUAL(a.clarus_id.c_str(), agent->journal->mapping("item:WIDGET-1").c_str());

  Applied again = applied(item_upsert("WIDGET-1", "Blue widget, large", "5012345678917", 12), "ItemUpsert again");
  STRCMP_EQUAL(a.clarus_id.c_str(), again.clarus_id.c_str());
  STRCMP_EQUAL("updated", again.note.c_str());
  state = tenant->state();
  products = where(state, "products", "code", "WIDGET-1");
  LONGS_EQUAL(1, static_cast<long>(products.size()));
  STRCMP_EQUAL("Blue widget, large", str_at(products[0], "description").c_str());
  STRCMP_EQUAL("5012345678917", str_at(products[0], "barcode").c_str());
  LONGS_EQUAL(1, static_cast<long>(where(state, "product_storage_units", "product_id", a.clarus_id).size()));
  LONGS_EQUAL(1, static_cast<long>(where(state, "stock_unit_types", "code", "EA").size()));
}

TEST(ClarusApplierContract, ItemUpsertWithoutCaseUnitsMakesNoStorageUnit) {
  Applied a = applied(item_upsert("LOOSE-1", "Loose item", "", 0), "ItemUpsert");
  CHECK(where(tenant->state(), "product_storage_units", "product_id", a.clarus_id).empty());
}

TEST(ClarusApplierContract, ItemUpsertAfterTheMappingsWereLostUpdatesTheSameProduct) {
  Applied a = applied(item_upsert("WIDGET-2", "Red widget", "", 6), "ItemUpsert");
  AgentDownlink after_crash(tenant->clarus());  // a new agent store: no "unit:EA" / "item:" mappings
  Result<Applied> again = after_crash.apply(item_upsert("WIDGET-2", "Red widget v2", "", 6));
  check_ok(again.status(), "ItemUpsert with a fresh command journal");
  STRCMP_EQUAL(a.clarus_id.c_str(), again->clarus_id.c_str());
  Json state = tenant->state();
  LONGS_EQUAL(1, static_cast<long>(where(state, "products", "code", "WIDGET-2").size()));
  LONGS_EQUAL(1, static_cast<long>(where(state, "stock_unit_types", "code", "EA").size()));
}

TEST(ClarusApplierContract, ItemUpsertAddsTheCaseUnitToAProductClarusAlreadyHad) {
  // SKU-0001 is in Clarus before the ERP first sends it (or its first upsert
  // created the product and stopped before the case unit).
  Json state = tenant->state();
  std::string id = str_at(where(state, "products", "code", "SKU-0001").at(0), "id");
  CHECK(where(state, "product_storage_units", "product_id", id).empty());
  Applied a = applied(item_upsert("SKU-0001", "Seeded item", "", 24), "ItemUpsert of a product Clarus had");
  STRCMP_EQUAL(id.c_str(), a.clarus_id.c_str());
  std::vector<Json> units = where(tenant->state(), "product_storage_units", "product_id", id);
  LONGS_EQUAL(1, static_cast<long>(units.size()));
  LONGS_EQUAL(24, int_at(units[0], "total"));
}

TEST(ClarusApplierContract, SalesOrderReleaseCreatesOneGoodsOutEvenWhenAppliedAgain) {
  Applied a = applied(sales_order("so-100", "SO-100", {{"10", "SKU-0001", 3}, {"20", "SKU-0002", 2}}), "release");
  CHECK(a.note.empty());
  Json state = tenant->state();
  std::vector<Json> outs = where(state, "goods_outs", "reference", "SO-100");
  LONGS_EQUAL(1, static_cast<long>(outs.size()));
  const Json& g = outs[0];
  STRCMP_EQUAL(a.clarus_id.c_str(), str_at(g, "id").c_str());
  STRCMP_EQUAL("so-100", str_at(g, "external_system_reference1").c_str());
  STRCMP_EQUAL("sales_order", str_at(g, "goods_out_type").c_str());
  CHECK(str_at(g, "expected_date_of_dispatch").rfind("2026-11-27", 0) == 0);
  STRCMP_EQUAL("Ann Example", str_at(g, "address.name").c_str());
  STRCMP_EQUAL("1 High Street", str_at(g, "address.address_1").c_str());
  STRCMP_EQUAL("AB1 2CD", str_at(g, "address.postcode").c_str());
  STRCMP_EQUAL("GB", str_at(g, "address.country_code").c_str());
  const std::string carrier_id = str_at(where(state, "carriers", "code", "ROYALMAIL").at(0), "id");
  const std::string service_id = str_at(where(state, "carrier_services", "code", "RMTRK24").at(0), "id");
  STRCMP_EQUAL(carrier_id.c_str(), str_at(g, "carrier_id").c_str());
  STRCMP_EQUAL(service_id.c_str(), str_at(g, "carrier_service_id").c_str());
  STRCMP_EQUAL("ROYALMAIL", str_at(g, "carrier.code").c_str());
  STRCMP_EQUAL("RMTRK24", str_at(g, "carrier_service.code").c_str());
  LONGS_EQUAL(2, static_cast<long>(at(g, "lines")->items().size()));
  STRCMP_EQUAL("10", str_at(g, "lines.0.alt_line_reference").c_str());
  STRCMP_EQUAL("SKU-0001", str_at(g, "lines.0.product.code").c_str());
  LONGS_EQUAL(3, int_at(g, "lines.0.order_quantity"));
  STRCMP_EQUAL("20", str_at(g, "lines.1.alt_line_reference").c_str());
  STRCMP_EQUAL("SKU-0002", str_at(g, "lines.1.product.code").c_str());
  LONGS_EQUAL(2, int_at(g, "lines.1.order_quantity"));

  Applied again = applied(sales_order("so-100", "SO-100", {{"10", "SKU-0001", 3}, {"20", "SKU-0002", 2}}), "again");
  STRCMP_EQUAL(a.clarus_id.c_str(), again.clarus_id.c_str());
  STRCMP_EQUAL("already in Clarus", again.note.c_str());

  // After a crash between applying and recording: no mapping, found by reference.
  AgentDownlink after_crash(tenant->clarus());
  Result<Applied> found = after_crash.apply(sales_order("so-100", "SO-100", {{"10", "SKU-0001", 3}, {"20", "SKU-0002", 2}}));
  check_ok(found.status(), "release with a fresh command journal");
  STRCMP_EQUAL(a.clarus_id.c_str(), found->clarus_id.c_str());
  STRCMP_EQUAL("already in Clarus", found->note.c_str());
  STRCMP_EQUAL(a.clarus_id.c_str(), after_crash.journal->mapping("order:so-100").c_str());
  LONGS_EQUAL(1, static_cast<long>(count(tenant->state(), "goods_outs")));
}

TEST(ClarusApplierContract, AnUnknownSkuCarrierOrServiceIsRefusedAndNothingIsCreated) {
  check_refused(agent->apply(sales_order("so-1", "SO-1", {{"10", "SKU-0001", 1}, {"20", "NO-SUCH-SKU", 1}})),
                "NO-SUCH-SKU");
  check_refused(agent->apply(sales_order("so-2", "SO-2", {{"10", "SKU-0001", 1}}, "PIGEONPOST", "")), "PIGEONPOST");
  check_refused(agent->apply(sales_order("so-3", "SO-3", {{"10", "SKU-0001", 1}}, "ROYALMAIL", "RMNEVER")), "RMNEVER");
  // A service that exists, but of another carrier.
  check_refused(agent->apply(sales_order("so-4", "SO-4", {{"10", "SKU-0001", 1}}, "ROYALMAIL", "DPDNEXT")), "DPDNEXT");
  check_refused(agent->apply(sales_order("so-5", std::string(51, '5'), {{"10", "SKU-0001", 1}})), "50 characters");
  check_refused(agent->apply(purchase_order("po-x", "PO-X", {{"1", "NO-SUCH-SKU", 4}})), "NO-SUCH-SKU");
  Json state = tenant->state();
  LONGS_EQUAL(0, static_cast<long>(count(state, "goods_outs")));
  LONGS_EQUAL(0, static_cast<long>(count(state, "goods_in_receipts")));
  CHECK(agent->journal->mapping("order:so-1").empty());
}

TEST(ClarusApplierContract, SalesOrderCancelCancelsUntilTheOrderIsDispatched) {
  Applied open = applied(sales_order("so-200", "SO-200", {{"10", "SKU-0001", 2}}), "release SO-200");
  Applied cancelled = applied(sales_order_cancel("so-200", "SO-200"), "cancel SO-200");
  STRCMP_EQUAL(open.clarus_id.c_str(), cancelled.clarus_id.c_str());
  Json g = where(tenant->state(), "goods_outs", "reference", "SO-200").at(0);
  LONGS_EQUAL(8, int_at(g, "goods_out_status_id"));
  STRCMP_EQUAL("CANCELLED", str_at(g, "goods_out_status.code").c_str());
  Applied twice = applied(sales_order_cancel("so-200", "SO-200"), "cancel SO-200 again");
  STRCMP_EQUAL("already cancelled", twice.note.c_str());
  // Released again after the cancel (a replayed command): held, not passed off as applied.
  check_refused(agent->apply(sales_order("so-200", "SO-200", {{"10", "SKU-0001", 2}})), "cancelled in Clarus");
  LONGS_EQUAL(1, where(tenant->state(), "goods_outs", "reference", "SO-200").size());

  applied(sales_order("so-201", "SO-201", {{"10", "SKU-0002", 2}}), "release SO-201");
  tenant->admin("POST", "/warehouse", R"({"partial_dispatch_rate":0})");
  std::string status;
  for (int i = 0; i < 20 && status != "COMPLETED"; ++i) {
    tenant->sim().step_warehouse(1, {"dispatch"});
    status = str_at(where(tenant->state(), "goods_outs", "reference", "SO-201").at(0), "goods_out_status.code");
  }
  STRCMP_EQUAL("COMPLETED", status.c_str());
  check_refused(agent->apply(sales_order_cancel("so-201", "SO-201")), "already dispatched");
  g = where(tenant->state(), "goods_outs", "reference", "SO-201").at(0);
  STRCMP_EQUAL("COMPLETED", str_at(g, "goods_out_status.code").c_str());

  check_refused(agent->apply(sales_order_cancel("so-999", "SO-999")), "SO-999");
}

TEST(ClarusApplierContract, PurchaseOrdersAndReturnsBecomeGoodsInReceiptsOnce) {
  Applied po = applied(purchase_order("po-1", "PO-1", {{"1", "SKU-0003", 40}, {"2", "SKU-0004", 10}}), "PO");
  Applied rma = applied(return_authorisation("ret-1", "RMA-1", {{"r1", "SKU-0005", 2}}), "RMA");
  // A PO and an RMA may share a number: they are different receipts.
  Applied same_number = applied(return_authorisation("ret-2", "PO-1", {{"r1", "SKU-0006", 1}}), "RMA numbered PO-1");
  CHECK(same_number.clarus_id != po.clarus_id);

  Json state = tenant->state();
  std::vector<Json> pos = where(state, "goods_in_receipts", "id", po.clarus_id);
  LONGS_EQUAL(1, static_cast<long>(pos.size()));
  const Json& p = pos[0];
  STRCMP_EQUAL("PO-1", str_at(p, "reference").c_str());
  STRCMP_EQUAL("purchase_order", str_at(p, "receipt_type").c_str());
  STRCMP_EQUAL("po-1", str_at(p, "external_system_reference1").c_str());
  STRCMP_EQUAL("pending", str_at(p, "status").c_str());
  CHECK(str_at(p, "expected_date_of_receipt").rfind("2026-12-01", 0) == 0);
  LONGS_EQUAL(2, static_cast<long>(at(p, "lines")->items().size()));
  STRCMP_EQUAL("1", str_at(p, "lines.0.alt_line_reference").c_str());
  STRCMP_EQUAL("SKU-0003", str_at(p, "lines.0.product.code").c_str());
  LONGS_EQUAL(40, int_at(p, "lines.0.expected_quantity"));
  LONGS_EQUAL(10, int_at(p, "lines.1.expected_quantity"));
  const Json r = where(state, "goods_in_receipts", "id", rma.clarus_id).at(0);
  STRCMP_EQUAL("RMA-1", str_at(r, "reference").c_str());
  STRCMP_EQUAL("return", str_at(r, "receipt_type").c_str());
  STRCMP_EQUAL("ret-1", str_at(r, "external_system_reference1").c_str());
  STRCMP_EQUAL("r1", str_at(r, "lines.0.alt_line_reference").c_str());
  LONGS_EQUAL(2, int_at(r, "lines.0.expected_quantity"));

  // Again with the mappings, and again without them (after a crash).
  STRCMP_EQUAL(po.clarus_id.c_str(), applied(purchase_order("po-1", "PO-1", {{"1", "SKU-0003", 40}}), "PO again").clarus_id.c_str());
  STRCMP_EQUAL(rma.clarus_id.c_str(), applied(return_authorisation("ret-1", "RMA-1", {{"r1", "SKU-0005", 2}}), "RMA again").clarus_id.c_str());
  AgentDownlink after_crash(tenant->clarus());
  Result<Applied> po_found = after_crash.apply(purchase_order("po-1", "PO-1", {{"1", "SKU-0003", 40}}));
  check_ok(po_found.status(), "PO with a fresh command journal");
  STRCMP_EQUAL(po.clarus_id.c_str(), po_found->clarus_id.c_str());
  Result<Applied> rma_found = after_crash.apply(return_authorisation("ret-1", "RMA-1", {{"r1", "SKU-0005", 2}}));
  check_ok(rma_found.status(), "RMA with a fresh command journal");
  STRCMP_EQUAL(rma.clarus_id.c_str(), rma_found->clarus_id.c_str());
  LONGS_EQUAL(3, static_cast<long>(count(tenant->state(), "goods_in_receipts")));
}
