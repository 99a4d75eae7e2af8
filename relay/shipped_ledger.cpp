#include "relay/shipped_ledger.h"

#include <algorithm>
#include <vector>

namespace sb::relay {
namespace {

// lines key: order \0 line \0 event id -> signed quantity, 8 bytes
// shipments key: order \0 shipment -> event id
// orders key: order -> when something was last recorded for it (8 bytes)
// log key: [that time, 8 bytes] order -> "" (oldest first, for prune)
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

Result<std::unique_ptr<ShippedLedger>> ShippedLedger::open(KvStore& store, GroupCommitter& committer, const Clock& clock) {
  std::unique_ptr<ShippedLedger> l(new ShippedLedger(store, committer, clock));
  Result<TableId> lines = store.table("shipped_lines");
  if (!lines.ok()) return lines.status();
  Result<TableId> shipments = store.table("shipped_shipments");
  if (!shipments.ok()) return shipments.status();
  Result<TableId> orders = store.table("shipped_orders");
  if (!orders.ok()) return orders.status();
  Result<TableId> log = store.table("shipped_log");
  if (!log.ok()) return log.status();
  l->lines_ = *lines;
  l->shipments_ = *shipments;
  l->orders_ = *orders;
  l->log_ = *log;
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
    if (!shipment.empty()) SB_RETURN_IF_ERROR(txn.put(shipments_, prefix(order) + shipment, event_id));
    // The order's last activity, indexed by time for prune().
    std::string before;
    if (txn.get(orders_, order, &before).ok()) {
      Status d = txn.del(log_, before + order);
      if (!d.ok() && d.code() != Code::kNotFound) return d;
    }
    const std::string now = encode_u64_key(static_cast<uint64_t>(clock_.wall_ms()));
    SB_RETURN_IF_ERROR(txn.put(orders_, order, now));
    return txn.put(log_, now + order, "");
  });
}

Status ShippedLedger::erase_order(WriteTxn& txn, const std::string& order) {
  const std::string from = prefix(order);
  for (TableId t : {lines_, shipments_}) {
    std::vector<std::string> doomed;
    SB_RETURN_IF_ERROR(txn.scan(t, from, [&](std::string_view k, std::string_view) {
      if (k.substr(0, from.size()) != from) return false;
      doomed.emplace_back(k);
      return true;
    }));
    for (const std::string& k : doomed) SB_RETURN_IF_ERROR(txn.del(t, k));
  }
  Status d = txn.del(orders_, order);
  return d.ok() || d.code() == Code::kNotFound ? Status::Ok() : d;
}

Result<uint64_t> ShippedLedger::prune(Millis retention, size_t max) {
  const uint64_t cutoff = static_cast<uint64_t>(std::max<int64_t>(0, clock_.wall_ms() - retention.count()));
  uint64_t pruned = 0;
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    pruned = 0;
    std::vector<std::string> doomed;  // log keys, oldest first
    SB_RETURN_IF_ERROR(txn.scan(log_, "", [&](std::string_view k, std::string_view) {
      if (doomed.size() >= max || k.size() < 8 || decode_u64_key(k.substr(0, 8)) >= cutoff) return false;
      doomed.emplace_back(k);
      return true;
    }));
    for (const std::string& k : doomed) {
      SB_RETURN_IF_ERROR(erase_order(txn, k.substr(8)));
      SB_RETURN_IF_ERROR(txn.del(log_, k));
    }
    pruned = doomed.size();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return pruned;
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
