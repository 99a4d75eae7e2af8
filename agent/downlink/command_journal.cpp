#include "agent/downlink/command_journal.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "platform/core/log.h"
#include "stockbridge/v1/exceptions.h"

namespace sb::agent {
namespace {

constexpr char kNextKey[] = "next_local_seq";
constexpr size_t kRecent = 50;
constexpr size_t kMaxUnreported = 10'000;

std::string stream_key(const std::string& epoch) { return "stream:" + epoch; }

uint64_t read_u64(ReadTxn& txn, TableId t, const std::string& key) {
  std::string v;
  return txn.get(t, key, &v).ok() ? decode_u64_key(v) : 0;
}

// A held command is stored as <4-byte length><command><outcome>.
std::string encode_held(const v1::Command& c, const v1::CommandOutcome& o) {
  std::string cb = c.SerializeAsString();
  uint32_t n = static_cast<uint32_t>(cb.size());
  std::string out(reinterpret_cast<const char*>(&n), 4);
  return out + cb + o.SerializeAsString();
}

bool decode_held(std::string_view v, HeldCommand* out) {
  if (v.size() < 4) return false;
  uint32_t n = 0;
  std::memcpy(&n, v.data(), 4);
  if (v.size() < 4 + static_cast<size_t>(n)) return false;
  return out->command.ParseFromArray(v.data() + 4, static_cast<int>(n)) &&
         out->outcome.ParseFromArray(v.data() + 4 + n, static_cast<int>(v.size() - 4 - n));
}

constexpr char kCommand[] = "command";
constexpr char kRequeueKey[] = "requeue_next";
// Commands put back after a hold are queued ahead of everything else (so a
// command of their key that arrived later cannot overtake them): their keys
// are 8 zero bytes + a counter, which sort before every ordinary local seq
// (those start at 1). Their local_seq carries the top bit.
constexpr uint64_t kRequeuedBit = 1ull << 63;

std::string queue_key(uint64_t local_seq) {
  if (local_seq & kRequeuedBit) return encode_u64_key(0) + encode_u64_key(local_seq & ~kRequeuedBit);
  return encode_u64_key(local_seq);
}

uint64_t local_seq_of(std::string_view key) {
  if (key.size() == 16) return kRequeuedBit | decode_u64_key(key.substr(8));
  return decode_u64_key(key);
}

Status raise_refused(WriteTxn& txn, ExceptionBook& book, const v1::Command& c, const std::string& key,
                     const std::string& reason) {
  ExceptionRaise r;
  r.cls = "CLARUS_REJECTED";
  r.owner = std::string(v1::exception_owner(r.cls));
  r.subject_kind = kCommand;
  r.subject_id = c.command_id();
  r.site = c.site_id();
  r.key = key;
  r.reason = std::string(command_kind(c)) + " " + c.command_id() + ": " + reason;
  Json detail = Json::object();
  detail.set("kind", Json::string(command_kind(c)));
  detail.set("command_id", Json::string(c.command_id()));
  detail.set("business_key", Json::string(key));
  r.detail = detail.dump();
  return book.raise_in(txn, r);
}

// The SKUs a command names.
std::vector<std::string> skus_of(const v1::Command& c) {
  std::vector<std::string> out;
  auto lines = [&](const auto& ls) {
    for (const v1::OrderLine& l : ls) out.push_back(l.sku());
  };
  if (c.has_item_upsert()) out.push_back(c.item_upsert().sku());
  if (c.has_sales_order_release()) lines(c.sales_order_release().lines());
  if (c.has_purchase_order_release()) lines(c.purchase_order_release().lines());
  if (c.has_return_authorisation()) lines(c.return_authorisation().lines());
  return out;
}

}  // namespace

const char* command_kind(const v1::Command& c) {
  switch (c.body_case()) {
    case v1::Command::kItemUpsert: return "ItemUpsert";
    case v1::Command::kCarrierUpsert: return "CarrierUpsert";
    case v1::Command::kSalesOrderRelease: return "SalesOrderRelease";
    case v1::Command::kSalesOrderCancel: return "SalesOrderCancel";
    case v1::Command::kPurchaseOrderRelease: return "PurchaseOrderRelease";
    case v1::Command::kReturnAuthorisation: return "ReturnAuthorisation";
    default: return "Unknown";
  }
}

std::string command_business_key(const v1::Command& c) {
  if (!c.business_key().empty()) return c.business_key();
  switch (c.body_case()) {
    case v1::Command::kItemUpsert: return "item:" + c.item_upsert().sku();
    case v1::Command::kCarrierUpsert: return "carrier:" + c.carrier_upsert().carrier() + ":" + c.carrier_upsert().service();
    case v1::Command::kSalesOrderRelease: return "order:" + c.sales_order_release().order_number();
    case v1::Command::kSalesOrderCancel: return "order:" + c.sales_order_cancel().order_number();
    case v1::Command::kPurchaseOrderRelease: return "po:" + c.purchase_order_release().po_number();
    case v1::Command::kReturnAuthorisation: return "rma:" + c.return_authorisation().rma_number();
    default: return "command:" + c.command_id();
  }
}

Result<std::unique_ptr<CommandJournal>> CommandJournal::open(KvStore& store, GroupCommitter& committer, const Clock& clock) {
  std::unique_ptr<CommandJournal> j(new CommandJournal(store, committer, clock));
  SB_RETURN_IF_ERROR(j->init());
  return j;
}

Status CommandJournal::init() {
  const std::pair<const char*, TableId*> tables[] = {{"dl_commands", &commands_}, {"dl_ids", &ids_},
                                                     {"dl_meta", &meta_},         {"dl_held", &held_},
                                                     {"dl_held_keys", &held_keys_}, {"dl_clarus_ids", &map_}};
  for (const auto& [name, id] : tables) {
    Result<TableId> t = store_.table(name);
    if (!t.ok()) return t.status();
    *id = *t;
  }
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return r.status();
  uint64_t next = read_u64(**r, meta_, kNextKey);
  // Never below the last queued command: a stored counter that lags would
  // make the next command overwrite one not yet applied.
  SB_RETURN_IF_ERROR((*r)->scan_back(commands_, "", [&](std::string_view k, std::string_view) {
    next = std::max(next, decode_u64_key(k) + 1);
    return false;
  }));
  next_local_seq_ = next == 0 ? 1 : next;
  return Status::Ok();
}

// Why a command cannot be journaled as it is ("" when it can): its id and
// business key become LMDB keys, which LMDB limits to 511 bytes.
std::string CommandJournal::unacceptable(const v1::Command& c) {
  if (c.command_id().empty()) return "the command has no command_id";
  if (c.command_id().size() > kMaxKeyBytes) return "the command_id is longer than " + std::to_string(kMaxKeyBytes) + " bytes";
  if (command_business_key(c).size() > kMaxKeyBytes) return "the command's business key is longer than " + std::to_string(kMaxKeyBytes) + " bytes";
  return "";
}

Result<uint64_t> CommandJournal::accept(const v1::DownlinkBatch& batch) {
  const std::string skey = stream_key(batch.downlink_epoch());
  if (skey.size() > kMaxKeyBytes) return Status::InvalidArgument("the downlink epoch is too long");
  const int64_t now = clock_.wall_ms();
  uint64_t high = 0, fresh = 0, dups = 0, next = 0;
  std::vector<v1::CommandOutcome> refused;
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    // May run twice (a replay after the map grew): start from the stored state.
    // Everything that can fail for a reason of the input is decided before the
    // first write, so a failing op leaves nothing behind in the shared commit.
    high = read_u64(txn, meta_, skey);
    next = read_u64(txn, meta_, kNextKey);
    if (next == 0) next = 1;
    fresh = dups = 0;
    refused.clear();
    std::vector<const v1::Command*> take;
    std::set<std::string> ids_in_batch;
    for (const v1::Command& c : batch.commands()) {
      if (c.seq() <= high) {
        dups++;
        continue;
      }
      if (c.seq() != high + 1) break;  // a gap: the relay sends the rest again
      high = c.seq();
      if (std::string why = unacceptable(c); !why.empty()) {
        // Acknowledged (so the stream moves on) and reported held, not journaled:
        // nothing could ever apply it.
        v1::CommandOutcome o;
        o.set_command_id(c.command_id().substr(0, 64));
        o.set_seq(c.seq());
        o.set_kind(v1::CommandOutcome::HELD);
        o.set_reason("refused at the agent: " + why);
        o.set_at_ms(now);
        refused.push_back(std::move(o));
        continue;
      }
      std::string existing;
      Status g = txn.get(ids_, c.command_id(), &existing);
      if (g.ok() || !ids_in_batch.insert(c.command_id()).second) {
        dups++;  // the same command under another epoch or seq: applied once
        continue;
      }
      if (g.code() != Code::kNotFound) return g;
      take.push_back(&c);
    }
    for (const v1::Command* c : take) {
      v1::Command stored = *c;
      stored.set_accepted_at_ms(now);
      if (stored.site_id().empty()) stored.set_site_id(batch.site_id());
      SB_RETURN_IF_ERROR(txn.put(ids_, c->command_id(), encode_u64_key(next)));
      SB_RETURN_IF_ERROR(txn.put_new(commands_, encode_u64_key(next), stored.SerializeAsString(), nullptr));
      next++;
      fresh++;
    }
    SB_RETURN_IF_ERROR(txn.put(meta_, skey, encode_u64_key(high)));
    return txn.put(meta_, kNextKey, encode_u64_key(next));
  });
  if (!s.ok()) return s;
  next_local_seq_ = next;
  {
    std::lock_guard lock(mu_);
    duplicates_ += dups;
    for (v1::CommandOutcome& o : refused) {
      log::warn("downlink", "refused a command that cannot be journaled", {{"command", o.command_id()}, {"reason", o.reason()}});
      unreported_.push_back(o);
      recent_.push_front(std::move(o));
      if (recent_.size() > kRecent) recent_.pop_back();
    }
  }
  if (fresh > 0 && on_accepted_) on_accepted_();
  return high;
}

