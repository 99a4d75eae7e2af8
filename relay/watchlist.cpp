#include "relay/watchlist.h"

#include "platform/core/json.h"

namespace sb::relay {
namespace {

// Orders are keyed <site> NUL <order number>: a Shipment names its order by the
// goods out reference, which is the order number the release gave Clarus.
std::string order_key(const std::string& site, const std::string& order) { return site + '\0' + order; }

int64_t number(const Json& j, std::string_view name) {
  const Json* v = j.find(name);
  int64_t n = 0;
  if (v) v->as_int64(&n);
  return n;
}

// Shipped markers, two keys in one table: "o" <order key> -> when (the lookup),
// and "t" <when> <order key> -> "" (the age index, so pruning reads only the old ones).
std::string shipped_key(const std::string& order_key) { return "o" + order_key; }
std::string shipped_age_key(int64_t at_ms, const std::string& order_key) {
  return "t" + encode_u64_key(static_cast<uint64_t>(at_ms)) + order_key;
}

Status ignore_missing(const Status& s) { return s.code() == Code::kNotFound ? Status::Ok() : s; }

}  // namespace

Result<std::unique_ptr<Watchlist>> Watchlist::open(KvStore& store, GroupCommitter& committer, const Clock& clock) {
  std::unique_ptr<Watchlist> w(new Watchlist(store, committer, clock));
  for (auto [name, id] : {std::pair{"mon_orders", &w->orders_}, {"mon_commands", &w->commands_},
                          {"mon_events", &w->events_}, {"mon_acknowledged", &w->acknowledged_},
                          {"mon_shipped", &w->shipped_}, {"mon_offline", &w->offline_}}) {
    Result<TableId> t = store.table(name);
    if (!t.ok()) return t.status();
    *id = *t;
  }
  return w;
}

Status Watchlist::on_event_taken(WriteTxn& txn, const v1::Event& e) {
  Json v = Json::object();
  v.set("site", Json::string(e.site_id()));
  v.set("event_id", Json::string(e.event_id()));
  if (e.has_shipment()) {
    const v1::Shipment& s = e.shipment();
    v.set("kind", Json::string("shipment"));
    v.set("what", Json::string("shipment " + s.clarus_shipment_id() + " of order " + s.order_reference()));
    // Something of the order left the warehouse: it is not orphaned, not even
    // when the release's APPLIED outcome is recorded after this (the marker).
    const std::string order = order_key(e.site_id(), s.order_reference());
    SB_RETURN_IF_ERROR(ignore_missing(txn.del(orders_, order)));
    const int64_t now = clock_.wall_ms();
    SB_RETURN_IF_ERROR(txn.put(shipped_, shipped_key(order), encode_u64_key(static_cast<uint64_t>(now))));
    SB_RETURN_IF_ERROR(txn.put(shipped_, shipped_age_key(now, order), ""));
  } else if (e.has_return_receipt()) {
    const v1::ReturnReceipt& r = e.return_receipt();
    v.set("kind", Json::string("return"));
    v.set("what", Json::string("return " + r.clarus_receipt_id() + " against " + r.rma_reference()));
  } else {
    return Status::Ok();
  }
  const std::string key = encode_u64_key(static_cast<uint64_t>(clock_.wall_ms())) + e.event_id();
  return txn.put(events_, key, v.dump());
}

Status Watchlist::on_command_queued(WriteTxn& txn, const v1::Command& c) {
  Json v = Json::object();
  v.set("site", Json::string(c.site_id()));
  v.set("queued_at_ms", Json::number(clock_.wall_ms()));
  if (c.has_sales_order_release()) {
    v.set("kind", Json::string("release"));
    v.set("order", Json::string(c.sales_order_release().order_number()));
    v.set("erp_order_id", Json::string(c.sales_order_release().erp_order_id()));
  } else if (c.has_sales_order_cancel()) {
    v.set("kind", Json::string("cancel"));
    v.set("order", Json::string(c.sales_order_cancel().order_number()));
  } else {
    return Status::Ok();
  }
  return txn.put(commands_, c.command_id(), v.dump());
}

Status Watchlist::on_command_outcome(WriteTxn& txn, const std::string& site, const v1::CommandOutcome& o) {
  std::string text;
  Status g = txn.get(commands_, o.command_id(), &text);
  if (g.code() == Code::kNotFound) return Status::Ok();  // not an order command
  SB_RETURN_IF_ERROR(g);
  if (o.kind() == v1::CommandOutcome::HELD) return Status::Ok();  // it may yet be applied
  SB_RETURN_IF_ERROR(txn.del(commands_, o.command_id()));
  if (o.kind() != v1::CommandOutcome::APPLIED) return Status::Ok();  // discarded at the site
  Result<Json> c = Json::parse(text);
  if (!c.ok() || c->get_string("site") != site) return Status::Ok();  // a site speaks only for itself
  const std::string key = order_key(site, c->get_string("order"));
  if (c->get_string("kind") == "cancel") return ignore_missing(txn.del(orders_, key));
  std::string shipped_at;
  Status shipped = txn.get(shipped_, shipped_key(key), &shipped_at);
  if (shipped.ok()) return Status::Ok();  // its shipment was taken first: not orphaned
  if (shipped.code() != Code::kNotFound) return shipped;
  Json v = Json::object();
  v.set("erp_order_id", Json::string(c->get_string("erp_order_id")));
  v.set("clarus_id", Json::string(o.clarus_id()));
  v.set("applied_at_ms", Json::number(o.at_ms() > 0 ? o.at_ms() : clock_.wall_ms()));
  return txn.put(orders_, key, v.dump());
}

Status Watchlist::orders(const std::function<void(const WatchedOrder&)>& visit) {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return r.status();
  return (*r)->scan(orders_, "", [&](std::string_view k, std::string_view v) {
    const size_t nul = k.find('\0');
    Result<Json> j = Json::parse(v);
    if (nul == std::string_view::npos || !j.ok()) return true;  // not ours to judge; skip
    WatchedOrder o;
    o.site.assign(k.substr(0, nul));
    o.order.assign(k.substr(nul + 1));
    o.erp_order_id = j->get_string("erp_order_id");
    o.clarus_id = j->get_string("clarus_id");
    o.applied_at_ms = number(*j, "applied_at_ms");
    visit(o);
    return true;
  });
}

Status Watchlist::events(const std::function<void(const WatchedEvent&)>& visit) {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return r.status();
  return (*r)->scan(events_, "", [&](std::string_view k, std::string_view v) {
    Result<Json> j = Json::parse(v);
    if (k.size() < 8 || !j.ok()) return true;
    WatchedEvent e;
    e.key.assign(k);
    e.taken_at_ms = static_cast<int64_t>(decode_u64_key(k.substr(0, 8)));
    e.site = j->get_string("site");
    e.event_id = j->get_string("event_id");
    e.kind = j->get_string("kind");
    e.what = j->get_string("what");
    visit(e);
    return true;
  });
}

Status Watchlist::forget_events(const std::vector<std::string>& keys) {
  if (keys.empty()) return Status::Ok();
  return committer_.run([&](WriteTxn& txn) -> Status {
    for (const std::string& k : keys) SB_RETURN_IF_ERROR(ignore_missing(txn.del(events_, k)));
    return Status::Ok();
  });
}

Result<uint64_t> Watchlist::forget_commands_older_than(Millis age) {
  const int64_t cutoff = clock_.wall_ms() - age.count();
  std::vector<std::string> doomed;
  {
    Result<std::unique_ptr<ReadTxn>> r = store_.read();
    if (!r.ok()) return r.status();
    SB_RETURN_IF_ERROR((*r)->scan(commands_, "", [&](std::string_view k, std::string_view v) {
      Result<Json> j = Json::parse(v);
      if (!j.ok() || number(*j, "queued_at_ms") < cutoff) doomed.emplace_back(k);
      return true;
    }));
  }
  if (doomed.empty()) return uint64_t{0};
  SB_RETURN_IF_ERROR(committer_.run([&](WriteTxn& txn) -> Status {
    for (const std::string& k : doomed) SB_RETURN_IF_ERROR(ignore_missing(txn.del(commands_, k)));
    return Status::Ok();
  }));
  return static_cast<uint64_t>(doomed.size());
}

Status Watchlist::acknowledge_in(WriteTxn& txn, const std::string& subject) {
  return txn.put(acknowledged_, subject, encode_u64_key(static_cast<uint64_t>(clock_.wall_ms())));
}

Result<std::set<std::string>> Watchlist::acknowledged() {
  std::set<std::string> out;
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return r.status();
  SB_RETURN_IF_ERROR((*r)->scan(acknowledged_, "", [&](std::string_view k, std::string_view) {
    out.emplace(k);
    return true;
  }));
  return out;
}

Status Watchlist::clear_acknowledged(const std::vector<std::string>& subjects) {
  if (subjects.empty()) return Status::Ok();
  return committer_.run([&](WriteTxn& txn) -> Status {
    for (const std::string& s : subjects) SB_RETURN_IF_ERROR(ignore_missing(txn.del(acknowledged_, s)));
    return Status::Ok();
  });
}

Result<uint64_t> Watchlist::forget_shipped_older_than(Millis age, size_t max) {
  const int64_t cutoff = clock_.wall_ms() - age.count();
  std::vector<std::pair<std::string, std::string>> doomed;  // age key, order key
  {
    Result<std::unique_ptr<ReadTxn>> r = store_.read();
    if (!r.ok()) return r.status();
    SB_RETURN_IF_ERROR((*r)->scan(shipped_, "t", [&](std::string_view k, std::string_view) {
      if (k.size() < 9 || k[0] != 't' || doomed.size() >= max) return false;
      if (static_cast<int64_t>(decode_u64_key(k.substr(1, 8))) >= cutoff) return false;
      doomed.emplace_back(std::string(k), std::string(k.substr(9)));
      return true;
    }));
  }
  if (doomed.empty()) return uint64_t{0};
  SB_RETURN_IF_ERROR(committer_.run([&](WriteTxn& txn) -> Status {
    for (const auto& [age_key, order] : doomed) {
      SB_RETURN_IF_ERROR(ignore_missing(txn.del(shipped_, age_key)));
      // Shipped again since: the lookup key belongs to a newer age key.
      std::string at;
      Status g = txn.get(shipped_, shipped_key(order), &at);
      if (g.code() == Code::kNotFound) continue;
      SB_RETURN_IF_ERROR(g);
      if (at == age_key.substr(1, 8)) SB_RETURN_IF_ERROR(txn.del(shipped_, shipped_key(order)));
    }
    return Status::Ok();
  }));
  return static_cast<uint64_t>(doomed.size());
}

Result<std::map<std::string, int64_t>> Watchlist::offline_since() {
  std::map<std::string, int64_t> out;
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return r.status();
  SB_RETURN_IF_ERROR((*r)->scan(offline_, "", [&](std::string_view k, std::string_view v) {
    out.emplace(std::string(k), static_cast<int64_t>(decode_u64_key(v)));
    return true;
  }));
  return out;
}

Status Watchlist::note_offline(const std::map<std::string, int64_t>& went_offline,
                               const std::vector<std::string>& back_online) {
  if (went_offline.empty() && back_online.empty()) return Status::Ok();
  return committer_.run([&](WriteTxn& txn) -> Status {
    for (const auto& [site, since] : went_offline)
      SB_RETURN_IF_ERROR(txn.put(offline_, site, encode_u64_key(static_cast<uint64_t>(since))));
    for (const std::string& site : back_online) SB_RETURN_IF_ERROR(ignore_missing(txn.del(offline_, site)));
    return Status::Ok();
  });
}

}  // namespace sb::relay
