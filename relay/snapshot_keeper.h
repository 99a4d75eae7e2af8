// SnapshotKeeper: InventorySnapshot events are not ERP postings. They are the
// warehouse's stock balances at one moment, kept by the relay for the
// reconciliation against the ERP's on-hand (the visibility issue's drift
// monitor and reports).
//
// It wraps the ERP connector the poster uses: a snapshot is stored in the
// relay's store (the latest per site and warehouse; a snapshot sent in parts
// is kept part by part) and counts as done, so it never blocks its key;
// every other event goes on to the ERP connector unchanged.
// Thread-safety: as ErpConnector, called from several poster threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "relay/erp_connector.h"

namespace sb::relay {

struct KeptSnapshot {
  std::string site;
  std::string warehouse;
  int64_t taken_at_ms = 0;
  uint32_t parts = 0;       // parts expected
  uint32_t parts_kept = 0;  // parts held for that moment
  uint64_t balances = 0;    // balance lines over the parts kept
};

class SnapshotKeeper final : public ErpConnector {
 public:
  static Result<std::unique_ptr<SnapshotKeeper>> open(KvStore& store, GroupCommitter& committer, ErpConnector& erp);

  ErpOutcome post(const v1::Event& event) override;
  ErpOutcome post_net(const v1::Event& net, const std::vector<std::string>& covers) override {
    return erp_.post_net(net, covers);
  }
  ErpOutcome find(const v1::Event& event) override;
  std::string name() const override { return erp_.name(); }
  void refresh_master_data() override { erp_.refresh_master_data(); }

  // The latest snapshot of every site and warehouse (for status and reconciliation).
  Result<std::vector<KeptSnapshot>> latest();
  // The balances of the latest snapshot of one site and warehouse, all parts.
  Result<std::vector<v1::StockBalance>> balances(const std::string& site, const std::string& warehouse);

 private:
  SnapshotKeeper(KvStore& store, GroupCommitter& committer, ErpConnector& erp)
      : store_(store), committer_(committer), erp_(erp) {}
  ErpOutcome keep(const v1::Event& event);

  KvStore& store_;
  GroupCommitter& committer_;
  ErpConnector& erp_;
  TableId snapshots_{};
};

}  // namespace sb::relay
