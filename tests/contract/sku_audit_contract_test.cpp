// The SKU master audit against the real Clarus simulator over loopback: the
// ERP's items as the site heard them (MasterData) compared with the products
// Clarus holds. Differences become SKU_DIVERGENCE exceptions for finance; a
// push of the ERP's values fixes Clarus and resolves one; an audit that finds
// a difference gone resolves it by itself; nothing is raised twice.
#include <memory>
#include <string>

#include "agent/downlink/clarus_commands.h"
#include "agent/downlink/command_journal.h"
#include "agent/rules/master_data.h"
#include "agent/rules/sku_audit.h"
#include "platform/core/log.h"
#include "platform/store/exception_book.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "tests/contract/clarus_contract_support.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::agent;
using namespace sb::contract;

namespace {

clarus_sim::SimOptions two_products() {
  clarus_sim::SimOptions o;
  o.seed_products = 2;  // SKU-0001, SKU-0002 (stock unit EACH, cases of 12)
  return o;
}

v1::Command item(const std::string& sku, const std::string& unit, int per_case, bool active = true) {
  v1::Command c = item_upsert(sku, "Item " + sku, "", per_case, unit);
  c.mutable_item_upsert()->set_active(active);
  return c;
}

}  // namespace

TEST_GROUP(SkuAudit) {
  std::unique_ptr<SimTenant> tenant;
  std::unique_ptr<MemoryStore> store;
  std::unique_ptr<GroupCommitter> committer;
  std::unique_ptr<CommandJournal> commands;
  std::unique_ptr<ClarusCommandApplier> applier;
  std::unique_ptr<MasterData> master;
  std::unique_ptr<ExceptionBook> book;
  std::unique_ptr<SkuAudit> audit;

  void setup() override {
    log::set_level(log::Level::kError);
    tenant = std::make_unique<SimTenant>(two_products());
    store = MemoryStore::create();
    committer = std::make_unique<GroupCommitter>(*store);
    commands = CommandJournal::open(*store, *committer, SystemClock::instance()).value();
    applier = std::make_unique<ClarusCommandApplier>(tenant->clarus(), *commands, ClarusAccount{});
    master = MasterData::open(*store, *committer).value();
    book = ExceptionBook::open(*store, *committer, SystemClock::instance(), "exceptions").value();
    audit = std::make_unique<SkuAudit>(tenant->clarus(), *master, *book, *applier, "site-1");
  }
  void teardown() override {
    audit.reset();
    book.reset();
    master.reset();
    applier.reset();
    commands.reset();
    committer.reset();
    store.reset();
    tenant.reset();
  }
  ExceptionRecord divergence(const std::string& sku) {
    Result<ExceptionRecord> x = book->find_subject("item", sku);
    CHECK_TEXT(x.ok(), ("no exception for " + sku).c_str());
    return x.ok() ? *x : ExceptionRecord{};
  }
};

TEST(SkuAudit, EachKindOfDifferenceIsAnExceptionForFinance) {
  check_ok(master->record(item("SKU-0001", "EACH", 12)), "record SKU-0001");  // agrees with Clarus
  check_ok(master->record(item("SKU-0002", "EACH", 24)), "record SKU-0002");  // Clarus counts cases of 12
  check_ok(master->record(item("SKU-0777", "EACH", 0)), "record SKU-0777");   // not in Clarus
  tenant->admin("POST", "/seed", R"({"products":[{"code":"FLOOR-9","description":"made on the floor","stock":3}]})");

  SkuAuditReport r = audit->run();
  STRCMP_EQUAL("", r.error.c_str());
  LONGS_EQUAL(3, r.items);
  LONGS_EQUAL(3, r.divergent);
  LONGS_EQUAL(3, r.raised);
  CHECK_FALSE(book->find_subject("item", "SKU-0001").ok());
  ExceptionRecord cases = divergence("SKU-0002");
  STRCMP_EQUAL("SKU_DIVERGENCE", cases.cls.c_str());
  STRCMP_EQUAL("finance", cases.owner.c_str());
  CHECK_TEXT(cases.reason.find("case quantity: ERP 24, Clarus 12") != std::string::npos, cases.reason.c_str());
  CHECK(divergence("SKU-0777").reason.find("in the ERP but not in Clarus") != std::string::npos);
  CHECK(divergence("FLOOR-9").reason.find("in Clarus but the ERP has no such item") != std::string::npos);

  // The same differences found again raise nothing new.
  SkuAuditReport again = audit->run();
  LONGS_EQUAL(3, again.divergent);
  LONGS_EQUAL(0, again.raised);
  LONGS_EQUAL(1, divergence("SKU-0002").trail.size());
}

TEST(SkuAudit, PushingTheErpValuesFixesClarusAndResolvesTheException) {
  check_ok(master->record(item("SKU-0002", "EACH", 24)), "record SKU-0002");
  audit->run();
  ExceptionAction a;
  a.who = "fiona";
  a.action = "push ERP values";
  check_ok(audit->push("SKU-0002", a), "push SKU-0002");
  std::vector<Json> p = where(tenant->state(), "products", "code", "SKU-0002");
  LONGS_EQUAL(1, static_cast<long>(p.size()));
  LONGS_EQUAL(24, int_at(p.front(), "units_per_case"));
  ExceptionRecord x = divergence("SKU-0002");
  CHECK(x.state == ExceptionState::kResolved);
  STRCMP_EQUAL("fiona", x.trail.back().who.c_str());
  // A product the ERP has no item for cannot be pushed.
  tenant->admin("POST", "/seed", R"({"products":[{"code":"FLOOR-9","stock":1}]})");
  audit->run();
  LONGS_EQUAL(static_cast<int>(Code::kInvalidArgument), static_cast<int>(audit->push("FLOOR-9", a).code()));
}

TEST(SkuAudit, AnInactiveItemStillActiveInClarusIsADifferenceThatResolvesWhenFixedElsewhere) {
  check_ok(master->record(item("SKU-0001", "EACH", 12, false)), "record SKU-0001");
  audit->run();
  CHECK(divergence("SKU-0001").reason.find("active: ERP no, Clarus yes") != std::string::npos);
  // Someone marks it obsolete in Clarus by hand: the next audit resolves the exception by itself.
  check_ok(applier->apply(item("SKU-0001", "EACH", 12, false)).status(), "apply the inactive item");
  SkuAuditReport r = audit->run();
  LONGS_EQUAL(1, r.resolved);
  CHECK(divergence("SKU-0001").state == ExceptionState::kResolved);
}
