#include "agent/rules/edge_rules.h"

#include <vector>

#include "platform/core/log.h"
#include "stockbridge/v1/checks.h"
#include "stockbridge/v1/event_view.h"
#include "stockbridge/v1/exceptions.h"

namespace sb::agent {
namespace {

constexpr char kEvent[] = "event";
constexpr char kNextKey[] = "next";
constexpr size_t kMaxKeyBytes = 400;  // LMDB keys stop at 511 bytes

std::string prefix_of(const std::string& business_key) { return business_key + '\0'; }

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

Result<std::unique_ptr<EdgeRules>> EdgeRules::open(KvStore& store, GroupCommitter& committer, Journal& journal,
                                                   MasterData& master, ExceptionBook& book, EdgeRulesOptions options) {
  std::unique_ptr<EdgeRules> r(new EdgeRules(store, committer, journal, master, book, std::move(options)));
  for (auto [name, id] : {std::pair{"held_events", &r->held_}, {"held_ids", &r->held_ids_}, {"held_meta", &r->meta_}}) {
    Result<TableId> t = store.table(name);
    if (!t.ok()) return t.status();
    *id = *t;
  }
  return r;
}

std::optional<EdgeRules::Problem> EdgeRules::check(ReadTxn& txn, const v1::Event& e) const {
  auto inactive = [&](const std::string& sku) -> std::optional<Problem> {
    std::optional<v1::ItemUpsert> item = master_.item(txn, sku);
    if (item && !item->active())
      return Problem{"INACTIVE_SKU", "item " + sku + " is inactive in the ERP (as the site last heard from it)"};
    return std::nullopt;
  };
  auto mapped = [&](const std::string& warehouse) -> std::optional<Problem> {
    if (options_.location_map.empty() || options_.location_map.count(warehouse)) return std::nullopt;
    return Problem{"UNMAPPED_LOCATION", "warehouse " + warehouse + " has no ERP location in rules.location_map"};
  };
  auto lines = [&](const auto& receipt_lines) -> std::optional<Problem> {
    for (const v1::ReceiptLine& l : receipt_lines) {
      if (l.received_quantity() < 0)
        return Problem{"INVALID_EVENT", "line " + l.line_ref() + " received a negative quantity"};
      if (auto p = inactive(l.sku())) return p;
    }
    return std::nullopt;
  };
  switch (e.body_case()) {
    case v1::Event::kStockAdjustment: {
      const v1::StockAdjustment& a = e.stock_adjustment();
      if (auto p = inactive(a.sku())) return p;
      return mapped(a.warehouse());
    }
    case v1::Event::kShipment: {
      const v1::Shipment& s = e.shipment();
      int64_t moved = 0;
      for (const v1::ShipmentLine& l : s.lines()) {
        if (l.quantity() < 0) return Problem{"INVALID_EVENT", "line " + l.order_line_ref() + " shipped a negative quantity"};
        moved += l.quantity();
        if (auto p = inactive(l.sku())) return p;
      }
      if (moved == 0) return Problem{"INVALID_EVENT", "the shipment moved nothing"};
      if (auto p = mapped(s.warehouse())) return p;
      if (s.carrier().empty() || !master_.knows_carriers()) return std::nullopt;
      const auto [carrier, service] = v1::erp_carrier(options_.carrier_aliases, s.carrier(), s.carrier_service());
      std::optional<v1::CarrierUpsert> known = master_.carrier(txn, carrier, service);
      if (!known)
        return Problem{"UNKNOWN_CARRIER", "carrier " + s.carrier() + " service " + s.carrier_service() +
                                              " is not in the ERP's carrier master (as the site last heard it)"};
      if (std::string t = v1::tracking_problem(s, known->tracking_pattern()); !t.empty())
        return Problem{"BAD_TRACKING", "shipment " + s.shipment_reference() + " " + t};
      return std::nullopt;
    }
    case v1::Event::kGoodsReceipt:
      if (auto p = lines(e.goods_receipt().lines())) return p;
      return mapped(e.goods_receipt().warehouse());
    case v1::Event::kReturnReceipt:
      if (auto p = lines(e.return_receipt().lines())) return p;
      return mapped(e.return_receipt().warehouse());
    default:
      return std::nullopt;
  }
}

Status EdgeRules::hold_head_in(WriteTxn& txn, const v1::Event& e, const Problem& p) {
  ExceptionRaise r;
  r.cls = p.cls;
  r.owner = std::string(v1::exception_owner(p.cls));
  r.subject_kind = kEvent;
  r.subject_id = e.event_id();
  r.site = e.site_id();
  r.key = e.business_key();
  r.reason = p.reason;
  r.detail = v1::event_view(e).dump();
  return book_.raise_in(txn, r);
}

Result<bool> EdgeRules::hold_in(WriteTxn& txn, const v1::Event& e) {
  const std::string prefix = prefix_of(e.business_key());
  if (prefix.size() + 8 > kMaxKeyBytes) return false;  // no key to order by here; the relay judges it
  bool waiting = false;
  SB_RETURN_IF_ERROR(txn.scan(held_, prefix, [&](std::string_view k, std::string_view) {
    waiting = starts_with(k, prefix);
    return false;
  }));
  std::optional<Problem> problem;
  if (!waiting) {
    problem = check(txn, e);
    if (!problem) return false;
  }
  std::string v;
  Status g = txn.get(meta_, kNextKey, &v);
  if (!g.ok() && g.code() != Code::kNotFound) return g;
  const uint64_t n = g.ok() ? decode_u64_key(v) : 1;
  SB_RETURN_IF_ERROR(txn.put(meta_, kNextKey, encode_u64_key(n + 1)));
  const std::string key = prefix + encode_u64_key(n);
  SB_RETURN_IF_ERROR(txn.put(held_, key, e.SerializeAsString()));
  SB_RETURN_IF_ERROR(txn.put(held_ids_, e.event_id(), key));
  if (problem) SB_RETURN_IF_ERROR(hold_head_in(txn, e, *problem));
  return true;
}

Result<size_t> EdgeRules::settle(const std::string& event_id, Act act, const v1::Event* corrected,
                                 ExceptionAction action) {
  size_t released = 0;
  uint64_t last = 0;
  bool discarded = false;
  Status s = committer_.run(
      [&](WriteTxn& txn) -> Status {
        released = 0;
        last = 0;
        discarded = false;
        std::string head_key;
        Status g = txn.get(held_ids_, event_id, &head_key);
        if (g.code() == Code::kNotFound) return Status::NotFound("event " + event_id + " is not held at this site");
        SB_RETURN_IF_ERROR(g);
        const std::string prefix = head_key.substr(0, head_key.find('\0') + 1);
        std::vector<std::pair<std::string, v1::Event>> entries;
        Status parsed;
        SB_RETURN_IF_ERROR(txn.scan(held_, prefix, [&](std::string_view k, std::string_view v) {
          if (!starts_with(k, prefix)) return false;
          v1::Event e;
          if (!e.ParseFromArray(v.data(), static_cast<int>(v.size()))) parsed = Status::Corruption("a held event does not parse");
          entries.emplace_back(std::string(k), std::move(e));
          return true;
        }));
        SB_RETURN_IF_ERROR(parsed);
        if (entries.empty() || entries.front().first != head_key)
          return Status::FailedPrecondition("event " + event_id +
                                            " waits behind another held event of its key; act on that one first");
        Result<ExceptionRecord> x = book_.find_subject_in(txn, kEvent, event_id);
        const std::string exception_id = x.ok() && !is_closed(x->state) ? x->id : "";
        v1::Event head = entries.front().second;
        if (corrected) {
          if (corrected->business_key() != head.business_key())
            return Status::InvalidArgument("a correction cannot move the event to another business key");
          head = *corrected;
        }
        std::vector<v1::Event> forward;
        if (act == Act::kDiscard) {
          if (!exception_id.empty()) SB_RETURN_IF_ERROR(book_.act_in(txn, exception_id, ExceptionState::kDiscarded, action));
          discarded = true;
        } else {
          if (std::optional<Problem> p = check(txn, head)) {
            if (act == Act::kRevalidate) return Status::Ok();  // still held; nothing to write
            if (act == Act::kEdit) return Status::InvalidArgument("the correction does not pass the site's checks: " + p->reason);
            ExceptionRaise again;  // a person's retry that still fails: held again, with today's reason
            again.cls = p->cls;
            again.owner = std::string(v1::exception_owner(p->cls));
            again.subject_kind = kEvent;
            again.subject_id = event_id;
            again.site = head.site_id();
            again.key = head.business_key();
            again.reason = p->reason;
            again.detail = v1::event_view(head).dump();
            again.who = action.who;
            again.note = action.note;
            return book_.raise_in(txn, again);
          }
          ExceptionAction done = action;  // a copy: a replayed op starts from the caller's again
          done.note += std::string(done.note.empty() ? "" : "; ") + "passed the site's checks; forwarded to the relay";
          const std::string detail = v1::event_view(head).dump();
          if (!exception_id.empty())
            SB_RETURN_IF_ERROR(book_.act_in(txn, exception_id, ExceptionState::kResolved, done, corrected ? &detail : nullptr));
          forward.push_back(head);
        }
        SB_RETURN_IF_ERROR(txn.del(held_, entries.front().first));
        SB_RETURN_IF_ERROR(txn.del(held_ids_, event_id));
        // Those waiting behind go on in order, up to the first that fails its checks (now the head).
        for (size_t i = 1; i < entries.size(); ++i) {
          if (std::optional<Problem> p = check(txn, entries[i].second)) {
            SB_RETURN_IF_ERROR(hold_head_in(txn, entries[i].second, *p));
            break;
          }
          SB_RETURN_IF_ERROR(txn.del(held_, entries[i].first));
          SB_RETURN_IF_ERROR(txn.del(held_ids_, entries[i].second.event_id()));
          forward.push_back(entries[i].second);
        }
        if (forward.empty()) return Status::Ok();
        Result<uint64_t> l = journal_.append_released_in(txn, forward);
        if (!l.ok()) return l.status();
        last = *l;
        released = forward.size();
        return Status::Ok();
      },
      [&] {
        if (last) journal_.released(last);
      });
  if (!s.ok()) return s;
  released_ += released;
  if (discarded) ++discarded_;
  if (released > 0 || discarded)
    log::info("rules", "a hold at the site ended", {{"event_id", event_id}, {"who", action.who}, {"action", action.action},
                                                     {"forwarded", released}, {"discarded", discarded}});
  return released;
}

Status EdgeRules::retry(const std::string& event_id, ExceptionAction action) {
  return settle(event_id, Act::kRetry, nullptr, std::move(action)).status();
}

Status EdgeRules::edit(const v1::Event& corrected, ExceptionAction action) {
  return settle(corrected.event_id(), Act::kEdit, &corrected, std::move(action)).status();
}

Status EdgeRules::discard(const std::string& event_id, ExceptionAction action) {
  return settle(event_id, Act::kDiscard, nullptr, std::move(action)).status();
}

size_t EdgeRules::revalidate(const std::string& why) {
  std::vector<std::string> heads;
  {
    Result<std::unique_ptr<ReadTxn>> txn = store_.read();
    if (!txn.ok()) return 0;
    std::string last_prefix;
    (void)(*txn)->scan(held_, "", [&](std::string_view k, std::string_view v) {
      std::string prefix(k.substr(0, k.find('\0') + 1));
      if (prefix == last_prefix) return true;
      last_prefix = prefix;
      v1::Event e;
      if (e.ParseFromArray(v.data(), static_cast<int>(v.size()))) heads.push_back(e.event_id());
      return true;
    });
  }
  size_t released = 0;
  for (const std::string& id : heads) {
    Result<size_t> n = settle(id, Act::kRevalidate, nullptr, ExceptionAction::by("system", "re-validate", why));
    if (n.ok()) released += *n;
  }
  if (released > 0) log::info("rules", "held events went on after master data arrived", {{"events", released}, {"why", why}});
  return released;
}

Result<v1::Event> EdgeRules::held_event(const std::string& event_id) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return txn.status();
  std::string key, v;
  Status g = (*txn)->get(held_ids_, event_id, &key);
  if (g.code() == Code::kNotFound) return Status::NotFound("event " + event_id + " is not held at this site");
  SB_RETURN_IF_ERROR(g);
  SB_RETURN_IF_ERROR((*txn)->get(held_, key, &v));
  v1::Event e;
  if (!e.ParseFromString(v)) return Status::Corruption("held event " + event_id + " does not parse");
  return e;
}

size_t EdgeRules::waiting_behind(const std::string& event_id) {
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (!txn.ok()) return 0;
  std::string key;
  if (!(*txn)->get(held_ids_, event_id, &key).ok()) return 0;
  const std::string prefix = key.substr(0, key.find('\0') + 1);
  size_t n = 0;
  (void)(*txn)->scan(held_, key, [&](std::string_view k, std::string_view) {
    if (!starts_with(k, prefix)) return false;
    ++n;
    return true;
  });
  return n > 0 ? n - 1 : 0;
}

EdgeRulesStats EdgeRules::stats() const {
  EdgeRulesStats s;
  Result<std::unique_ptr<ReadTxn>> txn = store_.read();
  if (txn.ok()) {
    Result<uint64_t> n = (*txn)->count(held_);
    if (n.ok()) s.held_events = *n;
  }
  s.released = released_.load();
  s.discarded = discarded_.load();
  return s;
}

}  // namespace sb::agent