Result<std::optional<PendingCommand>> CommandJournal::next() const {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return r.status();
  std::optional<PendingCommand> found;
  Status parse_error;
  Status s = (*r)->scan(commands_, "", [&](std::string_view k, std::string_view v) {
    PendingCommand p;
    p.local_seq = local_seq_of(k);
    if (!p.command.ParseFromArray(v.data(), static_cast<int>(v.size())))
      parse_error = Status::Corruption("command " + std::to_string(p.local_seq) + " does not parse");
    else
      found = std::move(p);
    return false;
  });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;
  return found;
}

Status CommandJournal::finish(uint64_t local_seq, const v1::Command& command, const v1::CommandOutcome& outcome,
                              const std::vector<std::pair<std::string, std::string>>& mappings) {
  const bool held = outcome.kind() == v1::CommandOutcome::HELD;
  const std::string key = command_business_key(command);
  std::vector<std::pair<std::string, std::string>> keep;
  for (const auto& m : mappings) {
    if (!m.first.empty() && m.first.size() <= kMaxKeyBytes) keep.push_back(m);
    else log::warn("downlink", "not remembering a Clarus id under an unusable key", {{"key_bytes", static_cast<uint64_t>(m.first.size())}});
  }
  bool apply_again = false;  // it was to wait behind a hold that ended meanwhile
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    apply_again = false;
    // The command is freed last, so a failed write never loses it unrecorded.
    for (const auto& [k, v] : keep) SB_RETURN_IF_ERROR(txn.put(map_, k, v));
    if (held) {
      std::string holder;
      Status g = txn.get(held_keys_, key, &holder);
      if (g.code() == Code::kNotFound && outcome.reason().rfind(kWaitsBehind, 0) == 0) {
        apply_again = true;  // stays queued; the next pass applies it
        return Status::Ok();
      }
      SB_RETURN_IF_ERROR(txn.put(held_, command.command_id(), encode_held(command, outcome)));
      if (g.code() == Code::kNotFound) {
        SB_RETURN_IF_ERROR(txn.put(held_keys_, key, command.command_id()));
        if (book_) SB_RETURN_IF_ERROR(raise_refused(txn, *book_, command, key, outcome.reason()));
      } else if (!g.ok()) {
        return g;
      } else if (holder == command.command_id() && book_) {
        SB_RETURN_IF_ERROR(raise_refused(txn, *book_, command, key, outcome.reason()));  // refused again after a retry
      }
    } else if (book_) {
      Status r = book_->resolve_subject_in(txn, kCommand, command.command_id(), "system",
                                           "applied in Clarus" + (outcome.clarus_id().empty() ? "" : " as " + outcome.clarus_id()));
      if (!r.ok() && r.code() != Code::kNotFound) return r;
    }
    Status d = txn.del(commands_, queue_key(local_seq));
    if (!d.ok() && d.code() != Code::kNotFound) return d;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (apply_again) return Status::Ok();
  std::lock_guard lock(mu_);
  unreported_.push_back(outcome);
  while (unreported_.size() > kMaxUnreported) unreported_.pop_front();  // best effort, like uplink outcomes
  recent_.push_front(outcome);
  if (recent_.size() > kRecent) recent_.pop_back();
  if (!held) {
    applied_++;
    last_applied_at_ms_ = outcome.at_ms();
  }
  return Status::Ok();
}

