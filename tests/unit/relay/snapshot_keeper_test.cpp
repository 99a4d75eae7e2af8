// SnapshotKeeper: inventory snapshots are kept by the relay for
// reconciliation, never sent to the ERP and never held, and only the latest
// moment of each warehouse is kept; other events pass to the ERP connector.
#include <memory>
#include <string>

#include "platform/core/log.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/snapshot_keeper.h"
#include "tests/unit/relay/relay_fixtures.h"
#include "tests/unit/relay/scripted_erp.h"

#include <CppUTest/TestHarness.h>

using namespace sb;
using namespace sb::relay;
using namespace sb::relay::test;

namespace {

v1::Event snapshot(const std::string& id, const std::string& warehouse, int64_t taken_at, uint32_t part, uint32_t parts,
                   int balances) {
  v1::Event e;
  e.set_event_id(id);
  e.set_site_id("site-a");
  e.set_business_key("snapshot:" + warehouse);
  v1::InventorySnapshot* s = e.mutable_inventory_snapshot();
  s->set_warehouse(warehouse);
  s->set_taken_at_ms(taken_at);
  s->set_part(part);
  s->set_parts(parts);
  for (int i = 0; i < balances; ++i) {
    v1::StockBalance* b = s->add_balances();
    b->set_sku("SKU-" + std::to_string(i));
    b->set_available(10 + i);
  }
  return e;
}

}  // namespace

TEST_GROUP(SnapshotKeeper) {
  std::unique_ptr<MemoryStore> store = MemoryStore::create();
  std::unique_ptr<GroupCommitter> committer = std::make_unique<GroupCommitter>(*store);
  ScriptedErp erp;
  std::unique_ptr<SnapshotKeeper> keeper;

  void setup() override {
    log::set_level(log::Level::kError);
    keeper = std::move(SnapshotKeeper::open(*store, *committer, erp).value());
  }
  void teardown() override { committer->stop(); }
};

TEST(SnapshotKeeper, ASnapshotIsKeptNotSentToTheErp) {
  ErpOutcome o = keeper->post(snapshot("snap-1", "WH1", 1000, 1, 1, 3));
  CHECK(o.kind == ErpOutcome::Kind::kPosted);
  STRCMP_EQUAL("snapshot:kept", o.erp_id.c_str());
  LONGS_EQUAL(0, erp.calls().size());
  Result<std::vector<KeptSnapshot>> latest = keeper->latest();
  CHECK(latest.ok());
  LONGS_EQUAL(1, latest->size());
  STRCMP_EQUAL("WH1", latest->at(0).warehouse.c_str());
  LONGS_EQUAL(1000, latest->at(0).taken_at_ms);
  LONGS_EQUAL(3, latest->at(0).balances);
  Result<std::vector<v1::StockBalance>> balances = keeper->balances("site-a", "WH1");
  CHECK(balances.ok());
  LONGS_EQUAL(3, balances->size());
  LONGS_EQUAL(12, balances->at(2).available());
}

TEST(SnapshotKeeper, OnlyTheLatestMomentIsKeptPartByPart) {
  keeper->post(snapshot("old-1", "WH1", 1000, 1, 2, 2));
  keeper->post(snapshot("old-2", "WH1", 1000, 2, 2, 2));
  keeper->post(snapshot("new-1", "WH1", 2000, 1, 2, 5));
  Result<std::vector<KeptSnapshot>> latest = keeper->latest();
  LONGS_EQUAL(1, latest->size());
  LONGS_EQUAL(2000, latest->at(0).taken_at_ms);
  LONGS_EQUAL(1, latest->at(0).parts_kept);  // part 2 of the newer moment has not come yet
  LONGS_EQUAL(2, latest->at(0).parts);
  // An older moment arriving late is done but changes nothing.
  ErpOutcome late = keeper->post(snapshot("old-2-again", "WH1", 1000, 2, 2, 2));
  CHECK(late.kind == ErpOutcome::Kind::kPosted);
  STRCMP_EQUAL("snapshot:superseded", late.erp_id.c_str());
  keeper->post(snapshot("new-2", "WH1", 2000, 2, 2, 1));
  latest = keeper->latest();
  LONGS_EQUAL(2, latest->at(0).parts_kept);
  LONGS_EQUAL(6, latest->at(0).balances);
  // Warehouses are kept apart.
  keeper->post(snapshot("wh2", "WH2", 500, 1, 1, 1));
  LONGS_EQUAL(2, keeper->latest()->size());
}

TEST(SnapshotKeeper, OtherEventsGoToTheErp) {
  ErpOutcome o = keeper->post(adjustment("site-a", 1, "adj-1", "K"));
  CHECK(o.kind == ErpOutcome::Kind::kPosted);
  LONGS_EQUAL(1, erp.posts_of("adj-1"));
  CHECK(keeper->find(adjustment("site-a", 1, "adj-1", "K")).kind == ErpOutcome::Kind::kPosted);
  CHECK(keeper->find(snapshot("snap-1", "WH1", 1, 1, 1, 0)).kind == ErpOutcome::Kind::kNotFound);
}
