// MasterData: the ERP's item and carrier master as this site last heard it
// (the ItemUpsert and CarrierUpsert commands of the downlink), kept in the
// agent's LMDB so events can be checked while the site is offline.
//
// MasterDataRecorder wraps the Clarus command applier: every item or carrier
// upsert is recorded (durably, before it is applied to Clarus: the ERP's
// word stands even while Clarus is down), then applied, then the listeners
// hear that master data changed (held events are re-validated).
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/downlink/clarus_commands.h"
#include "platform/store/group_commit.h"
#include "platform/store/kv_store.h"
#include "stockbridge/v1/wire.h"

namespace sb::agent {

class MasterData {
 public:
  static Result<std::unique_ptr<MasterData>> open(KvStore& store, GroupCommitter& committer);

  // Records an ItemUpsert or CarrierUpsert (others are ignored). Durable.
  Status record(const v1::Command& command);
  // Lookups inside a caller's transaction (the journal's, while it appends).
  std::optional<v1::ItemUpsert> item(ReadTxn& txn, const std::string& sku) const;
  std::optional<v1::CarrierUpsert> carrier(ReadTxn& txn, const std::string& carrier, const std::string& service) const;
  // A read transaction for the lookups below.
  Result<std::unique_ptr<ReadTxn>> read() const { return store_.read(); }
  // Every item the site has heard of, in SKU order.
  Status for_each_item(const std::function<void(const v1::ItemUpsert&)>& visit) const;
  // True once any carrier is known: until then carriers are not checked here.
  bool knows_carriers() const { return carriers_.load() > 0; }
  uint64_t items() const { return items_.load(); }
  uint64_t carriers() const { return carriers_.load(); }

 private:
  MasterData(KvStore& store, GroupCommitter& committer) : store_(store), committer_(committer) {}
  KvStore& store_;
  GroupCommitter& committer_;
  TableId items_table_{}, carriers_table_{};
  std::atomic<uint64_t> items_{0}, carriers_{0};
};

class MasterDataRecorder final : public CommandApplier {
 public:
  using Changed = std::function<void(const v1::Command& upsert)>;
  MasterDataRecorder(MasterData& master, CommandApplier& inner, Changed changed)
      : master_(master), inner_(inner), changed_(std::move(changed)) {}
  Result<Applied> apply(const v1::Command& command) override;

 private:
  MasterData& master_;
  CommandApplier& inner_;
  Changed changed_;
};

}  // namespace sb::agent