void CommandJournal::report_again(std::vector<v1::CommandOutcome> outcomes) {
  std::lock_guard lock(mu_);
  for (auto it = outcomes.rbegin(); it != outcomes.rend(); ++it) unreported_.push_front(std::move(*it));
  while (unreported_.size() > kMaxUnreported) unreported_.pop_back();
}

void CommandJournal::report_held() {
  std::vector<v1::CommandOutcome> outcomes;
  for (HeldCommand& h : held(kMaxUnreported)) outcomes.push_back(std::move(h.outcome));
  report_again(std::move(outcomes));
}

std::string CommandJournal::mapping(const std::string& key) const {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  std::string v;
  if (!r.ok() || !(*r)->get(map_, key, &v).ok()) return "";
  return v;
}

Status CommandJournal::put_mapping(const std::string& key, const std::string& clarus_id) {
  return committer_.run([&](WriteTxn& txn) { return txn.put(map_, key, clarus_id); });
}

std::string CommandJournal::held_by(const std::string& business_key) const {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  std::string v;
  if (!r.ok() || !(*r)->get(held_keys_, business_key, &v).ok()) return "";
  return v;
}

Status CommandJournal::release_key(const std::string& command_id, bool drop_holder, ExceptionState to,
                                   const ExceptionAction& action) {
  std::vector<v1::CommandOutcome> discarded;
  size_t queued = 0;
  Status s = committer_.run([&](WriteTxn& txn) -> Status {
    discarded.clear();
    queued = 0;
    std::string v;
    Status g = txn.get(held_, command_id, &v);
    if (g.code() == Code::kNotFound) return Status::NotFound("command " + command_id + " is not held at this site");
    SB_RETURN_IF_ERROR(g);
    HeldCommand holder;
    if (!decode_held(v, &holder)) return Status::Corruption("held command " + command_id + " does not parse");
    const std::string key = command_business_key(holder.command);
    std::string holding;
    SB_RETURN_IF_ERROR(txn.get(held_keys_, key, &holding));
    if (holding != command_id)
      return Status::FailedPrecondition("command " + command_id + " waits behind " + holding + "; act on that one first");
    // Every held command of the key, in the relay's order.
    std::vector<HeldCommand> of_key;
    SB_RETURN_IF_ERROR(txn.scan(held_, "", [&](std::string_view, std::string_view hv) {
      HeldCommand h;
      if (decode_held(hv, &h) && command_business_key(h.command) == key) of_key.push_back(std::move(h));
      return true;
    }));
    std::sort(of_key.begin(), of_key.end(), [](const HeldCommand& a, const HeldCommand& b) { return a.command.seq() < b.command.seq(); });
    uint64_t front = read_u64(txn, meta_, kRequeueKey);
    for (const HeldCommand& h : of_key) {
      SB_RETURN_IF_ERROR(txn.del(held_, h.command.command_id()));
      if (drop_holder && h.command.command_id() == command_id) {
        v1::CommandOutcome o = h.outcome;
        o.set_kind(v1::CommandOutcome::DISCARDED);
        o.set_reason(action.note);
        o.set_at_ms(clock_.wall_ms());
        discarded.push_back(std::move(o));
        continue;
      }
      SB_RETURN_IF_ERROR(txn.put(commands_, queue_key(kRequeuedBit | ++front), h.command.SerializeAsString()));
      ++queued;
    }
    SB_RETURN_IF_ERROR(txn.del(held_keys_, key));
    SB_RETURN_IF_ERROR(txn.put(meta_, kRequeueKey, encode_u64_key(front)));
    if (!book_) return Status::Ok();
    Result<ExceptionRecord> x = book_->find_subject_in(txn, kCommand, command_id);
    if (!x.ok() || is_closed(x->state)) return Status::Ok();
    return book_->act_in(txn, x->id, to, action);
  });
  if (!s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    for (v1::CommandOutcome& o : discarded) {
      unreported_.push_back(o);
      recent_.push_front(std::move(o));
      if (recent_.size() > kRecent) recent_.pop_back();
    }
  }
  log::info("downlink", drop_holder ? "a refused command was discarded" : "refused commands go back to the queue",
            {{"command", command_id}, {"who", action.who}, {"queued", queued}});
  if (queued > 0 && on_accepted_) on_accepted_();
  return Status::Ok();
}

