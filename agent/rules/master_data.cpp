#include "agent/rules/master_data.h"

namespace sb::agent {
namespace {

std::string carrier_key(const std::string& carrier, const std::string& service) { return carrier + '\0' + service; }

}  // namespace

Result<std::unique_ptr<MasterData>> MasterData::open(KvStore& store, GroupCommitter& committer) {
  std::unique_ptr<MasterData> m(new MasterData(store, committer));
  Result<TableId> items = store.table("master_items");
  if (!items.ok()) return items.status();
  Result<TableId> carriers = store.table("master_carriers");
  if (!carriers.ok()) return carriers.status();
  m->items_table_ = *items;
  m->carriers_table_ = *carriers;
  Result<std::unique_ptr<ReadTxn>> txn = store.read();
  if (!txn.ok()) return txn.status();
  Result<uint64_t> ni = (*txn)->count(*items);
  Result<uint64_t> nc = (*txn)->count(*carriers);
  if (!ni.ok()) return ni.status();
  if (!nc.ok()) return nc.status();
  m->items_ = *ni;
  m->carriers_ = *nc;
  return m;
}

Status MasterData::record(const v1::Command& command) {
  TableId table;
  std::string key, value;
  if (command.has_item_upsert()) {
    table = items_table_;
    key = command.item_upsert().sku();
    value = command.item_upsert().SerializeAsString();
  } else if (command.has_carrier_upsert()) {
    table = carriers_table_;
    key = carrier_key(command.carrier_upsert().carrier(), command.carrier_upsert().service());
    value = command.carrier_upsert().SerializeAsString();
  } else {
    return Status::Ok();
  }
  if (key.empty() || key.size() > 400) return Status::InvalidArgument("master data key must be 1 to 400 bytes");
  bool fresh = false;
  return committer_.run(
      [&](WriteTxn& txn) -> Status {
        std::string old;
        Status g = txn.get(table, key, &old);
        if (!g.ok() && g.code() != Code::kNotFound) return g;
        fresh = !g.ok();
        return txn.put(table, key, value);
      },
      [&] {
        if (fresh) ++(table.handle == items_table_.handle ? items_ : carriers_);
      });
}

std::optional<v1::ItemUpsert> MasterData::item(ReadTxn& txn, const std::string& sku) const {
  std::string v;
  v1::ItemUpsert out;
  if (!txn.get(items_table_, sku, &v).ok() || !out.ParseFromString(v)) return std::nullopt;
  return out;
}

std::optional<v1::CarrierUpsert> MasterData::carrier(ReadTxn& txn, const std::string& carrier,
                                                     const std::string& service) const {
  std::string v;
  v1::CarrierUpsert out;
  if (!txn.get(carriers_table_, carrier_key(carrier, service), &v).ok() || !out.ParseFromString(v)) return std::nullopt;
  return out;
}

Status MasterData::for_each_item(const std::function<void(const v1::ItemUpsert&)>& visit) const {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  return (*txn)->scan(items_table_, "", [&](std::string_view, std::string_view v) {
    v1::ItemUpsert item;
    if (item.ParseFromArray(v.data(), static_cast<int>(v.size()))) visit(item);
    return true;
  });
}

Result<Applied> MasterDataRecorder::apply(const v1::Command& command) {
  const bool master = command.has_item_upsert() || command.has_carrier_upsert();
  if (master) SB_RETURN_IF_ERROR(master_.record(command));
  Result<Applied> applied = inner_.apply(command);
  if (master && changed_) changed_(command);
  return applied;
}

}  // namespace sb::agent
