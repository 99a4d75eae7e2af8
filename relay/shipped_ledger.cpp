#include "relay/shipped_ledger.h"

#include <vector>

namespace sb::relay {
namespace {

// lines key: order \0 line \0 event id -> signed quantity, 8 bytes
// shipments key: order \0 shipment -> event id
std::string prefix(const std::string& order) { return order + '\0'; }

bool split_line_key(std::string_view key, size_t order_size, std::string* line, std::string* event) {
  std::string_view rest = key.substr(order_size + 1);
  size_t nul = rest.find('\0');
  if (nul == std::string_view::npos) return false;
  line->assign(rest.substr(0, nul));
  event->assign(rest.substr(nul + 1));
  return true;
}

int64_t decode_qty(std::string_view v) { return v.size() == 8 ? static_cast<int64_t>(decode_u64_key(v)) : 0; }

}  // namespace

Result<std::unique_ptr<ShippedLedger>> ShippedLedger::open(KvStore& store, GroupCommitter& committer) {
  std::unique_ptr<ShippedLedger> l(new ShippedLedger(store, committer));
  Result<TableId> lines = store.table("shipped_lines");
  if (!lines.ok()) return lines.status();
  Result<TableId> shipments = store.table("shipped_shipments");
  if (!shipments.ok()) return shipments.status();
  l->lines_ = *lines;
  l->shipments_ = *shipments;
  return l;
}

Result<ShippedLedger::OrderView> ShippedLedger::view(const std::string& order, const std::string& shipment,
                                                     const std::string& event_id) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  OrderView v;
  const std::string from = prefix(order);
  Status scanned = (*txn)->scan(lines_, from, [&](std::string_view k, std::string_view val) {
    if (k.substr(0, from.size()) != from) return false;
    std::string line, event;
    if (split_line_key(k, order.size(), &line, &event) && event != event_id) v.sent[line] += decode_qty(val);
    return true;
  });
  if (!scanned.ok()) return scanned;
  std::string owner;
  Status s = (*txn)->get(shipments_, prefix(order) + shipment, &owner);
  if (!s.ok() && s.code() != Code::kNotFound) return s;
  if (s.ok() && owner != event_id) v.shipment_owner = owner;
  return v;
}

Status ShippedLedger::record(const std::string& order, const std::string& shipment, const std::string& event_id,
                             const std::map<std::string, int64_t>& lines) {
  return committer_.run([&](WriteTxn& txn) -> Status {
    for (const auto& [line, qty] : lines) {
      SB_RETURN_IF_ERROR(txn.put(lines_, prefix(order) + line + '\0' + event_id, encode_u64_key(static_cast<uint64_t>(qty))));
    }
    if (shipment.empty()) return Status::Ok();
    return txn.put(shipments_, prefix(order) + shipment, event_id);
  });
}

Status ShippedLedger::forget(const std::string& order, const std::string& shipment, const std::string& event_id) {
  return committer_.run([&](WriteTxn& txn) -> Status {
    const std::string from = prefix(order);
    std::vector<std::string> doomed;
    SB_RETURN_IF_ERROR(txn.scan(lines_, from, [&](std::string_view k, std::string_view) {
      if (k.substr(0, from.size()) != from) return false;
      std::string line, event;
      if (split_line_key(k, order.size(), &line, &event) && event == event_id) doomed.emplace_back(k);
      return true;
    }));
    for (const std::string& k : doomed) SB_RETURN_IF_ERROR(txn.del(lines_, k));
    std::string owner;
    const std::string key = prefix(order) + shipment;
    Status s = txn.get(shipments_, key, &owner);
    if (s.ok() && owner == event_id) return txn.del(shipments_, key);
    return s.ok() || s.code() == Code::kNotFound ? Status::Ok() : s;
  });
}

}  // namespace sb::relay