Status CommandJournal::retry_held(const std::string& command_id, const ExceptionAction& action) {
  return release_key(command_id, false, ExceptionState::kRetrying, action);
}

Status CommandJournal::discard_held(const std::string& command_id, const ExceptionAction& action) {
  return release_key(command_id, true, ExceptionState::kDiscarded, action);
}

size_t CommandJournal::retry_held_for_sku(const std::string& sku, const std::string& why) {
  std::vector<std::string> holders;
  {
    Result<std::unique_ptr<ReadTxn>> r = store_.read();
    if (!r.ok()) return 0;
    std::set<std::string> holding;
    (void)(*r)->scan(held_keys_, "", [&](std::string_view, std::string_view v) {
      holding.emplace(v);
      return true;
    });
    (void)(*r)->scan(held_, "", [&](std::string_view k, std::string_view v) {
      HeldCommand h;
      if (holding.count(std::string(k)) && decode_held(v, &h)) {
        std::vector<std::string> skus = skus_of(h.command);
        if (std::find(skus.begin(), skus.end(), sku) != skus.end()) holders.emplace_back(k);
      }
      return true;
    });
  }
  size_t n = 0;
  const ExceptionAction a = ExceptionAction::by("system", "retry", why);
  for (const std::string& id : holders) n += retry_held(id, a).ok() ? 1 : 0;
  return n;
}

