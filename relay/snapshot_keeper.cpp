#include "relay/snapshot_keeper.h"

#include <vector>

namespace sb::relay {
namespace {

// Key: site \0 warehouse \0 part (4 bytes) -> InventorySnapshot bytes. Only
// the latest moment is kept: a newer snapshot replaces every part of an older one.
std::string prefix(const std::string& site, const std::string& warehouse) { return site + '\0' + warehouse + '\0'; }

std::string part_key(const std::string& site, const std::string& warehouse, uint32_t part) {
  std::string k = prefix(site, warehouse);
  for (int shift = 24; shift >= 0; shift -= 8) k += static_cast<char>((part >> shift) & 0xff);
  return k;
}

}  // namespace

Result<std::unique_ptr<SnapshotKeeper>> SnapshotKeeper::open(KvStore& store, GroupCommitter& committer, ErpConnector& erp) {
  std::unique_ptr<SnapshotKeeper> k(new SnapshotKeeper(store, committer, erp));
  Result<TableId> t = store.table("snapshots");
  if (!t.ok()) return t.status();
  k->snapshots_ = *t;
  return k;
}

ErpOutcome SnapshotKeeper::post(const v1::Event& event) {
  if (event.has_inventory_snapshot()) return keep(event);
  return erp_.post(event);
}

ErpOutcome SnapshotKeeper::find(const v1::Event& event) {
  // Keeping a snapshot again changes nothing: never "already there" by lookup.
  if (event.has_inventory_snapshot()) return ErpOutcome::not_found();
  return erp_.find(event);
}

ErpOutcome SnapshotKeeper::keep(const v1::Event& event) {
  const v1::InventorySnapshot& s = event.inventory_snapshot();
  const std::string from = prefix(event.site_id(), s.warehouse());
  bool stale = false;
  Status st = committer_.run([&](WriteTxn& txn) -> Status {
    stale = false;
    std::vector<std::string> older;
    SB_RETURN_IF_ERROR(txn.scan(snapshots_, from, [&](std::string_view k, std::string_view v) {
      if (k.substr(0, from.size()) != from) return false;
      v1::InventorySnapshot kept;
      const bool readable = kept.ParseFromArray(v.data(), static_cast<int>(v.size()));
      if (readable && kept.taken_at_ms() > s.taken_at_ms()) {
        stale = true;  // a newer moment is kept already
        return false;
      }
      if (!readable || kept.taken_at_ms() < s.taken_at_ms()) older.emplace_back(k);
      return true;
    }));
    if (stale) return Status::Ok();
    for (const std::string& k : older) SB_RETURN_IF_ERROR(txn.del(snapshots_, k));
    return txn.put(snapshots_, part_key(event.site_id(), s.warehouse(), s.part()), s.SerializeAsString());
  });
  if (!st.ok()) return ErpOutcome::retry("keeping the inventory snapshot: " + st.to_string(), false);
  return ErpOutcome::posted(stale ? "snapshot:superseded" : "snapshot:kept");
}

Result<std::vector<KeptSnapshot>> SnapshotKeeper::latest() {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  std::vector<KeptSnapshot> out;
  Status s = (*txn)->scan(snapshots_, "", [&](std::string_view k, std::string_view v) {
    size_t a = k.find('\0');
    size_t b = a == std::string_view::npos ? a : k.find('\0', a + 1);
    v1::InventorySnapshot snap;
    if (b == std::string_view::npos || !snap.ParseFromArray(v.data(), static_cast<int>(v.size()))) return true;
    const std::string site(k.substr(0, a)), warehouse(k.substr(a + 1, b - a - 1));
    if (out.empty() || out.back().site != site || out.back().warehouse != warehouse) {
      out.push_back({site, warehouse, snap.taken_at_ms(), snap.parts() ? snap.parts() : 1, 0, 0});
    }
    out.back().parts_kept++;
    out.back().balances += static_cast<uint64_t>(snap.balances_size());
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<v1::StockBalance>> SnapshotKeeper::balances(const std::string& site, const std::string& warehouse) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  std::vector<v1::StockBalance> out;
  const std::string from = prefix(site, warehouse);
  Status s = (*txn)->scan(snapshots_, from, [&](std::string_view k, std::string_view v) {
    if (k.substr(0, from.size()) != from) return false;
    v1::InventorySnapshot snap;
    if (snap.ParseFromArray(v.data(), static_cast<int>(v.size())))
      for (const v1::StockBalance& b : snap.balances()) out.push_back(b);
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace sb::relay