std::vector<HeldCommand> CommandJournal::held(size_t max) const {
  std::vector<HeldCommand> out;
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (!r.ok()) return out;
  (void)(*r)->scan(held_, "", [&](std::string_view, std::string_view v) {
    HeldCommand h;
    if (decode_held(v, &h)) out.push_back(std::move(h));
    return out.size() < max;
  });
  return out;
}

std::vector<v1::CommandOutcome> CommandJournal::take_unreported() {
  std::lock_guard lock(mu_);
  std::vector<v1::CommandOutcome> out(unreported_.begin(), unreported_.end());
  unreported_.clear();
  return out;
}

std::vector<v1::CommandOutcome> CommandJournal::recent() const {
  std::lock_guard lock(mu_);
  return {recent_.begin(), recent_.end()};
}

uint64_t CommandJournal::high_water(const std::string& epoch) const {
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  return r.ok() ? read_u64(**r, meta_, stream_key(epoch)) : 0;
}

CommandJournalStats CommandJournal::stats() const {
  CommandJournalStats st;
  Result<std::unique_ptr<ReadTxn>> r = store_.read();
  if (r.ok()) {
    Result<uint64_t> n = (*r)->count(commands_);
    st.waiting = n.ok() ? *n : 0;
    Result<uint64_t> h = (*r)->count(held_);
    st.held = h.ok() ? *h : 0;
    (void)(*r)->scan(commands_, "", [&](std::string_view, std::string_view v) {
      v1::Command c;
      if (c.ParseFromArray(v.data(), static_cast<int>(v.size()))) st.oldest_waiting_ms = c.accepted_at_ms();
      return false;
    });
  }
  std::lock_guard lock(mu_);
  st.applied = applied_;
  st.duplicates = duplicates_;
  st.last_applied_at_ms = last_applied_at_ms_;
  return st;
}

}  // namespace sb::agent
